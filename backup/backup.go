// Package backup takes and restores consistent backups of creatorscout's
// data: the SQLite store, copied online (VACUUM INTO reads one snapshot
// while writers go on), and the search index, copied online with bleve's
// CopyTo of the live generation (or, when another process holds the index,
// rebuilt from the database copy so the two always match).
//
// A backup is a directory:
//
//	DIR/creatorscout.db   the database
//	DIR/index/            CURRENT and one index generation
//	DIR/MANIFEST.json     format, time, schema, counts, SHA-256 of every file
//
// It is written into a hidden sibling directory and renamed to DIR only
// when complete, with the manifest written last, so a backup killed half
// way never leaves something at DIR that looks like a backup.
//
// Restore checks the manifest and every checksum, then stages the database
// and the index next to the live ones and swaps each in atomically (a
// rename for the database file, an atomic replace of the index's CURRENT
// pointer), so a kill -9 at any point leaves a database and an index that
// open and work: the old ones or the new ones. Until a restore finishes a
// marker file says so, and running the restore again completes it.
//
// A restore carries the live database's do-not-crawl list over: a creator
// forgotten after the backup was taken is forgotten again in the restored
// database and index, so restoring an old backup never brings back someone
// who asked to be removed.
package backup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/internal/fsx"
	"github.com/creatorscout/creatorscout/store"
)

// Names inside a backup directory.
const (
	DBFile       = "creatorscout.db"
	IndexDir     = "index"
	ManifestFile = "MANIFEST.json"
	// Format is the manifest format this package writes and reads.
	Format = 1
	// MarkerFile, in the data directory, says a restore has not finished.
	MarkerFile = "RESTORE-IN-PROGRESS"
)

// Ways the index of a backup was made.
const (
	IndexCopied  = "copy"    // bleve CopyTo of the live index
	IndexRebuilt = "rebuilt" // built from the backup's database (the live index was in use elsewhere)
)

// Manifest describes a complete backup.
type Manifest struct {
	Format        int       `json:"format"`
	CreatedAt     time.Time `json:"created_at"`
	SchemaVersion int       `json:"schema_version"`
	Creators      int       `json:"creators"` // not gone, in the database
	IndexDocs     uint64    `json:"index_docs"`
	Index         string    `json:"index"` // IndexCopied or IndexRebuilt
	Files         []File    `json:"files"`
}

// File is one file of a backup, with its size and SHA-256.
type File struct {
	Path   string `json:"path"` // slash-separated, relative to the backup directory
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// hook is called at each stage of a backup or restore; tests set it to
// kill the process at a chosen point.
var hook = func(stage string) {}

// Create writes a backup of st and ix into dir, which must not exist. ix
// may be nil when the index is held by another process: the backup's index
// is then built from the backup's database. now stamps the manifest.
func Create(ctx context.Context, st *store.Store, ix *index.Index, dir string, now func() time.Time) (*Manifest, error) {
	if now == nil {
		now = time.Now
	}
	dir = filepath.Clean(dir)
	if strings.TrimSpace(dir) == "" || dir == "." {
		return nil, creator.Invalid("dir", "backup directory is empty")
	}
	if _, err := os.Lstat(dir); err == nil {
		return nil, creator.Errorf(creator.ECONFLICT, "backup directory %s already exists: a backup never overwrites anything", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: %w", err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tmp := filepath.Join(parent, "."+filepath.Base(dir)+".partial-"+randHex())
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()

	if err := st.Backup(ctx, filepath.Join(tmp, DBFile)); err != nil {
		return nil, fmt.Errorf("backup: database: %w", err)
	}
	hook("db-copied")
	m := &Manifest{Format: Format, CreatedAt: now().UTC()}
	if ix != nil {
		if err := ix.CopyTo(filepath.Join(tmp, IndexDir)); err != nil {
			return nil, fmt.Errorf("backup: index: %w", err)
		}
		m.Index = IndexCopied
	} else {
		if err := buildIndex(ctx, filepath.Join(tmp, DBFile), filepath.Join(tmp, IndexDir), now); err != nil {
			return nil, err
		}
		m.Index = IndexRebuilt
	}
	hook("index-copied")
	info, err := store.Inspect(ctx, filepath.Join(tmp, DBFile))
	if err != nil {
		return nil, fmt.Errorf("backup: check the database copy: %w", err)
	}
	m.SchemaVersion, m.Creators = info.SchemaVersion, info.Creators
	if m.IndexDocs, err = countIndex(filepath.Join(tmp, IndexDir)); err != nil {
		return nil, fmt.Errorf("backup: check the index copy: %w", err)
	}
	if m.Files, err = checksums(tmp); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := writeJSON(filepath.Join(tmp, ManifestFile), m); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := syncTree(tmp); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	hook("manifest-written")
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	done = true
	if err := fsx.SyncDir(parent); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// buildIndex builds an index at dst from the database file db, opening a
// scratch copy of it so the backup's own file is not written to.
func buildIndex(ctx context.Context, db, dst string, now func() time.Time) error {
	scratch := filepath.Join(filepath.Dir(dst), ".scratch-"+randHex()+".db")
	defer removeDB(scratch)
	if err := fsx.CopyFile(db, scratch); err != nil {
		return fmt.Errorf("backup: index: %w", err)
	}
	st, err := store.Open(ctx, scratch)
	if err != nil {
		return fmt.Errorf("backup: index: %w", err)
	}
	defer st.Close()
	if _, err := index.Build(ctx, dst, storeEach(st), now); err != nil {
		return fmt.Errorf("backup: index: %w", err)
	}
	return nil
}

// storeEach reads every creator that is not gone, with its posts.
func storeEach(st *store.Store) index.Each {
	return func(ctx context.Context, yield func(index.Doc) error) error {
		return st.EachCreator(ctx, func(c *creator.Creator, posts []creator.Post) error {
			return yield(index.Doc{Creator: c, Posts: posts})
		})
	}
}

func countIndex(path string) (uint64, error) {
	ix, err := index.OpenWith(path, index.Options{PollInterval: -1})
	if err != nil {
		return 0, err
	}
	n, err := ix.Count()
	if cerr := ix.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// Verify reads the manifest of the backup at dir and checks every file
// against it: a missing manifest (an interrupted backup), a missing,
// extra-short or altered file is an EINVALID naming it.
func Verify(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, creator.Invalid("backup", "%s has no %s: it is not a complete backup", dir, ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, creator.Invalid("backup", "%s: %v", filepath.Join(dir, ManifestFile), err)
	}
	if m.Format != Format {
		return nil, creator.Invalid("backup", "%s: format %d, this program reads %d", filepath.Join(dir, ManifestFile), m.Format, Format)
	}
	if len(m.Files) == 0 {
		return nil, creator.Invalid("backup", "%s lists no files", filepath.Join(dir, ManifestFile))
	}
	for _, f := range m.Files {
		if f.Path == "" || strings.Contains(f.Path, "..") || filepath.IsAbs(filepath.FromSlash(f.Path)) {
			return nil, creator.Invalid("backup", "%s names a bad path %q", ManifestFile, f.Path)
		}
		sum, size, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, creator.Invalid("backup", "%s: %v", f.Path, err)
		}
		if size != f.Size || sum != f.SHA256 {
			return nil, creator.Invalid("backup", "%s does not match the manifest (size %d, want %d; checksum differs: %v): the backup is damaged", f.Path, size, f.Size, sum != f.SHA256)
		}
	}
	hasDB, hasIndex := false, false
	for _, f := range m.Files {
		hasDB = hasDB || f.Path == DBFile
		hasIndex = hasIndex || strings.HasPrefix(f.Path, IndexDir+"/")
	}
	if !hasDB || !hasIndex {
		return nil, creator.Invalid("backup", "%s lacks the database or the index", dir)
	}
	return &m, nil
}

// Result says what a restore did.
type Result struct {
	Manifest *Manifest `json:"manifest"`
	// Forgotten counts creators in the backup that the live database had
	// forgotten since; they were forgotten again.
	Forgotten  int    `json:"forgotten"`
	Generation string `json:"generation"` // the index generation now live
}

// Restore replaces the database at dbPath and the index at indexPath with
// the backup at dir. No process may have them open: a server or crawl
// holding the index makes Restore refuse (its database would be replaced
// under it). See the package documentation for what a crash does.
func Restore(ctx context.Context, dir, dbPath, indexPath string, now func() time.Time) (*Result, error) {
	if now == nil {
		now = time.Now
	}
	m, err := Verify(dir)
	if err != nil {
		return nil, err
	}
	// The live index opens only when no other process holds it.
	if _, err := os.Stat(indexPath); err == nil {
		ix, err := index.OpenWith(indexPath, index.Options{PollInterval: -1})
		if err != nil {
			return nil, creator.Errorf(creator.ECONFLICT, "the index %s cannot be opened (%v): stop the server or crawl using this data directory, then restore", indexPath, err)
		}
		if err := ix.Close(); err != nil {
			return nil, fmt.Errorf("backup: restore: %w", err)
		}
	}
	dataDir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	marker := filepath.Join(dataDir, MarkerFile)
	if err := writeJSON(marker, map[string]any{"backup": dir, "started_at": now().UTC()}); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	hook("marker-written")
	// A restore that fails before it swaps the database in has changed
	// nothing live: the marker goes, or it would say a restore is pending
	// over data that is whole. (A process killed here leaves it, and the
	// next restore finishes the job.)
	swapping := false
	defer func() {
		if !swapping {
			os.Remove(marker)
		}
	}()

	// The do-not-crawl list of the database being replaced.
	var carried []store.DoNotCrawlEntry
	if _, err := os.Stat(dbPath); err == nil {
		live, err := store.Open(ctx, dbPath)
		if err != nil {
			return nil, fmt.Errorf("backup: restore: open the live database: %w", err)
		}
		carried, err = live.DoNotCrawlEntries(ctx)
		live.Close()
		if err != nil {
			return nil, fmt.Errorf("backup: restore: %w", err)
		}
	}

	// Stage the database next to the live one and apply the list to it.
	staged := filepath.Join(dataDir, "."+filepath.Base(dbPath)+".restore-"+randHex())
	defer removeDB(staged)
	if err := fsx.CopyFile(filepath.Join(dir, DBFile), staged); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	sst, err := store.Open(ctx, staged)
	if err != nil {
		return nil, fmt.Errorf("backup: restore: open the backup's database: %w", err)
	}
	forgotten, err := sst.AddDoNotCrawlEntries(ctx, carried)
	if err == nil {
		for _, id := range forgotten {
			if err = sst.Forget(ctx, id, "forgotten after the backup was taken; applied again on restore", now().UTC()); err != nil {
				break
			}
		}
	}
	if cerr := sst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	hook("db-staged")
	swapping = true
	if err := store.Restore(ctx, staged, dbPath); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	hook("db-swapped")

	// Stage the index next to the live one, take out what was forgotten,
	// and swap it in.
	if err := os.MkdirAll(filepath.Dir(indexPath), 0o750); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	stagedIx := filepath.Join(filepath.Dir(indexPath), "."+filepath.Base(indexPath)+".restore-"+randHex())
	defer os.RemoveAll(stagedIx)
	if err := copyTree(filepath.Join(dir, IndexDir), stagedIx); err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	if len(forgotten) > 0 {
		ix, err := index.OpenWith(stagedIx, index.Options{PollInterval: -1})
		if err != nil {
			return nil, fmt.Errorf("backup: restore: %w", err)
		}
		for _, id := range forgotten {
			if err = ix.Delete(id); err != nil {
				break
			}
		}
		if cerr := ix.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("backup: restore: %w", err)
		}
	}
	hook("index-staged")
	gen, err := index.Install(indexPath, stagedIx, now)
	if err != nil {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	hook("index-swapped")
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: restore: %w", err)
	}
	return &Result{Manifest: m, Forgotten: len(forgotten), Generation: gen}, nil
}

// Pending reports whether a restore into dataDir was interrupted, and from
// which backup.
func Pending(dataDir string) (backupDir string, pending bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, MarkerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("backup: %w", err)
	}
	var v struct {
		Backup string `json:"backup"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Backup, true, nil
}

// ---- files ----

func randHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp-" + randHex()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return fsx.SyncDir(filepath.Dir(path))
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// checksums lists every regular file under root with its size and hash.
func checksums(root string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		sum, size, err := hashFile(path)
		if err != nil {
			return err
		}
		out = append(out, File{Path: filepath.ToSlash(rel), Size: size, SHA256: sum})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// copyTree copies the directory src to dst (which must not exist), syncing
// every file.
func copyTree(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s already exists", dst)
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o750)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		return fsx.CopyFile(path, to)
	})
	if err != nil {
		return err
	}
	return syncTree(dst)
}

func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = fsx.SyncDir(dirs[i])
	}
	return nil
}
