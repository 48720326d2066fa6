package index

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

func TestCopyToWhileWritingGivesAnOpenableConsistentCopy(t *testing.T) {
	ix := openTemp(t)
	docs := genCorpus(3, 300)
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	// Writes go on while the copy is taken.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := ix.Upsert(Doc{Creator: mkCreator(fmt.Sprintf("web:late%d", i), "beauty")}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dst := filepath.Join(t.TempDir(), "copy")
	err := ix.CopyTo(dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Open(dst)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer cp.Close()
	n, err := cp.Count()
	if err != nil {
		t.Fatal(err)
	}
	live, _ := ix.Count()
	if n < uint64(len(docs)) || n > live {
		t.Fatalf("copy holds %d docs: want at least the %d written before the copy and at most the %d live", n, len(docs), live)
	}
	// The copy answers a search the way the original did for the same docs.
	id := docs[7].Creator.ID
	res, err := cp.Search(context.Background(), creator.Query{Text: docs[7].Creator.DisplayName, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range res.Hits {
		found = found || h.ID == id
	}
	if docs[7].Creator.DisplayName != "" && !found {
		t.Errorf("the copy does not find %s by its name %q", id, docs[7].Creator.DisplayName)
	}
	// The copy is independent: writing to it leaves the original alone.
	if err := cp.Delete(id); err != nil {
		t.Fatal(err)
	}
	if res := mustSearch(t, ix, creator.Query{Text: docs[7].Creator.DisplayName, Limit: 100}); !containsStr(hitIDs(res.Hits), id) {
		t.Fatal("deleting from the copy deleted from the original")
	}
}

func TestCopyToRefusesAnExistingDestination(t *testing.T) {
	ix := openTemp(t)
	dst := t.TempDir()
	if err := ix.CopyTo(dst); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("CopyTo(existing) = %v", err)
	}
	if err := ix.CopyTo(""); err == nil {
		t.Fatal("CopyTo(\"\") succeeded")
	}
}
