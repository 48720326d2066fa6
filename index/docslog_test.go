package index

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// TestRecordRoundTrip: a record gives back the facts, the creator JSON and
// the window captions it was written from, for every kind of creator in
// the test corpus (unknown numbers, no location, odd text).
func TestRecordRoundTrip(t *testing.T) {
	b, err := newBuilder(newMapping())
	if err != nil {
		t.Fatal(err)
	}
	ch := b.chunker()
	for _, d := range genCorpus(17, 400) {
		p, err := b.prepare(d, ch)
		if err != nil {
			t.Fatal(err)
		}
		r, err := decodeRecord(p.rec[8:], true)
		if err != nil {
			t.Fatal(err)
		}
		want := extract(d)
		if r.del || r.id != d.Creator.ID || !reflect.DeepEqual(r.f, withoutCaptions(want)) || !reflect.DeepEqual(r.captions, want.captions) {
			t.Fatalf("%s: record gives\n%+v\nwant\n%+v", d.Creator.ID, r, want)
		}
		var c creator.Creator
		if err := json.Unmarshal(r.json, &c); err != nil || c.ID != d.Creator.ID || c.Analysis != nil || c.Bio != d.Creator.Bio {
			t.Fatalf("%s: stored creator %+v (%v)", d.Creator.ID, c, err)
		}
	}
	r, err := decodeRecord(prepDelete("web:gone").rec[8:], true)
	if err != nil || !r.del || r.id != "web:gone" {
		t.Fatalf("delete record: %+v %v", r, err)
	}
}

func withoutCaptions(f facts) facts {
	f.captions = nil
	return f
}

// TestScanStopsAtATornWrite: scanning the log stops before a record cut
// short or failing its checksum, and says where the whole records end.
func TestScanStopsAtATornWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs")
	l, err := createDocLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]byte
	for _, id := range []string{"web:a", "web:b", "web:c"} {
		recs = append(recs, prepDelete(id).rec)
	}
	if _, err := l.append(recs...); err != nil {
		t.Fatal(err)
	}
	whole := l.size()
	bad := prepDelete("web:d").rec
	bad[len(bad)-1] ^= 0xff
	for name, tail := range map[string][]byte{"cut short": prepDelete("web:d").rec[:9], "bad checksum": bad, "zero length": make([]byte, 12)} {
		if err := l.truncate(whole); err != nil {
			t.Fatal(err)
		}
		if _, err := l.append(tail); err != nil {
			t.Fatal(err)
		}
		var ids []string
		end, err := l.scan(docLogStart, false, func(_ int64, _ uint32, r *record) error {
			ids = append(ids, r.id)
			return nil
		})
		if err != nil || end != whole || strings.Join(ids, ",") != "web:a,web:b,web:c" {
			t.Fatalf("%s: scan read %v up to %d (%v), want the three records up to %d", name, ids, end, err, whole)
		}
	}
	l.close()
}

// TestOpenRecoversFromDamage: a write cut short at the end of the log is
// dropped, and a damaged table snapshot is replaced by replaying the log;
// either way the index answers as before.
func TestOpenRecoversFromDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	docs := genCorpus(8, 500)
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(docs[3].Creator.ID); err != nil {
		t.Fatal(err)
	}
	q := creator.Query{Text: "vegan", Sort: "-followers", Limit: 100}
	before := hitIDs(mustSearch(t, ix, q).Hits)
	gen := filepath.Join(path, ix.Generation())
	ix.Close()
	logPath := filepath.Join(gen, logFile)
	info, _ := os.Stat(logPath)
	for name, damage := range map[string]func(){
		"torn write": func() {
			f, _ := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(prepDelete(docs[5].Creator.ID).rec[:13])
			f.Close()
		},
		"damaged snapshot": func() {
			b, _ := os.ReadFile(filepath.Join(gen, snapFile))
			b[len(b)/2] ^= 0x55
			os.WriteFile(filepath.Join(gen, snapFile), b, 0o644)
		},
	} {
		damage()
		ix, err := Open(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := hitIDs(mustSearch(t, ix, q).Hits); !reflect.DeepEqual(got, before) {
			t.Fatalf("%s: results changed\n got %v\nwant %v", name, got, before)
		}
		if n, _ := ix.Count(); n != uint64(len(docs)-1) {
			t.Fatalf("%s: count %d", name, n)
		}
		ix.Close()
		if now, _ := os.Stat(logPath); now.Size() != info.Size() {
			t.Fatalf("%s: log is %d bytes, was %d", name, now.Size(), info.Size())
		}
	}
}
