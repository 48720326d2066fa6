package index

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallSwapsInACopyAndAnInterruptedInstallLeavesTheOldIndex(t *testing.T) {
	dir := t.TempDir()
	src, err := OpenWith(filepath.Join(dir, "src"), Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := 0; i < 5; i++ {
		if err := src.Upsert(Doc{Creator: mkCreator(fmt.Sprintf("web:new%d", i), "beauty")}); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(dir, "live")
	live, err := OpenWith(root, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Upsert(Doc{Creator: mkCreator("web:old", "food")}); err != nil {
		t.Fatal(err)
	}
	oldGen := live.Generation()
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}

	// Killed between moving a generation in and naming it in CURRENT: the
	// old index is what opens, and the orphan is cleaned up.
	cp1 := filepath.Join(dir, "copy1")
	if err := src.CopyTo(cp1); err != nil {
		t.Fatal(err)
	}
	p, _, err := readPointer(cp1)
	if err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(root, newGenName(genBase))
	if err := os.Rename(filepath.Join(cp1, p.Generation), orphan); err != nil {
		t.Fatal(err)
	}
	ix, err := OpenWith(root, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != 1 || ix.Generation() != oldGen {
		t.Fatalf("after an interrupted install: %d docs in %s, want the old index (1 doc in %s)", n, ix.Generation(), oldGen)
	}
	ix.Close()

	// A complete install.
	cp2 := filepath.Join(dir, "copy2")
	if err := src.CopyTo(cp2); err != nil {
		t.Fatal(err)
	}
	name, err := Install(root, cp2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix, err = OpenWith(root, Options{PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, _ := ix.Count(); n != 5 || ix.Generation() != name {
		t.Fatalf("after install: %d docs in %s, want 5 in %s", n, ix.Generation(), name)
	}
	if _, err := os.Stat(filepath.Join(root, oldGen)); !os.IsNotExist(err) {
		t.Errorf("old generation %s left on disk: %v", oldGen, err)
	}
	// Installing from something that is not a complete copy fails and
	// changes nothing.
	if _, err := Install(root, filepath.Join(dir, "nothing"), nil); err == nil {
		t.Fatal("install from an empty directory succeeded")
	}
	if _, err := Install(root, cp2, nil); err == nil {
		t.Fatal("install of a copy whose generation was already moved succeeded")
	}
}
