package index

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/creatorscout/creatorscout/creator"
)

// mappingVersion changes whenever the fields or how they are filled change,
// or the layout of a generation does; an index built with another version
// is refused at Open so that nobody searches a half-compatible index.
// Rebuild it from the store. Version 3: bleve holds the text fields only;
// the creator JSON, captions and facts live in the document log.
const mappingVersion = "3"

// Field names in the bleve documents.
const (
	fName     = "display_name"
	fBio      = "bio"
	fCaptions = "captions"
)

// textAnalyzer analyses display_name, bio, captions and the user's text.
const textAnalyzer = en.AnalyzerName

// The analysis window, as creator's analysis defines it (creator.window,
// behind creator.ComputeEngagement): the last WindowPosts posts published
// within WindowDays before the creator's FetchedAt.
const (
	WindowDays  = creator.DefaultWindowDays
	WindowPosts = creator.DefaultWindowPosts
)

// optText is how the text fields are indexed: terms with frequencies and
// norms (for relevance), no term vectors (highlights are computed from
// the document log), nothing stored, no doc values.
const optText = bindex.IndexField

// textFields are the fields of a bleve document, all analysed with
// textAnalyzer.
var textFields = []string{fName, fBio, fCaptions}

// newMapping returns the static index mapping: the three text fields, no
// dynamic fields, no _all, nothing stored.
func newMapping() *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	dm := bleve.NewDocumentStaticMapping()
	dm.Dynamic = false
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	for _, name := range textFields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = textAnalyzer
		fm.Name = name
		fm.IncludeInAll = false
		fm.Store = optText.IsStored()
		fm.Index = optText.IsIndexed()
		fm.IncludeTermVectors = optText.IncludeTermVectors()
		fm.DocValues = optText.IncludeDocValues()
		dm.AddFieldMappingsAt(name, fm)
	}
	im.DefaultMapping = dm
	return im
}

// stored is what a hit's record holds: the creator without its
// Analysis, and the captions of its window posts for highlighting.
type stored struct {
	Creator  *creator.Creator
	Captions []string
}

// Window returns the posts of the analysis window, the same posts as
// creator.ComputeEngagement's WindowPostIDs with the default window: posts
// published within WindowDays before fetchedAt, newest first, then undated
// posts in their given order (crawlers fetch recent posts, so they are
// assumed recent), at most WindowPosts in all. Older posts are left out, so
// a creator silent for WindowDays has no hashtags, brands or captions in
// the index.
func Window(posts []creator.Post, fetchedAt time.Time) []creator.Post {
	idx := windowIdx(posts, fetchedAt, nil)
	out := make([]creator.Post, len(idx))
	for i, k := range idx {
		out[i] = posts[k]
	}
	return out
}

// windowIdx is Window as positions in posts, appended to buf. Sorting
// positions rather than posts: a post is a large struct, and sorting the
// posts themselves was a tenth of a bulk load's CPU.
func windowIdx(posts []creator.Post, fetchedAt time.Time, buf []int) []int {
	cut := fetchedAt.Add(-WindowDays * 24 * time.Hour)
	idx := buf[:0]
	for i := range posts {
		if p := posts[i].PublishedAt; p != nil && !p.IsZero() && !p.Before(cut) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return posts[b].PublishedAt.Compare(*posts[a].PublishedAt)
	})
	for i := range posts {
		if p := posts[i].PublishedAt; p == nil || p.IsZero() {
			idx = append(idx, i)
		}
	}
	if len(idx) > WindowPosts {
		idx = idx[:WindowPosts]
	}
	return idx
}

// Sort keys are fixed-width lower-case hex strings whose byte order is the
// numeric order, so a keyword sort equals the numeric sort exactly.

// sortKeyInt encodes v with the sign bit flipped: negative numbers sort
// before positive ones.
func sortKeyInt(v int64) string {
	return fmt.Sprintf("%016x", uint64(v)^(1<<63))
}

// sortKeyFloat encodes the IEEE 754 bits so that byte order is numeric
// order: positive numbers get the sign bit set, negative numbers have all
// bits flipped.
func sortKeyFloat(f float64) string {
	if f == 0 {
		f = 0 // fold -0 into +0
	}
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		u = ^u
	} else {
		u |= 1 << 63
	}
	return fmt.Sprintf("%016x", u)
}

// decodeKeyInt reverses sortKeyInt.
func decodeKeyInt(k []byte) (int64, bool) {
	if len(k) != 16 {
		return 0, false
	}
	u, err := strconv.ParseUint(string(k), 16, 64)
	if err != nil {
		return 0, false
	}
	return int64(u ^ (1 << 63)), true
}

// decodeKeyFloat reverses sortKeyFloat.
func decodeKeyFloat(k []byte) (float64, bool) {
	if len(k) != 16 {
		return 0, false
	}
	u, err := strconv.ParseUint(string(k), 16, 64)
	if err != nil {
		return 0, false
	}
	if u&(1<<63) != 0 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u), true
}
