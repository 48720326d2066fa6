package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// forgetting is the store as Creators, plus forgetting over the store and
// the index, as cmd wires it.
type forgetting struct {
	*store.Store
	ix *index.Index
}

func (f forgetting) ForgetCreator(ctx context.Context, key, reason string) (string, bool, error) {
	id, ok, err := f.CreatorIDByKey(ctx, key)
	if err != nil {
		return "", false, err
	}
	if !ok {
		return "", false, f.Forget(ctx, key, reason, fetched)
	}
	if err := f.ix.Delete(id); err != nil {
		return id, true, err
	}
	return id, true, f.Forget(ctx, id, reason, fetched)
}

func TestForgetCreatorRemovesItFromEverythingTheAPIServes(t *testing.T) {
	e := newEnv(t)
	deps := e.deps()
	deps.Creators = forgetting{e.st, e.ix}
	s := newTestServer(t, Config{Keys: testKeys()}, deps)
	admin := map[string]string{"Authorization": "Bearer " + adminKey}
	read := map[string]string{"Authorization": "Bearer " + readKey}
	ctx := context.Background()
	l, err := e.st.CreateList(ctx, "prospects", fetched)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddToList(ctx, l.ID, anna, "call her", store.StatusNew, fetched); err != nil {
		t.Fatal(err)
	}
	listPath := "/v1/lists/" + itoa(l.ID) + "/export.csv"
	runCases(t, s.Handler(), []apiCase{
		{Desc: "anna is on the list export before", Path: listPath, Headers: read, Status: 200, ContentType: "text/csv; charset=utf-8",
			ResponseMatch: map[string]bool{"anna@host.example": true}},
		{Desc: "a read key cannot forget", Method: http.MethodDelete, Path: "/v1/creators/" + anna, Headers: read, Status: 403, Code: "forbidden"},
		{Desc: "a bad id", Method: http.MethodDelete, Path: "/v1/creators/nope", Headers: admin, Status: 400, Code: "invalid", Param: "id"},
		{Desc: "forget anna", Method: http.MethodDelete, Path: "/v1/creators/" + anna, Headers: admin, Status: 200,
			ResponseMatch: map[string]bool{`"forgotten":true`: true, `"do_not_crawl":true`: true}},
		{Desc: "anna is gone", Path: "/v1/creators/" + anna, Headers: read, Status: 404, Code: "not_found"},
		{Desc: "her history too", Path: "/v1/creators/" + anna + "/history", Headers: read, Status: 404, Code: "not_found"},
		{Desc: "search does not find her", Path: "/v1/creators?niche=fitness&limit=100", Headers: read, Status: 200,
			ResponseMatch: map[string]bool{"anna@host.example": false, "youtube:bob": true}},
		{Desc: "the list export does not hold her", Path: listPath, Headers: read, Status: 200, ContentType: "text/csv; charset=utf-8",
			ResponseMatch: map[string]bool{"anna": false}},
		{Desc: "forgetting her again: not stored", Method: http.MethodDelete, Path: "/v1/creators/" + anna, Headers: admin, Status: 404, Code: "not_found"},
		{Desc: "someone never crawled: 404, kept out all the same", Method: http.MethodDelete, Path: "/v1/creators/youtube:newcomer", Headers: admin,
			Status: 404, Code: "not_found", ResponseMatch: map[string]bool{"do-not-crawl": true}},
	})
	for _, key := range []string{anna, "youtube:newcomer"} {
		if dnc, err := e.st.DoNotCrawl(ctx, key); err != nil || !dnc {
			t.Errorf("%s not on the do-not-crawl list: %v", key, err)
		}
	}
	log, err := e.st.AuditLog(ctx, 0)
	if err != nil || len(log) < 2 || log[len(log)-2].Action != "forget" || log[len(log)-2].Detail != forgetReason {
		t.Fatalf("audit log %+v, %v", log, err)
	}
	// Without a forgetter the route is unavailable.
	plain := newTestServer(t, Config{}, e.deps())
	runCases(t, plain.Handler(), []apiCase{
		{Desc: "no forgetter", Method: http.MethodDelete, Path: "/v1/creators/youtube:bob", Status: 503, Code: "unavailable"},
	})
}

func TestGetCrawlServesTheNightlyReport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run, err := e.st.StartRun(ctx, "nightly", []string{"refresh:3"}, fetched)
	if err != nil {
		t.Fatal(err)
	}
	fin := fetched.Add(time.Hour)
	if err := e.st.UpdateRun(ctx, run, creator.RunDone, creator.RunSummary{Pages: 9}, &fin); err != nil {
		t.Fatal(err)
	}
	rep := creator.RunReport{RunID: run, StartedAt: fetched, FinishedAt: &fin, Due: 3, Refreshed: 2, Failed: 1,
		Failures: map[string]int{"gone": 1}, Jobs: []string{"hashtag:fitness"},
		Changes: []creator.Change{{Kind: creator.ChangeGone, CreatorID: anna, Reason: "profile answered 404"}}}
	if err := e.st.PutRunReport(ctx, rep); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, Config{}, e.deps())
	runCases(t, s.Handler(), []apiCase{
		{Desc: "a nightly run with its report", Path: "/v1/crawls/" + itoa(run), Status: 200, Check: func(t *testing.T, body []byte) {
			var v struct {
				Kind   string             `json:"kind"`
				Report *creator.RunReport `json:"report"`
			}
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatal(err)
			}
			if v.Kind != "nightly" || v.Report == nil || v.Report.Due != 3 || v.Report.Failures["gone"] != 1 ||
				len(v.Report.Changes) != 1 || v.Report.Changes[0].CreatorID != anna {
				t.Fatalf("report %+v", v.Report)
			}
		}},
		{Desc: "another run: report null", Path: "/v1/crawls/" + itoa(run-1), Status: 200, ResponseMatch: map[string]bool{`"report":null`: true}},
	})
	if !strings.Contains(anna, "@") {
		t.Fatal("test data changed")
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
