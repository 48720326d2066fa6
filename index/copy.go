package index

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// CopyTo writes a consistent copy of the index into dir, which must not
// exist yet, while the index stays open for searches (writes wait while
// the copy is taken): the live generation's META, a copy of each text
// shard (bleve's online copy, IndexCopyable), the document log and the
// table snapshot, all at one point of the log, copied into
// dir/<generation>; then dir/CURRENT is written pointing at it. Every file
// of the copy is synced before CopyTo returns, so the copy survives a
// crash once it has returned; a copy interrupted half way has no CURRENT,
// so Open starts it empty, or the caller removes it. Open(dir) opens the
// copy.
func (ix *Index) CopyTo(dir string) error {
	if dir == "" {
		return fmt.Errorf("index: copy: empty destination")
	}
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("index: copy to %s: destination already exists", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.flush(); err != nil {
		return err
	}
	end := g.log.size()
	genDir := filepath.Join(dir, g.name)
	if err := os.MkdirAll(genDir, 0o750); err != nil {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	if err := writeMeta(genDir, g.meta); err != nil {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	for s, bi := range g.shards {
		cp, ok := bi.(bleve.IndexCopyable)
		if !ok {
			return fmt.Errorf("index: copy: index type %T cannot copy itself online", bi)
		}
		to := shardDir(genDir, s)
		if err := os.MkdirAll(to, 0o750); err != nil {
			return fmt.Errorf("index: copy to %s: %w", dir, err)
		}
		if err := cp.CopyTo(bleve.FileSystemDirectory(to)); err != nil {
			return fmt.Errorf("index: copy to %s: %w", dir, err)
		}
	}
	if err := copyPrefix(g.log.path, filepath.Join(genDir, logFile), end); err != nil {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	g.tab.mu.RLock()
	err = writeSnapshot(genDir, g.tab, end)
	g.tab.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	if err := syncTree(dir); err != nil {
		return fmt.Errorf("index: copy to %s: sync: %w", dir, err)
	}
	now := ix.opts.Now().UTC()
	if err := writePointer(dir, pointer{Generation: g.name, MappingVersion: mappingVersion, Count: g.tab.size(), BuiltAt: now, SourceAt: now}); err != nil {
		return fmt.Errorf("index: copy to %s: %w", dir, err)
	}
	return nil
}

// copyPrefix copies the first n bytes of the file src to a new file dst.
func copyPrefix(src, dst string, n int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.NewSectionReader(in, 0, n)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncTree fsyncs every file and directory under root, directories after
// their contents.
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
		return syncPath(path, os.O_RDWR)
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		// Some filesystems refuse to sync a directory; the files are synced.
		_ = syncPath(dirs[i], os.O_RDONLY)
	}
	return nil
}

func syncPath(path string, flag int) error {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
