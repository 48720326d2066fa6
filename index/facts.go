package index

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/creatorscout/creatorscout/creator"
)

// facts are the normalised values of one creator that search filters,
// sorts and counts on: what the bleve document indexes as keywords and what
// the in-memory table holds. Both are filled from facts alone, so the two
// cannot disagree.
type facts struct {
	id string

	platform, tier, country, region, city, language string

	niches, hashtags, brands, brandClass []string

	verified, hasEmail, undisclosed bool

	followers    *int64
	er           *float64
	lastPost     *int64   // Unix nanoseconds, clamped (unixNano)
	growth       *float64 // 30-day relative follower growth
	authenticity *float64 // 0-100
	lat, lon     *float64 // both set, finite and in range, or both nil

	captions []string // window posts' captions, for the text fields
}

// extract reads the facts of d. Hashtags, brands, classes, captions and the
// undisclosed flag come from the analysis window only (see Window).
func extract(d Doc) facts {
	var x extractor
	return x.extract(d)
}

// extractor is extract with scratch space reused across documents; one
// per worker.
type extractor struct {
	win                                  []int
	niches, hashtags, brands, brandClass set
}

func (x *extractor) extract(d Doc) facts {
	c := d.Creator
	f := facts{
		id:       c.ID,
		platform: strings.ToLower(strings.TrimSpace(c.Platform)),
		tier:     strings.ToLower(strings.TrimSpace(c.Tier)),
		language: strings.ToLower(strings.TrimSpace(c.Language)),
		verified: c.Verified,
		hasEmail: strings.TrimSpace(c.Email) != "",
	}
	x.niches.reset()
	for _, n := range c.Niches {
		x.niches.add(strings.ToLower(strings.TrimSpace(n)))
	}
	f.niches = x.niches.take()
	if l := c.Location; l != nil {
		f.country = strings.ToUpper(strings.TrimSpace(l.Country))
		f.region = strings.ToLower(strings.TrimSpace(l.Region))
		f.city = strings.ToLower(strings.TrimSpace(l.City))
		if l.Lat != nil && l.Lon != nil && validLatLon(*l.Lat, *l.Lon) {
			lat, lon := *l.Lat, *l.Lon
			f.lat, f.lon = &lat, &lon
		}
	}
	x.hashtags.reset()
	x.brands.reset()
	x.brandClass.reset()
	x.win = windowIdx(d.Posts, c.FetchedAt, x.win)
	for _, k := range x.win {
		p := &d.Posts[k]
		if s := strings.TrimSpace(p.Caption); s != "" {
			f.captions = append(f.captions, s)
		}
		for _, h := range p.Hashtags {
			x.hashtags.add(normTag(h))
		}
		for _, br := range p.Brands {
			name := normBrand(br.Name)
			if name == "" {
				continue
			}
			x.brands.add(name)
			if br.Class != "" {
				x.brandClass.add(name + "|" + strings.ToLower(br.Class))
			}
		}
		if p.Undisclosed != nil {
			f.undisclosed = true
		}
	}
	f.hashtags, f.brands, f.brandClass = x.hashtags.take(), x.brands.take(), x.brandClass.take()

	if c.Followers != nil {
		v := *c.Followers
		f.followers = &v
	}
	f.er = finitePtr(c.EngagementRate)
	if c.LastPostAt != nil {
		t := unixNano(*c.LastPostAt)
		f.lastPost = &t
	}
	f.growth = growth30(c)
	f.authenticity = authenticity(c)
	return f
}

// growth30 is the creator's 30-day relative follower growth, when its
// analysis knows it.
func growth30(c *creator.Creator) *float64 {
	if c.Analysis == nil || c.Analysis.Growth == nil || c.Analysis.Growth.D30 == nil {
		return nil
	}
	return finitePtr(c.Analysis.Growth.D30.Relative)
}

// authenticity is the creator's authenticity score, when known.
func authenticity(c *creator.Creator) *float64 {
	if c.Analysis == nil || c.Analysis.Authenticity == nil {
		return nil
	}
	return finitePtr(c.Analysis.Authenticity.Score)
}

func finitePtr(p *float64) *float64 {
	if p == nil || !finite(*p) {
		return nil
	}
	v := *p
	return &v
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func validLatLon(lat, lon float64) bool {
	return finite(lat) && finite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

func normTag(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

func normBrand(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

// set is an insertion-ordered set of non-empty strings, reusable: small
// sets are checked by a scan, larger ones through a map.
type set struct {
	seen map[string]struct{}
	list []string
}

const setScan = 16

func (s *set) reset() {
	s.list = s.list[:0]
	if len(s.seen) > 0 {
		clear(s.seen)
	}
}

func (s *set) add(v string) {
	if v == "" {
		return
	}
	if len(s.list) < setScan {
		for _, w := range s.list {
			if w == v {
				return
			}
		}
		s.list = append(s.list, v)
		return
	}
	if s.seen == nil {
		s.seen = make(map[string]struct{}, 64)
	}
	if len(s.seen) == 0 {
		for _, w := range s.list {
			s.seen[w] = struct{}{}
		}
	}
	if _, ok := s.seen[v]; ok {
		return
	}
	s.seen[v] = struct{}{}
	s.list = append(s.list, v)
}

// take returns a copy of the list (nil when empty).
func (s *set) take() []string {
	if len(s.list) == 0 {
		return nil
	}
	return slices.Clone(s.list)
}

// The binary form of facts, as the document log keeps them (see
// docslog.go): strings and lists length-prefixed, then two bytes of
// presence flags, then the numbers that are present.

const (
	bitVerified = 1 << iota
	bitHasEmail
	bitUndisclosed
	bitFollowers
	bitER
	bitLastPost
	bitGrowth
	bitAuth
	bitGeo // in the second flag byte
)

func appendFacts(b []byte, f *facts) []byte {
	for _, s := range []string{f.platform, f.tier, f.country, f.region, f.city, f.language} {
		b = appendString(b, s)
	}
	for _, l := range [][]string{f.niches, f.hashtags, f.brands, f.brandClass} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = appendString(b, s)
		}
	}
	var bits uint16
	set := func(on bool, bit uint16) {
		if on {
			bits |= bit
		}
	}
	set(f.verified, bitVerified)
	set(f.hasEmail, bitHasEmail)
	set(f.undisclosed, bitUndisclosed)
	set(f.followers != nil, bitFollowers)
	set(f.er != nil, bitER)
	set(f.lastPost != nil, bitLastPost)
	set(f.growth != nil, bitGrowth)
	set(f.authenticity != nil, bitAuth)
	set(f.lat != nil, bitGeo)
	b = binary.LittleEndian.AppendUint16(b, bits)
	if f.followers != nil {
		b = binary.AppendVarint(b, *f.followers)
	}
	if f.lastPost != nil {
		b = binary.AppendVarint(b, *f.lastPost)
	}
	for _, p := range []*float64{f.er, f.growth, f.authenticity, f.lat, f.lon} {
		if p != nil {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*p))
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads the binary forms; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("record is cut short")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errShort
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }

func (d *decoder) list() []string {
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each value takes at least a byte
		d.err = errShort
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *decoder) u16() uint16 {
	v := d.bytes(2)
	if v == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(v)
}

func (d *decoder) f64() float64 {
	v := d.bytes(8)
	if v == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v))
}

// facts reads what appendFacts wrote; id is set by the caller.
func (d *decoder) facts() facts {
	var f facts
	for _, p := range []*string{&f.platform, &f.tier, &f.country, &f.region, &f.city, &f.language} {
		*p = d.str()
	}
	f.niches, f.hashtags, f.brands, f.brandClass = d.list(), d.list(), d.list(), d.list()
	bits := d.u16()
	f.verified, f.hasEmail, f.undisclosed = bits&bitVerified != 0, bits&bitHasEmail != 0, bits&bitUndisclosed != 0
	if bits&bitFollowers != 0 {
		v := d.varint()
		f.followers = &v
	}
	if bits&bitLastPost != 0 {
		v := d.varint()
		f.lastPost = &v
	}
	for _, x := range []struct {
		bit uint16
		p   **float64
	}{{bitER, &f.er}, {bitGrowth, &f.growth}, {bitAuth, &f.authenticity}, {bitGeo, &f.lat}, {bitGeo, &f.lon}} {
		if bits&x.bit != 0 {
			v := d.f64()
			*x.p = &v
		}
	}
	return f
}
