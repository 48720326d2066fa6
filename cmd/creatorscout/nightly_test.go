package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/backup"
	"github.com/creatorscout/creatorscout/config"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/nightly"
	"github.com/creatorscout/creatorscout/store"
)

// tokens are the strings that identify a creator, lower case.
func tokens(c *creator.Creator) []string {
	var out []string
	for _, s := range []string{c.ID, c.Handle, c.PlatformID, c.URL} {
		if s = strings.ToLower(strings.TrimSpace(s)); len(s) > 3 {
			out = append(out, s)
		}
	}
	return out
}

// traces lists every cell of every table of the SQLite file at path that
// holds one of toks (case-insensitively). It reads through a connection of
// its own, so it sees what is on disk, WAL included.
func traces(t *testing.T, path string, toks []string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type='table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var out []string
	for _, table := range tables {
		rs, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				cell := strings.ToLower(fmt.Sprint(v))
				for _, tok := range toks {
					if strings.Contains(cell, tok) {
						out = append(out, fmt.Sprintf("%s.%s = %.120s", table, cols[i], cell))
					}
				}
			}
		}
		rs.Close()
	}
	return out
}

// indexHolds reports whether the index at ix answers with id anywhere.
func indexHolds(t *testing.T, ix interface {
	Search(context.Context, creator.Query) (*creator.SearchResult, error)
}, id string) (bool, int) {
	t.Helper()
	q := creator.Query{Limit: creator.MaxLimit, Facets: []string{}}
	n := 0
	for {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			n++
			if h.ID == id {
				return true, n
			}
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			return false, n
		}
		q.Cursor = res.NextCursor
	}
}

func httpDo(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestForgetLeavesNoTraceInAnyTableIndexOrExport(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls a synthetic network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	d, err := startDemo(ctx, 120, 5, dir, "127.0.0.1:0", io.Discard, io.Discard)
	if d != nil {
		defer d.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	a := d.app
	now := time.Now().UTC()

	// The creator to forget: one with posts and a platform id whose tokens
	// appear nowhere but in its own rows (other people's posts that @mention
	// someone are their authors' content, not the creator's).
	all := map[string]*creator.Creator{}
	var ids []string
	postsOf := map[string][]creator.Post{}
	if err := a.store.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
		all[c.ID], postsOf[c.ID] = c, posts
		ids = append(ids, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	var target, other *creator.Creator
	for _, id := range ids {
		c := all[id]
		if c.PlatformID == "" || len(postsOf[id]) == 0 || c.Platform == creator.Web || c.Platform == creator.TikTok {
			continue
		}
		elsewhere := false
		for oid, ps := range postsOf {
			if oid == id {
				continue
			}
			for _, p := range ps {
				text := strings.ToLower(p.Caption + " " + strings.Join(p.Mentions, " ") + " " + p.URL)
				for _, tok := range tokens(c) {
					elsewhere = elsewhere || strings.Contains(text, tok)
				}
			}
		}
		if !elsewhere {
			target = c
			break
		}
	}
	for _, id := range ids {
		if target != nil && id != target.ID {
			other = all[id]
			break
		}
	}
	if target == nil || other == nil {
		t.Fatal("no creator to forget")
	}
	toks := tokens(target)
	if got := traces(t, storePath(a.cfg), toks); len(got) == 0 {
		t.Fatalf("the store holds no trace of %s before the forget: the check would prove nothing", target.ID)
	}

	// It is on a list, matched a saved search, is named in a run report,
	// and is in a backup taken before the forget.
	l, err := a.store.CreateList(ctx, "agency picks", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*creator.Creator{target, other} {
		if _, err := a.store.AddToList(ctx, l.ID, c.ID, "note", store.StatusContacted, now); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := a.store.CreateSavedSearch(ctx, "everyone", creator.Query{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.RecordSavedSearchResults(ctx, ss.ID, []string{target.ID, other.ID}, now); err != nil {
		t.Fatal(err)
	}
	run, err := a.store.StartRun(ctx, nightly.Kind, []string{"refresh:2"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.PutRunReport(ctx, creator.RunReport{RunID: run, StartedAt: now, Failures: map[string]int{}, Changes: []creator.Change{
		{Kind: creator.ChangeFollowerJump, CreatorID: target.ID, From: creator.Int64(1), To: creator.Int64(2), Relative: creator.Float64(1)},
		{Kind: creator.ChangeFollowerJump, CreatorID: other.ID, From: creator.Int64(1), To: creator.Int64(2), Relative: creator.Float64(1)},
	}}); err != nil {
		t.Fatal(err)
	}
	oldBackup := filepath.Join(t.TempDir(), "before-forget")
	if _, err := backup.Create(ctx, a.store, a.index, oldBackup, time.Now); err != nil {
		t.Fatal(err)
	}
	_, before := indexHolds(t, a.index, "")

	// Forget through the admin endpoint of a running server.
	srv, err := a.server(a.wireForget)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if code, body := httpDo(t, http.MethodDelete, ts.URL+"/v1/creators/"+target.ID); code != 200 || !strings.Contains(body, `"forgotten":true`) {
		t.Fatalf("DELETE: %d %s", code, body)
	}

	// No table holds a trace; the index does not either.
	if got := traces(t, storePath(a.cfg), toks); len(got) > 0 {
		t.Errorf("traces left in the store:\n%s", strings.Join(got, "\n"))
	}
	if held, n := indexHolds(t, a.index, target.ID); held || n != before-1 {
		t.Errorf("index: holds it %v, %d docs (was %d)", held, n, before)
	}
	// Nothing the API serves names it: the creator, its history, the list
	// and its exports, the saved search, the run report, a search.
	for _, path := range []string{
		"/v1/lists/" + fmt.Sprint(l.ID) + "/export.csv", "/v1/lists/" + fmt.Sprint(l.ID) + "/export.json",
		"/v1/lists/" + fmt.Sprint(l.ID) + "/items", "/v1/searches/" + fmt.Sprint(ss.ID) + "/new",
		"/v1/crawls/" + fmt.Sprint(run), "/v1/creators?limit=100&q=" + strings.ReplaceAll(target.DisplayName, " ", "+"),
	} {
		code, body := httpDo(t, http.MethodGet, ts.URL+path)
		if code != 200 {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
		for _, tok := range toks {
			if strings.Contains(strings.ToLower(body), tok) {
				t.Errorf("GET %s still names %q", path, tok)
			}
		}
		if strings.HasPrefix(path, "/v1/lists/") && !strings.Contains(strings.ToLower(body), strings.ToLower(other.Handle)) {
			t.Errorf("GET %s lost the other creator too: %.300s", path, body)
		}
	}
	for _, path := range []string{"/v1/creators/" + target.ID, "/v1/creators/" + target.ID + "/history"} {
		if code, _ := httpDo(t, http.MethodGet, ts.URL+path); code != 404 {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
	audit, err := a.store.AuditLog(ctx, 1)
	if err != nil || len(audit) != 1 || audit[0].Action != "forget" || audit[0].Subject != store.ForgottenSubject(target.ID) {
		t.Errorf("audit %+v, %v", audit, err)
	}

	// Future jobs honour the do-not-crawl list: a nightly run asked to crawl
	// the creator's profile does not bring it back.
	reqs, err := profileRequests(a.cfg, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	job := a.nightlyJob(nil)
	job.Discovery = func(context.Context) ([]source.Request, []string, error) { return reqs, []string{"profile"}, nil }
	if _, err := job.Run(ctx, nightly.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Creator(ctx, target.ID); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("the nightly run stored the forgotten creator again: %v", err)
	}
	if got := traces(t, storePath(a.cfg), toks); len(got) > 0 {
		t.Errorf("traces after a nightly run:\n%s", strings.Join(got, "\n"))
	}

	// A backup taken now holds no trace; restoring the older one keeps the
	// creator forgotten.
	newBackup := filepath.Join(t.TempDir(), "after-forget")
	if _, err := backup.Create(ctx, a.store, a.index, newBackup, time.Now); err != nil {
		t.Fatal(err)
	}
	if got := traces(t, filepath.Join(newBackup, backup.DBFile), toks); len(got) > 0 {
		t.Errorf("traces in a backup taken after the forget:\n%s", strings.Join(got, "\n"))
	}
	checkIndexDir(t, filepath.Join(newBackup, backup.IndexDir), target.ID)
	ts.Close()
	a.Close()
	res, err := backup.Restore(ctx, oldBackup, storePath(a.cfg), indexPath(a.cfg), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Forgotten != 1 {
		t.Errorf("restoring the older backup forgot %d again, want 1", res.Forgotten)
	}
	if got := traces(t, storePath(a.cfg), toks); len(got) > 0 {
		t.Errorf("traces after restoring a backup from before the forget:\n%s", strings.Join(got, "\n"))
	}
	checkIndexDir(t, indexPath(a.cfg), target.ID)
}

func checkIndexDir(t *testing.T, path, id string) {
	t.Helper()
	ix, err := index.OpenWith(path, index.Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if held, n := indexHolds(t, ix, id); held || n == 0 {
		t.Errorf("index %s holds %s: %v (%d docs)", path, id, held, n)
	}
}

func TestNightlyBackupRestoreForgetAndReportCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls a synthetic network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	d, err := startDemo(ctx, 60, 9, dir, "127.0.0.1:0", io.Discard, io.Discard)
	if d != nil {
		defer d.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg := d.app.cfg
	var victim string
	if err := d.app.store.EachCreator(ctx, func(c *creator.Creator, _ []creator.Post) error {
		if victim == "" {
			victim = c.ID
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The scheduler starts and stops with serve.
	stop := startScheduler(ctx, d.app)
	stop()
	d.app.Close() // the commands open the data directory themselves

	// crawl --nightly: with the demo's config (loopback sources).
	var out bytes.Buffer
	if err := nightlyCrawl(ctx, cfg, false, false, &out, io.Discard); err != nil {
		t.Fatalf("crawl --nightly: %v\n%s", err, out.String())
	}
	for _, want := range []string{"crawl run", "nightly report", "due ", "changes worth a look"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("crawl --nightly output lacks %q:\n%s", want, out.String())
		}
	}
	runCLI := func(wantCode int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(ctx, args, &stdout, &stderr); code != wantCode {
			t.Fatalf("creatorscout %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, stdout.String(), stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	runCLI(2, "crawl", "--data", dir, "--nightly", "--hashtag", "x")
	// report: the latest nightly run, as text and JSON.
	text := runCLI(0, "report", "--data", dir)
	if !strings.Contains(text, "nightly report") {
		t.Errorf("report:\n%s", text)
	}
	var rep struct {
		ID     int64              `json:"id"`
		Kind   string             `json:"kind"`
		Report *creator.RunReport `json:"report"`
	}
	if err := json.Unmarshal([]byte(runCLI(0, "report", "--data", dir, "--json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Kind != nightly.Kind || rep.Report == nil || rep.Report.RunID != rep.ID {
		t.Errorf("report --json: %+v", rep)
	}
	runCLI(1, "report", "--data", dir, "1") // the demo's crawl has no report
	runCLI(2, "report", "--data", dir, "x")

	// backup, forget, restore.
	bdir := filepath.Join(t.TempDir(), "b1")
	if out := runCLI(0, "backup", "--data", dir, bdir); !strings.Contains(out, "backup written") {
		t.Errorf("backup: %s", out)
	}
	runCLI(1, "backup", "--data", dir, bdir) // never overwrites
	parent := t.TempDir()
	for i := 0; i < 2; i++ {
		runCLI(0, "backup", "--data", dir, "--dated", "--keep", "1", parent)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("backup --dated --keep 1 left %d backups", len(ents))
	}
	runCLI(2, "backup", "--data", dir, "--keep", "1", parent)
	if out := runCLI(0, "forget", "--data", dir, victim); !strings.Contains(out, "forgot "+victim) {
		t.Errorf("forget: %s", out)
	}
	runCLI(2, "forget", "--data", dir)
	if out := runCLI(0, "restore", "--data", dir, bdir); !strings.Contains(out, "1 forgotten since the backup") {
		t.Errorf("restore: %s", out)
	}
	st, err := store.Open(ctx, storePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Creator(ctx, victim); creator.ErrorCode(err) != creator.ENOTFOUND {
		t.Errorf("the restore brought back a forgotten creator: %v", err)
	}
	if n, _ := st.CountCreators(ctx); n == 0 {
		t.Error("the restore left no creators")
	}
}

// The example config's refresh policy is nightly's default policy, so a
// user who leaves schedule.refresh alone gets what the docs describe.
func TestRefreshPolicyDefaultsMatchNightly(t *testing.T) {
	got := refreshPolicy(config.Default().Schedule.Refresh)
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := nightly.DefaultPolicy(); !reflect.DeepEqual(got, want) {
		t.Fatalf("policy from config defaults:\n%+v\nnightly.DefaultPolicy:\n%+v", got, want)
	}
	cfg := config.Default()
	cfg.Schedule.Refresh.Micro = 12 * time.Hour
	cfg.Schedule.Refresh.MaxCreators = 300
	p := refreshPolicy(cfg.Schedule.Refresh)
	if p.Intervals[creator.Micro] != 12*time.Hour || p.MaxRefresh != 300 {
		t.Fatalf("config values not carried over: %+v", p)
	}
}
