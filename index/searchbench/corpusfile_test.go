package searchbench

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/index"
)

// TestCorpusFileRoundTrip: reading the corpus file gives back exactly the
// documents Doc makes, in order; a field Doc sets that the file leaves
// out fails here.
func TestCorpusFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "corpus")
	const n = 3000
	size, err := WriteCorpus(context.Background(), path, 5, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	if size < n*500 {
		t.Fatalf("corpus file is %d bytes for %d creators", size, n)
	}
	i := 0
	err = ReadCorpus(context.Background(), path, func(d index.Doc) error {
		if want := Doc(5, i); !reflect.DeepEqual(d, want) {
			t.Fatalf("creator %d read back differs:\n got %+v\nwant %+v", i, *d.Creator, *want.Creator)
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Fatalf("read %d of %d: %v", i, n, err)
	}
}

// TestCorpusFileDamaged: a cut or foreign file is an error that names the
// file and the record, never a panic or a short corpus.
func TestCorpusFileDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "corpus")
	if _, err := WriteCorpus(context.Background(), path, 5, 50, 1); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"cut":     b[:len(b)-7],
		"foreign": []byte("id,name\n1,x\n"),
		"garbage": append([]byte(corpusMagic), 0x05, 1, 2, 3, 4, 5),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		err := ReadCorpus(context.Background(), p, func(index.Doc) error { return nil })
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want an error naming %s", name, err, p)
		}
	}
}

func BenchmarkCorpusGenerate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Doc(1, i)
	}
}

func BenchmarkCorpusDecode(b *testing.B) {
	recs := make([]string, 1000)
	for i := range recs {
		recs[i] = string(appendDoc(nil, Doc(1, i)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := decodeDoc(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
}
