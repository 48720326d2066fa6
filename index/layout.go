package index

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The index directory holds generations and a pointer to the live one:
//
//	<root>/CURRENT          {"generation": "g-…", "source_at": …, …}
//	<root>/g-20250601T120000Z-1a2b3c4d/   a generation (see generation.go)
//
// A reindex builds a new generation beside the live one and then replaces
// CURRENT by writing a temporary file, syncing it and renaming it over
// CURRENT (then syncing the directory), so CURRENT always names a complete
// generation: after a crash, Open finds either the old generation or the
// new one, never half of one. The old generation stays on disk until no
// process has it open; Open removes generations that CURRENT does not name
// and that nobody holds (bleve's bolt file lock tells).

// pointerFile is the name of the pointer to the live generation.
const pointerFile = "CURRENT"

// genPrefix starts every generation directory's name.
const genPrefix = "g-"

// pointer is the content of CURRENT.
type pointer struct {
	Generation     string    `json:"generation"`
	MappingVersion string    `json:"mapping_version"`
	Count          uint64    `json:"count"`
	BuiltAt        time.Time `json:"built_at"`
	// SourceAt is when the build started reading the store: writes made to
	// the old generation after it may be missing from this one, and a
	// process that adopts it replays them (Options.Reload).
	SourceAt time.Time `json:"source_at"`
}

// readPointer reads CURRENT; ok is false when there is none.
func readPointer(root string) (p pointer, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(root, pointerFile))
	if errors.Is(err, os.ErrNotExist) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("index: read %s: %w", filepath.Join(root, pointerFile), err)
	}
	if err := json.Unmarshal(b, &p); err != nil || !validGenName(p.Generation) {
		return p, false, fmt.Errorf("index: %s is damaged (%q); run creatorscout reindex", filepath.Join(root, pointerFile), truncateBytes(b, 80))
	}
	return p, true, nil
}

// writePointer replaces CURRENT atomically and durably.
func writePointer(root string, p pointer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("index: encode pointer: %w", err)
	}
	tmp, err := os.CreateTemp(root, ".CURRENT-*")
	if err != nil {
		return fmt.Errorf("index: write pointer: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("index: write pointer: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("index: sync pointer: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("index: write pointer: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(root, pointerFile)); err != nil {
		return fmt.Errorf("index: swap pointer: %w", err)
	}
	return syncDir(root)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("index: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("index: sync %s: %w", dir, err)
	}
	return nil
}

// newGenName returns a fresh generation directory name: the UTC time and
// random bytes, so names sort by creation and never collide.
func newGenName(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return genPrefix + now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

func validGenName(s string) bool {
	return strings.HasPrefix(s, genPrefix) && !strings.ContainsAny(s, `/\`) && s != "." && s != ".." && len(s) < 100
}

// checkRoot refuses a directory that holds an index of the layout before
// generations (a bleve index at the top) or something else altogether.
func checkRoot(root string) error {
	if _, err := os.Stat(filepath.Join(root, "index_meta.json")); err == nil {
		return fmt.Errorf("index: %s holds an index of an older layout; move it away and run creatorscout reindex to rebuild it from the store", root)
	}
	return nil
}

// heldByOther reports whether some process (this one included, through
// another open) holds the generation in dir: an open generation keeps an
// exclusive flock on its LOCK file (older layouts: bleve's bolt store on
// store/root.bolt).
func heldByOther(dir string) bool {
	for _, name := range []string{lockFile, filepath.Join("store", "root.bolt")} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		}
		f.Close()
		if err != nil {
			return true
		}
	}
	return false
}

// started reports whether a generation directory got far enough to be
// claimed: it has its lock file (or, in older layouts, its bolt file).
func started(dir string) bool {
	for _, name := range []string{lockFile, filepath.Join("store", "root.bolt")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// orphanGrace is how old a generation directory without a lock file must
// be before it counts as abandoned: a build creates the directory a moment
// before it takes the lock.
const orphanGrace = 10 * time.Minute

// removeOrphans deletes generation directories other than keep that no
// process holds, and stray temporary pointer files. It returns the names
// it removed.
func removeOrphans(root, keep string, now time.Time) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("index: list %s: %w", root, err)
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(root, name)
		switch {
		case strings.HasPrefix(name, ".CURRENT-"):
			os.Remove(path)
		case e.IsDir() && validGenName(name) && name != keep:
			if !started(path) {
				info, ierr := e.Info()
				if ierr != nil || now.Sub(info.ModTime()) < orphanGrace {
					continue
				}
			} else if heldByOther(path) {
				continue
			}
			if err := os.RemoveAll(path); err != nil {
				return removed, fmt.Errorf("index: remove old generation %s: %w", path, err)
			}
			removed = append(removed, name)
		}
	}
	return removed, nil
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
