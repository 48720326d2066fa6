package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// Crash tests run the test binary again as a helper process that does one
// thing to an index directory and exits at a named step (crashPoint), as a
// kill -9 there would: no deferred cleanup, no flush, no Close. The parent
// then opens the directory and checks what survived.

const crashHelperEnv = "INDEX_CRASH_HELPER"

// crashHelper is the helper process: INDEX_CRASH_HELPER names the action,
// INDEX_CRASH_ROOT the index directory, INDEX_CRASH_AT the step to die at
// (exit status 3). Finishing without reaching the step exits 0.
func crashHelper() {
	root, at := os.Getenv("INDEX_CRASH_ROOT"), os.Getenv("INDEX_CRASH_AT")
	n, _ := strconv.Atoi(os.Getenv("INDEX_CRASH_N"))
	crashPoint = func(step string) {
		if step == at {
			os.Exit(3)
		}
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash helper:", err)
		os.Exit(1)
	}
	switch os.Getenv(crashHelperEnv) {
	case "open":
		if _, err := OpenWith(root, Options{PollInterval: -1}); err != nil {
			fail(err)
		}
	case "build":
		if _, err := Build(context.Background(), root, newMemStore(genCorpus(9, n)).each, nil); err != nil {
			fail(err)
		}
	case "upsert":
		// Upserts one renamed creator at a time; dies in the n-th.
		ix, err := OpenWith(root, Options{PollInterval: -1})
		if err != nil {
			fail(err)
		}
		for i, d := range genCorpus(21, n) {
			if i == n-1 {
				crashPoint = func(step string) {
					if step == at {
						os.Exit(3)
					}
				}
			} else {
				crashPoint = nil
			}
			if err := ix.Upsert(renamed(d, fmt.Sprintf("Crashname%d", i))); err != nil {
				fail(err)
			}
		}
	default:
		fail(fmt.Errorf("unknown action %q", os.Getenv(crashHelperEnv)))
	}
	os.Exit(0)
}

// crashAt runs the helper and requires that it died at the step.
func crashAt(t *testing.T, action, root, step string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+action, "INDEX_CRASH_ROOT="+root, "INDEX_CRASH_AT="+step, "INDEX_CRASH_N="+strconv.Itoa(n))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("%s: the helper did not die at %s: %v\n%s", action, step, err, out)
	}
}

// TestOpenCrashLeavesAnIndexThatOpens: killed at any step of creating a
// fresh index, the directory opens cleanly next time, empty, and works;
// what the dead process left is cleaned up or ignored.
func TestOpenCrashLeavesAnIndexThatOpens(t *testing.T) {
	for _, step := range []string{"mkdir", "lock", "meta", "log", "shard", "flush", "pointer"} {
		t.Run(step, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "idx")
			crashAt(t, "open", root, step, 0)
			ix, err := OpenWith(root, Options{PollInterval: -1})
			if err != nil {
				t.Fatalf("open after a crash at %s: %v", step, err)
			}
			if n, _ := ix.Count(); n != 0 {
				t.Fatalf("count %d", n)
			}
			if err := ix.Upsert(Doc{Creator: mkCreator("web:after", "tech")}); err != nil {
				t.Fatal(err)
			}
			if res := mustSearch(t, ix, creator.Query{Niches: []string{"tech"}}); res.Total != 1 {
				t.Fatalf("after the crash: %d hits", res.Total)
			}
			gen := ix.Generation()
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			ix, err = Open(root)
			if err != nil || ix.Generation() != gen {
				t.Fatalf("second open: %v", err)
			}
			defer ix.Close()
			if n, _ := ix.Count(); n != 1 {
				t.Fatalf("count after reopen %d", n)
			}
			// The dead generation is gone unless it never took its lock
			// (then it is left for orphanGrace, and harmless).
			entries, _ := os.ReadDir(root)
			var gens []string
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), genPrefix) {
					gens = append(gens, e.Name())
				}
			}
			if want := map[bool]int{true: 2, false: 1}[step == "mkdir"]; len(gens) != want {
				t.Fatalf("generations on disk %v, want %d", gens, want)
			}
		})
	}
}

// TestBuildCrashKeepsTheOldIndex: a reindex killed while loading or just
// before it names its generation leaves the old index, which opens with
// everything in it; the half-built generation is removed.
func TestBuildCrashKeepsTheOldIndex(t *testing.T) {
	for _, step := range []string{"fill", "swap"} {
		t.Run(step, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "idx")
			ix, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.UpsertBatch(genCorpus(4, 300)); err != nil {
				t.Fatal(err)
			}
			gen := ix.Generation()
			ix.Close()
			crashAt(t, "build", root, step, BatchSize*3)
			ix, err = Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if n, _ := ix.Count(); n != 300 || ix.Generation() != gen {
				t.Fatalf("count %d in %s, want 300 in %s", n, ix.Generation(), gen)
			}
			entries, _ := os.ReadDir(root)
			if len(entries) != 2 { // CURRENT and the live generation
				t.Fatalf("left on disk: %v", entries)
			}
		})
	}
}

// TestUpsertCrashIsReplayed: an upsert killed after its write reached the
// document log, before or after the text, is there in full after the
// restart (the log is replayed into the text and the table); one killed
// earlier is absent, and nothing else is lost.
func TestUpsertCrashIsReplayed(t *testing.T) {
	for _, step := range []string{"logged", "texted"} {
		t.Run(step, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "idx")
			ix, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			base := genCorpus(4, 200)
			if err := ix.UpsertBatch(base); err != nil {
				t.Fatal(err)
			}
			ix.Close()
			const n = 12
			crashAt(t, "upsert", root, step, n)
			ix, err = Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			for i, d := range genCorpus(21, n) {
				name := fmt.Sprintf("Crashname%d", i)
				res := mustSearch(t, ix, creator.Query{Text: name, Platforms: []string{d.Creator.Platform}})
				if res.Total != 1 || res.Hits[0].ID != d.Creator.ID || res.Hits[0].DisplayName != name {
					t.Fatalf("upsert %d (%s) after the crash at %s: %d hits", i, d.Creator.ID, step, res.Total)
				}
			}
			if c, want := uint64(0), len(newMemStore(append(base, genCorpus(21, n)...)).docs); func() bool { c, _ = ix.Count(); return c != uint64(want) }() {
				t.Fatalf("count %d, want %d", c, want)
			}
		})
	}
}
