package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Install makes the index at src (an index directory as CopyTo writes it:
// CURRENT and the generation it names) the live index of root, and
// returns the name the generation got there. The generation is moved
// (renamed, so src must be on root's filesystem; src is left without it)
// into root under a fresh name and synced; then CURRENT is replaced
// atomically, as a rebuild does. A kill -9 at any point leaves root with
// either its old live generation or the new one, never half of one; a
// generation moved in but never named by CURRENT is an orphan that the
// next Open removes. A process holding root adopts the new generation
// (Options.PollInterval, Refresh); the old one is removed when nobody
// holds it. root is created when missing.
func Install(root, src string, now func() time.Time) (string, error) {
	if now == nil {
		now = time.Now
	}
	if root == "" || src == "" {
		return "", fmt.Errorf("index: install: root and source must both be set")
	}
	p, ok, err := readPointer(src)
	if err != nil {
		return "", fmt.Errorf("index: install from %s: %w", src, err)
	}
	if !ok {
		return "", fmt.Errorf("index: install from %s: no %s there (not a complete index copy)", src, pointerFile)
	}
	if p.MappingVersion != "" && p.MappingVersion != mappingVersion {
		return "", fmt.Errorf("index: install from %s: mapping version %q, this program needs %q; rebuild it from the store (creatorscout reindex)", src, p.MappingVersion, mappingVersion)
	}
	from := filepath.Join(src, p.Generation)
	if _, err := readMeta(from); err != nil {
		return "", fmt.Errorf("index: install from %s: generation %s: %w", src, p.Generation, err)
	}
	if _, err := os.Stat(filepath.Join(from, logFile)); err != nil {
		return "", fmt.Errorf("index: install from %s: generation %s is incomplete: %w", src, p.Generation, err)
	}
	if err := checkRoot(root); err != nil {
		return "", err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("index: install: %w", err)
	}
	name := newGenName(now())
	to := filepath.Join(root, name)
	if _, err := os.Lstat(to); err == nil {
		return "", fmt.Errorf("index: install: %s already exists", to)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("index: install: %w", err)
	}
	if err := syncTree(from); err != nil {
		return "", fmt.Errorf("index: install from %s: sync: %w", src, err)
	}
	if err := os.Rename(from, to); err != nil {
		return "", fmt.Errorf("index: install from %s: %w", src, err)
	}
	if err := syncDir(root); err != nil {
		return "", err
	}
	p.Generation = name
	p.BuiltAt = now().UTC()
	if err := writePointer(root, p); err != nil {
		return "", err
	}
	if _, err := removeOrphans(root, name, now()); err != nil {
		return name, err
	}
	return name, nil
}
