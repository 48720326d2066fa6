package searchbench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
)

// The corpus file. The benchmark generates the corpus once, into a file,
// then builds the index (and loads PostgreSQL) from that file, the way a
// bulk-load benchmark reads its documents from a prepared input: the build
// is timed reading and decoding its input, not running the generator's
// random draws. Each record is a uvarint length and a body that holds
// exactly the fields Doc sets; TestCorpusFileRoundTrip checks that reading
// gives back what Doc made.

const corpusMagic = "creatorscout-corpus-1\n"

// WriteCorpus generates creators 0..n-1 of seed on workers goroutines into
// path and returns the file's size.
func WriteCorpus(ctx context.Context, path string, seed uint64, n, workers int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("corpus: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(corpusMagic)
	var rec, body []byte
	err = CorpusParallel(ctx, seed, n, workers, func(d index.Doc) error {
		body = appendDoc(body[:0], d)
		rec = binary.AppendUvarint(rec[:0], uint64(len(body)))
		if _, err := w.Write(rec); err != nil {
			return err
		}
		_, err := w.Write(body)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("corpus: write %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("corpus: %w", err)
	}
	return st.Size(), nil
}

// ReadCorpus yields every document of the corpus file at path, in order,
// and stops at the first error yield returns.
func ReadCorpus(ctx context.Context, path string, yield func(index.Doc) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	magic := make([]byte, len(corpusMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != corpusMagic {
		return fmt.Errorf("corpus: %s is not a corpus file of this version", path)
	}
	var buf []byte
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		size, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil || size > 1<<24 {
			return fmt.Errorf("corpus: %s: record %d: bad length (%v)", path, n, err)
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		buf = buf[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("corpus: %s: record %d: %w", path, n, err)
		}
		d, err := decodeDoc(string(buf))
		if err != nil {
			return fmt.Errorf("corpus: %s: record %d: %w", path, n, err)
		}
		if err := yield(d); err != nil {
			return err
		}
	}
}

// Presence bits of the optional parts of a creator and a post.
const (
	hasFollowers = 1 << iota
	hasER
	hasLocation
	hasLat
	hasLon
	hasLastPost
	hasAnalysis
	hasGrowth
	hasAuthenticity
	verified
)

const (
	postHasPublished = 1 << iota
	postUndisclosed
)

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendVarint(b, t.UnixNano())
}

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// appendDoc encodes the fields Doc sets.
func appendDoc(b []byte, d index.Doc) []byte {
	c := d.Creator
	bits := 0
	set := func(ok bool, bit int) {
		if ok {
			bits |= bit
		}
	}
	set(c.Followers != nil, hasFollowers)
	set(c.EngagementRate != nil, hasER)
	set(c.Location != nil, hasLocation)
	set(c.Location != nil && c.Location.Lat != nil, hasLat)
	set(c.Location != nil && c.Location.Lon != nil, hasLon)
	set(c.LastPostAt != nil, hasLastPost)
	set(c.Analysis != nil, hasAnalysis)
	set(c.Analysis != nil && c.Analysis.Growth != nil, hasGrowth)
	set(c.Analysis != nil && c.Analysis.Authenticity != nil, hasAuthenticity)
	set(c.Verified, verified)
	b = binary.AppendUvarint(b, uint64(bits))
	for _, s := range []string{c.ID, c.Platform, c.Handle, c.URL, c.SourceURL, c.DisplayName, c.Bio, c.Tier, c.Language, c.Email} {
		b = appendString(b, s)
	}
	b = appendTime(b, c.FetchedAt)
	b = binary.AppendUvarint(b, uint64(len(c.Niches)))
	for _, s := range c.Niches {
		b = appendString(b, s)
	}
	if c.Followers != nil {
		b = binary.AppendVarint(b, *c.Followers)
	}
	if c.EngagementRate != nil {
		b = appendFloat(b, *c.EngagementRate)
	}
	if l := c.Location; l != nil {
		for _, s := range []string{l.Raw, l.City, l.Region, l.Country} {
			b = appendString(b, s)
		}
		if l.Lat != nil {
			b = appendFloat(b, *l.Lat)
		}
		if l.Lon != nil {
			b = appendFloat(b, *l.Lon)
		}
	}
	if c.LastPostAt != nil {
		b = appendTime(b, *c.LastPostAt)
	}
	if a := c.Analysis; a != nil {
		b = appendTime(b, a.AnalyzedAt)
		if a.Growth != nil {
			b = binary.AppendVarint(b, int64(a.Growth.D30.Days))
			b = appendFloat(b, *a.Growth.D30.Relative)
		}
		if a.Authenticity != nil {
			b = appendFloat(b, *a.Authenticity.Score)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(d.Posts)))
	for i := range d.Posts {
		p := &d.Posts[i]
		pbits := 0
		if p.PublishedAt != nil {
			pbits |= postHasPublished
		}
		if p.Undisclosed != nil {
			pbits |= postUndisclosed
		}
		b = binary.AppendUvarint(b, uint64(pbits))
		for _, s := range []string{p.ID, p.Caption, p.SourceURL, p.Disclosure.Class} {
			b = appendString(b, s)
		}
		b = appendTime(b, p.FetchedAt)
		if p.PublishedAt != nil {
			b = appendTime(b, *p.PublishedAt)
		}
		if p.Undisclosed != nil {
			b = appendString(b, p.Undisclosed.Reason)
		}
		b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
		for _, s := range p.Hashtags {
			b = appendString(b, s)
		}
		b = binary.AppendUvarint(b, uint64(len(p.Brands)))
		for _, br := range p.Brands {
			b = appendString(b, br.Name)
			b = appendString(b, br.Class)
		}
	}
	return b
}

// decoder reads a record; its strings are pieces of the record, so a
// document costs a few allocations.
type decoder struct {
	s   string
	err error
}

var errShort = errors.New("record ends early")

func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < len(d.s); i++ {
		c := d.s[i]
		if c < 0x80 {
			if i > 9 || i == 9 && c > 1 {
				break
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	if d.err == nil {
		d.err = errShort
	}
	d.s = ""
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)) { // every item takes at least a byte
		if d.err == nil {
			d.err = errShort
		}
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder) float() float64 {
	if len(d.s) < 8 {
		if d.err == nil {
			d.err = errShort
		}
		d.s = ""
		return 0
	}
	var u uint64
	for i := 7; i >= 0; i-- {
		u = u<<8 | uint64(d.s[i])
	}
	d.s = d.s[8:]
	v := math.Float64frombits(u)
	return v
}

func (d *decoder) time() time.Time { return time.Unix(0, d.varint()).UTC() }

func decodeDoc(rec string) (index.Doc, error) {
	d := &decoder{s: rec}
	bits := int(d.uvarint())
	c := &creator.Creator{}
	for _, p := range []*string{&c.ID, &c.Platform, &c.Handle, &c.URL, &c.SourceURL, &c.DisplayName, &c.Bio, &c.Tier, &c.Language, &c.Email} {
		*p = d.str()
	}
	c.FetchedAt = d.time()
	if n := d.count(); n > 0 {
		c.Niches = make([]string, n)
		for i := range c.Niches {
			c.Niches[i] = d.str()
		}
	}
	// The creator's optional numbers share one allocation.
	var nums [6]float64
	if bits&hasFollowers != 0 {
		f := d.varint()
		c.Followers = &f
	}
	if bits&hasER != 0 {
		nums[0] = d.float()
		c.EngagementRate = &nums[0]
	}
	if bits&hasLocation != 0 {
		l := &creator.Location{Raw: d.str(), City: d.str(), Region: d.str(), Country: d.str()}
		if bits&hasLat != 0 {
			nums[1] = d.float()
			l.Lat = &nums[1]
		}
		if bits&hasLon != 0 {
			nums[2] = d.float()
			l.Lon = &nums[2]
		}
		c.Location = l
	}
	if bits&hasLastPost != 0 {
		t := d.time()
		c.LastPostAt = &t
	}
	if bits&hasAnalysis != 0 {
		a := &creator.Analysis{AnalyzedAt: d.time()}
		if bits&hasGrowth != 0 {
			days := int(d.varint())
			nums[3] = d.float()
			a.Growth = &creator.Growth{D30: &creator.GrowthPeriod{Days: days, Relative: &nums[3]}}
		}
		if bits&hasAuthenticity != 0 {
			nums[4] = d.float()
			a.Authenticity = &creator.Authenticity{Score: &nums[4]}
		}
		c.Analysis = a
	}
	c.Verified = bits&verified != 0
	out := index.Doc{Creator: c}
	if n := d.count(); n > 0 {
		posts := make([]creator.Post, n)
		times := make([]time.Time, n)
		var tags []string
		for i := range posts {
			p := &posts[i]
			pbits := d.uvarint()
			p.ID, p.Caption, p.SourceURL, p.Disclosure.Class = d.str(), d.str(), d.str(), d.str()
			p.FetchedAt = d.time()
			if pbits&postHasPublished != 0 {
				times[i] = d.time()
				p.PublishedAt = &times[i]
			}
			if pbits&postUndisclosed != 0 {
				p.Undisclosed = &creator.Flag{Reason: d.str()}
			}
			nh := d.count()
			if cap(tags)-len(tags) < nh {
				tags = make([]string, 0, max(nh, 6*(n-i)))
			}
			first := len(tags)
			for range nh {
				tags = append(tags, d.str())
			}
			p.Hashtags = tags[first:len(tags):len(tags)]
			if nb := d.count(); nb > 0 {
				p.Brands = make([]creator.Brand, nb)
				for k := range p.Brands {
					p.Brands[k] = creator.Brand{Name: d.str(), Class: d.str()}
				}
			}
		}
		out.Posts = posts
	}
	if d.err == nil && d.s != "" {
		d.err = fmt.Errorf("%d bytes left over", len(d.s))
	}
	return out, d.err
}
