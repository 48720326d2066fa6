package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

var t0 = time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

// data is a data directory: a store and an index.
type data struct {
	dir, db, ix string
}

func newData(t *testing.T) data {
	dir := t.TempDir()
	return data{dir: dir, db: filepath.Join(dir, "creatorscout.db"), ix: filepath.Join(dir, "index")}
}

func mkCreator(handle string, followers int64) *creator.Creator {
	return &creator.Creator{
		ID: creator.MakeID(creator.Mastodon, handle+"@social.example"), Platform: creator.Mastodon,
		Handle: handle + "@social.example", PlatformID: "https://social.example/users/" + handle,
		URL: "https://social.example/@" + handle, DisplayName: "Display " + handle, Bio: "bio of " + handle,
		Followers: creator.Int64(followers), Tier: creator.Micro, FetchedAt: t0,
		SourceURL: "https://social.example/api/v1/accounts/lookup?acct=" + handle,
	}
}

// fill stores and indexes the given handles.
func fill(t *testing.T, st *store.Store, ix *index.Index, handles ...string) {
	t.Helper()
	for i, h := range handles {
		c := mkCreator(h, int64(10000+i))
		if _, err := st.UpsertCreator(context.Background(), c, nil); err != nil {
			t.Fatal(err)
		}
		if err := ix.Upsert(index.Doc{Creator: c}); err != nil {
			t.Fatal(err)
		}
	}
}

func (d data) open(t *testing.T) (*store.Store, *index.Index) {
	t.Helper()
	st, err := store.Open(context.Background(), d.db)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.OpenWith(d.ix, index.Options{PollInterval: -1})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st, ix
}

// ids lists the creators the store and the index hold; both must agree.
func (d data) ids(t *testing.T) []string {
	t.Helper()
	ids, got := d.each(t)
	if strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Fatalf("index holds %v, store holds %v", got, ids)
	}
	return ids
}

// each opens the store and the index (failing the test if either does not
// open or answer) and lists the creators each holds.
func (d data) each(t *testing.T) (storeIDs, indexIDs []string) {
	t.Helper()
	st, ix := d.open(t)
	defer st.Close()
	defer ix.Close()
	var ids []string
	if err := st.EachCreator(context.Background(), func(c *creator.Creator, _ []creator.Post) error {
		ids = append(ids, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	res, err := ix.Search(context.Background(), creator.Query{Limit: creator.MaxLimit, Facets: []string{}})
	if err != nil {
		t.Fatalf("search the index: %v", err)
	}
	var got []string
	for _, h := range res.Hits {
		got = append(got, h.ID)
	}
	sort.Strings(got)
	return ids, got
}

func TestBackupAndRestoreRoundTripCarriesForgetsOver(t *testing.T) {
	ctx := context.Background()
	d := newData(t)
	st, ix := d.open(t)
	fill(t, st, ix, "anna", "bob", "cleo")
	bdir := filepath.Join(t.TempDir(), "backups", "2026-11-01")
	m, err := Create(ctx, st, ix, bdir, clock)
	if err != nil {
		t.Fatal(err)
	}
	if m.Creators != 3 || m.IndexDocs != 3 || m.Index != IndexCopied || m.SchemaVersion != store.SchemaVersion() || !m.CreatedAt.Equal(t0) {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := Create(ctx, st, ix, bdir, clock); creator.ErrorCode(err) != creator.ECONFLICT {
		t.Fatalf("second backup into the same directory: %v", err)
	}
	// After the backup: dan arrives, bob asks to be forgotten.
	fill(t, st, ix, "dan")
	bob := mkCreator("bob", 0).ID
	if err := st.Forget(ctx, bob, "asked", t0); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(bob); err != nil {
		t.Fatal(err)
	}
	st.Close()
	ix.Close()

	res, err := Restore(ctx, bdir, d.db, d.ix, clock)
	if err != nil {
		t.Fatal(err)
	}
	if res.Forgotten != 1 {
		t.Fatalf("restore forgot %d, want bob", res.Forgotten)
	}
	anna, cleo := mkCreator("anna", 0).ID, mkCreator("cleo", 0).ID
	if got := d.ids(t); strings.Join(got, " ") != strings.Join([]string{anna, cleo}, " ") {
		t.Fatalf("after restore: %v; want the backup's creators without bob", got)
	}
	st, ix = d.open(t)
	defer st.Close()
	defer ix.Close()
	if dnc, _ := st.DoNotCrawl(ctx, bob); !dnc {
		t.Error("bob is not on the restored database's do-not-crawl list")
	}
	if _, pending, _ := Pending(d.dir); pending {
		t.Error("restore left its marker")
	}
	// Nothing of the staging is left behind.
	ents, _ := os.ReadDir(d.dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left over: %s", e.Name())
		}
	}
}

func TestBackupWithoutTheIndexRebuildsItFromTheDatabase(t *testing.T) {
	ctx := context.Background()
	d := newData(t)
	st, ix := d.open(t)
	fill(t, st, ix, "anna", "bob")
	ix.Close() // as if a server held it
	bdir := filepath.Join(t.TempDir(), "b")
	m, err := Create(ctx, st, nil, bdir, clock)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if m.Index != IndexRebuilt || m.IndexDocs != 2 || m.Creators != 2 {
		t.Fatalf("manifest %+v", m)
	}
	if entries, _ := os.ReadDir(bdir); len(entries) != 3 {
		t.Errorf("backup holds %d entries, want the database, the index and the manifest", len(entries))
	}
	fresh := newData(t)
	if _, err := Restore(ctx, bdir, fresh.db, fresh.ix, clock); err != nil {
		t.Fatal(err)
	}
	if got := fresh.ids(t); len(got) != 2 {
		t.Fatalf("restored into an empty directory: %v", got)
	}
}

func TestRestoreRefusesDamagedOrIncompleteBackupsAndABusyIndex(t *testing.T) {
	ctx := context.Background()
	d := newData(t)
	st, ix := d.open(t)
	fill(t, st, ix, "anna")
	bdir := filepath.Join(t.TempDir(), "b")
	if _, err := Create(ctx, st, ix, bdir, clock); err != nil {
		t.Fatal(err)
	}
	// The index is open (a server is running): refused, nothing touched.
	if _, err := Restore(ctx, bdir, d.db, d.ix, clock); creator.ErrorCode(err) != creator.ECONFLICT {
		t.Fatalf("restore with the index open: %v", err)
	}
	st.Close()
	ix.Close()
	if _, pending, _ := Pending(d.dir); pending {
		t.Fatal("a refused restore left its marker")
	}

	damaged := filepath.Join(t.TempDir(), "damaged")
	if err := copyTree(bdir, damaged); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(damaged, DBFile), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff}, 200); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Restore(ctx, damaged, d.db, d.ix, clock); creator.ErrorCode(err) != creator.EINVALID || !strings.Contains(err.Error(), DBFile) {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	incomplete := filepath.Join(t.TempDir(), "incomplete")
	if err := copyTree(bdir, incomplete); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(incomplete, ManifestFile))
	if _, err := Restore(ctx, incomplete, d.db, d.ix, clock); creator.ErrorCode(err) != creator.EINVALID || !strings.Contains(err.Error(), "not a complete backup") {
		t.Fatalf("restore of a backup without a manifest: %v", err)
	}
	// A backup whose files match its manifest but whose database is not
	// one fails before anything live is swapped: no marker is left to say
	// a restore is pending over data that is whole.
	notDB := filepath.Join(t.TempDir(), "notdb")
	if err := copyTree(bdir, notDB); err != nil {
		t.Fatal(err)
	}
	garbage := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(filepath.Join(notDB, DBFile), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	var m Manifest
	mb, _ := os.ReadFile(filepath.Join(notDB, ManifestFile))
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(garbage)
	for i := range m.Files {
		if m.Files[i].Path == DBFile {
			m.Files[i].Size, m.Files[i].SHA256 = int64(len(garbage)), hex.EncodeToString(sum[:])
		}
	}
	mb, _ = json.Marshal(m)
	if err := os.WriteFile(filepath.Join(notDB, ManifestFile), mb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, notDB, d.db, d.ix, clock); err == nil {
		t.Fatal("restored a backup whose database is not one")
	}
	if _, pending, _ := Pending(d.dir); pending {
		t.Error("a restore that failed before swapping anything left its marker")
	}
	if got := d.ids(t); len(got) != 1 {
		t.Fatalf("refused restores changed the data: %v", got)
	}
}

// ---- kill -9 ----

// The helper process: runs a backup or a restore and, at the stage named by
// BACKUP_HELPER_PAUSE, says so on stdout and waits to be killed.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("BACKUP_HELPER")
	if mode == "" {
		t.Skip("only run as a helper process")
	}
	pause := os.Getenv("BACKUP_HELPER_PAUSE")
	hook = func(stage string) {
		if stage == pause {
			fmt.Printf("PAUSED %s\n", stage)
			os.Stdout.Sync()
			select {} // killed here
		}
	}
	ctx := context.Background()
	d := data{dir: os.Getenv("BACKUP_DATA"), db: filepath.Join(os.Getenv("BACKUP_DATA"), "creatorscout.db"), ix: filepath.Join(os.Getenv("BACKUP_DATA"), "index")}
	var err error
	switch mode {
	case "backup":
		st, ix := d.open(t)
		_, err = Create(ctx, st, ix, os.Getenv("BACKUP_DIR"), clock)
	case "restore":
		_, err = Restore(ctx, os.Getenv("BACKUP_DIR"), d.db, d.ix, clock)
	}
	fmt.Printf("FINISHED %v\n", err)
	os.Exit(0)
}

// killAt runs the helper and kills it with SIGKILL at stage.
func killAt(t *testing.T, mode, stage string, d data, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BACKUP_HELPER="+mode, "BACKUP_HELPER_PAUSE="+stage, "BACKUP_DATA="+d.dir, "BACKUP_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	paused := false
	for sc.Scan() {
		line := sc.Text()
		if line == "PAUSED "+stage {
			paused = true
			break
		}
		if strings.HasPrefix(line, "FINISHED") {
			t.Fatalf("%s finished (%s) without reaching stage %s", mode, line, stage)
		}
	}
	if !paused {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s exited before stage %s", mode, stage)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()
}

func TestKill9DuringBackupOrRestoreLeavesAWorkingIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	ctx := context.Background()
	d := newData(t)
	st, ix := d.open(t)
	old := []string{"anna", "bob", "cleo", "dan"}
	fill(t, st, ix, old...)
	st.Close()
	ix.Close()
	before := d.ids(t)
	backups := t.TempDir()

	// Backups killed at every stage: the live data is untouched and no
	// half backup is left under the name.
	for _, stage := range []string{"db-copied", "index-copied", "manifest-written"} {
		dir := filepath.Join(backups, "killed-"+stage)
		killAt(t, "backup", stage, d, dir)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("killed at %s: %s exists (%v)", stage, dir, err)
		}
		if got := d.ids(t); strings.Join(got, " ") != strings.Join(before, " ") {
			t.Fatalf("killed at %s: live data is now %v", stage, got)
		}
	}
	// A complete backup of the four; then the live data is replaced by two
	// others (a fresh directory, so nothing is on its do-not-crawl list).
	bdir := filepath.Join(backups, "good")
	st, ix = d.open(t)
	if _, err := Create(ctx, st, ix, bdir, clock); err != nil {
		t.Fatal(err)
	}
	st.Close()
	ix.Close()
	reset := func() []string {
		os.RemoveAll(d.dir)
		os.MkdirAll(d.dir, 0o750)
		st, ix := d.open(t)
		fill(t, st, ix, "eve", "finn")
		st.Close()
		ix.Close()
		return d.ids(t)
	}
	current := reset()

	// Restores killed at every stage: the database and the index open and
	// answer, each holding either the old data or the backup's; running the
	// restore again finishes it.
	for _, stage := range []string{"marker-written", "db-staged", "db-swapped", "index-staged", "index-swapped"} {
		killAt(t, "restore", stage, d, bdir)
		dbIDs, ixIDs := d.each(t)
		t.Logf("killed at %s: database %v, index %v", stage, dbIDs, ixIDs)
		for what, got := range map[string][]string{"database": dbIDs, "index": ixIDs} {
			if g := strings.Join(got, " "); g != strings.Join(before, " ") && g != strings.Join(current, " ") {
				t.Errorf("killed at %s: the %s holds %v, neither the old data nor the backup's", stage, what, got)
			}
		}
		if _, pending, _ := Pending(d.dir); !pending {
			t.Errorf("killed at %s: no marker says the restore is unfinished", stage)
		}
		if _, err := Restore(ctx, bdir, d.db, d.ix, clock); err != nil {
			t.Fatalf("restore again after a kill at %s: %v", stage, err)
		}
		if got := d.ids(t); strings.Join(got, " ") != strings.Join(before, " ") {
			t.Fatalf("after a kill at %s and a second restore: %v, want %v", stage, got, before)
		}
		if _, pending, _ := Pending(d.dir); pending {
			t.Errorf("after a kill at %s and a second restore: marker left", stage)
		}
		if got := reset(); strings.Join(got, " ") != strings.Join(current, " ") {
			t.Fatal("could not reset the data directory")
		}
	}
}
