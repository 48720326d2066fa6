package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
)

// The document log is a generation's record of every write, in order: an
// upsert carries the creator's facts (the table's row), its JSON (what a
// hit returns) and its window captions (for highlights and the text
// index); a delete carries the id. It is append-only. The table points
// each row at its record, so a hit is one read of the file (the page cache
// holds it, not the heap), and the table and the text index are rebuilt
// from it after a crash: each text shard records, atomically with each of
// its batches, how far into the log it has applied, and the table
// snapshot (tablesnap.go) says how far it covers; Open replays the rest.
// A write reaches the log (synced) before the text index or the table, so
// the log is never behind either.
//
//	file   = magic record*
//	record = u32 len(body) | u32 crc32c(body) | body
//	body   = u8 kind | uvarint len(id) | id | [facts | uvarint len(json) | json | uvarint n | (uvarint len | caption)*n]

const docLogMagic = "CSDOCS1\n"

// docLogStart is the offset of the first record.
const docLogStart = int64(len(docLogMagic))

const (
	recPut    = 1
	recDelete = 2
)

// maxRecord bounds one record: a creator with its captions is a few KB.
const maxRecord = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// record is one decoded log record.
type record struct {
	del      bool
	id       string
	f        facts
	json     []byte
	captions []string
}

// encodeRecord appends the framed record of a put (or of a delete when
// f is nil) to b.
func encodeRecord(b []byte, id string, f *facts, json []byte, captions []string) []byte {
	if b == nil {
		n := 32 + len(id) + len(json) + 8*len(captions)
		for _, c := range captions {
			n += len(c)
		}
		if f != nil {
			n += 96 + len(f.platform) + len(f.tier) + len(f.country) + len(f.region) + len(f.city) + len(f.language)
			for _, l := range [][]string{f.niches, f.hashtags, f.brands, f.brandClass} {
				for _, v := range l {
					n += len(v) + 2
				}
			}
		}
		b = make([]byte, 0, n)
	}
	head := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	if f == nil {
		b = append(b, recDelete)
		b = appendString(b, id)
	} else {
		b = append(b, recPut)
		b = appendString(b, id)
		b = appendFacts(b, f)
		b = binary.AppendUvarint(b, uint64(len(json)))
		b = append(b, json...)
		b = binary.AppendUvarint(b, uint64(len(captions)))
		for _, c := range captions {
			b = appendString(b, c)
		}
	}
	body := b[head+8:]
	binary.LittleEndian.PutUint32(b[head:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[head+4:], crc32.Checksum(body, castagnoli))
	return b
}

// decodeRecord reads a record body (after its frame).
func decodeRecord(body []byte, withText bool) (record, error) {
	d := decoder{b: body}
	if len(body) == 0 {
		return record{}, errShort
	}
	kind := body[0]
	d.b = d.b[1:]
	var r record
	r.id = d.str()
	switch kind {
	case recDelete:
		r.del = true
	case recPut:
		r.f = d.facts()
		r.f.id = r.id
		r.json = d.bytes(d.uvarint())
		if withText {
			n := d.uvarint()
			if n > uint64(len(d.b)) {
				return r, errShort
			}
			for i := uint64(0); i < n; i++ {
				r.captions = append(r.captions, d.str())
			}
		}
	default:
		return r, fmt.Errorf("unknown record kind %d", kind)
	}
	return r, d.err
}

// docLog is an open document log. Appends are buffered; flush or sync
// before anything points at them. Reads (ReadAt) are safe alongside
// appends.
type docLog struct {
	path string
	f    *os.File

	mu  sync.Mutex
	w   *bufio.Writer
	end int64 // offset after the last appended record, buffered or not
}

func createDocLog(path string) (*docLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	l := &docLog{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20), end: docLogStart}
	if _, err := l.w.WriteString(docLogMagic); err != nil {
		f.Close()
		return nil, fmt.Errorf("index: create %s: %w", path, err)
	}
	if err := l.sync(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func openDocLog(path string) (*docLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	magic := make([]byte, len(docLogMagic))
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != docLogMagic {
		f.Close()
		return nil, fmt.Errorf("index: %s is not a document log (%v); run creatorscout reindex", path, err)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	return &docLog{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20), end: size}, nil
}

// append adds framed records, one after the other, and returns the
// offset of the first.
func (l *docLog) append(recs ...[]byte) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	off := l.end
	for _, r := range recs {
		if _, err := l.w.Write(r); err != nil {
			return 0, fmt.Errorf("index: append to %s: %w", l.path, err)
		}
		l.end += int64(len(r))
	}
	return off, nil
}

// size is the offset after the last record appended.
func (l *docLog) size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.end
}

func (l *docLog) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("index: write %s: %w", l.path, err)
	}
	return nil
}

// sync flushes and waits for the disk.
func (l *docLog) sync() error {
	if err := l.flush(); err != nil {
		return err
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("index: sync %s: %w", l.path, err)
	}
	return nil
}

// read returns the record at off, n bytes long with its frame.
func (l *docLog) read(off int64, n uint32, withText bool) (record, error) {
	buf := make([]byte, n)
	if _, err := l.f.ReadAt(buf, off); err != nil {
		return record{}, fmt.Errorf("index: read %s at %d: %w", l.path, off, err)
	}
	if n < 8 || binary.LittleEndian.Uint32(buf) != n-8 || crc32.Checksum(buf[8:], castagnoli) != binary.LittleEndian.Uint32(buf[4:]) {
		return record{}, fmt.Errorf("index: %s: damaged record at %d; run creatorscout reindex", l.path, off)
	}
	r, err := decodeRecord(buf[8:], withText)
	if err != nil {
		return r, fmt.Errorf("index: %s: record at %d: %v; run creatorscout reindex", l.path, off, err)
	}
	return r, nil
}

// scan calls fn with every whole record from off on, in order, with its
// offset and framed length. It stops at the end or at the first record
// that is cut short or fails its checksum (a write the process died in),
// and returns the offset where the whole records end. Buffered appends
// are flushed first.
func (l *docLog) scan(off int64, withText bool, fn func(off int64, n uint32, r *record) error) (int64, error) {
	if err := l.flush(); err != nil {
		return off, err
	}
	rd := bufio.NewReaderSize(io.NewSectionReader(l.f, off, 1<<62), 1<<20)
	var head [8]byte
	var body []byte
	for {
		if _, err := io.ReadFull(rd, head[:]); err != nil {
			return off, nil // the end, or a frame cut short
		}
		n := binary.LittleEndian.Uint32(head[:])
		if n == 0 || n > maxRecord {
			return off, nil
		}
		if cap(body) < int(n) {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(rd, body); err != nil {
			return off, nil
		}
		if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(head[4:]) {
			return off, nil
		}
		r, err := decodeRecord(body, withText)
		if err != nil {
			return off, fmt.Errorf("index: %s: record at %d: %v; run creatorscout reindex", l.path, off, err)
		}
		if err := fn(off, n+8, &r); err != nil {
			return off, err
		}
		off += int64(n) + 8
	}
}

// truncate drops everything after end (a torn last write).
func (l *docLog) truncate(end int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("index: write %s: %w", l.path, err)
	}
	if err := l.f.Truncate(end); err != nil {
		return fmt.Errorf("index: truncate %s: %w", l.path, err)
	}
	if _, err := l.f.Seek(end, io.SeekStart); err != nil {
		return fmt.Errorf("index: truncate %s: %w", l.path, err)
	}
	l.w.Reset(l.f)
	l.end = end
	return l.f.Sync()
}

func (l *docLog) close() error {
	err := l.sync()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("index: close %s: %w", l.path, cerr)
	}
	return err
}

var errLogBehind = errors.New("the text index has writes the document log does not")
