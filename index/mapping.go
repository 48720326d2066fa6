package index

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/creatorscout/creatorscout/creator"
)

// mappingVersion changes whenever the fields or how they are filled change;
// an index built with another version is refused at Open so that nobody
// searches a half-compatible index. Rebuild it from the store.
const mappingVersion = "2"

// internalVersionKey is where the mapping version lives in the index.
var internalVersionKey = []byte("creatorscout.mapping_version")

// Field names in the bleve document.
const (
	fSource = "src" // stored only: the creator JSON and window captions

	fName     = "display_name"
	fBio      = "bio"
	fCaptions = "captions"

	fPlatform   = "platform"
	fTier       = "tier"
	fNiches     = "niches"
	fCountry    = "country"
	fRegion     = "region"
	fCity       = "city"
	fLanguage   = "language"
	fHashtags   = "hashtags"
	fBrands     = "brands"
	fBrandClass = "brand_class"
	fFlags      = "flags" // verified, has_email, undisclosed

	// Numbers, as keywords whose bytes order as the number does and decode
	// back to it exactly (see sortKeyInt, sortKeyFloat, sortKeyTime).
	fKeyFollowers = "k_followers"
	fKeyER        = "k_er"
	fKeyLastPost  = "k_last_post"
	fKeyGrowth    = "k_growth"
	fKeyAuth      = "k_authenticity"

	fGeoPoint = "geo_point" // exact lat/lon, see pointTerm
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

// Indexing options per kind of field. Text fields are indexed for the
// text query. Every other field is read back into the in-memory table when
// the index is opened (see table.go), from its doc values: kept
// uncompressed and one document per chunk (SkipDVCompression|
// SkipDVChunking), so reading one document's values decodes nothing else.
// The mapping cannot express these two bits; they live only in the
// segments. Never set SkipDVCompression without SkipDVChunking: zapx v17's
// merge then files a whole chunk under one document.
const (
	optText    = bindex.IndexField
	optDV      = bindex.DocValues | bindex.SkipDVCompression | bindex.SkipDVChunking
	optKeyword = bindex.IndexField | optDV
	optSource  = bindex.StoreField
)

// fieldSpec is one field: its name, its bleve mapping type and options.
type fieldSpec struct {
	name     string
	typ      string // "text" or "keyword"
	opts     bindex.FieldIndexingOptions
	analyzer string
}

// fields is the whole schema in one table.
var fields = []fieldSpec{
	{fSource, "text", optSource, keyword.Name},
	{fName, "text", optText, textAnalyzer},
	{fBio, "text", optText, textAnalyzer},
	{fCaptions, "text", optText, textAnalyzer},
	{fPlatform, "keyword", optKeyword, keyword.Name},
	{fTier, "keyword", optKeyword, keyword.Name},
	{fNiches, "keyword", optKeyword, keyword.Name},
	{fCountry, "keyword", optKeyword, keyword.Name},
	{fRegion, "keyword", optKeyword, keyword.Name},
	{fCity, "keyword", optKeyword, keyword.Name},
	{fLanguage, "keyword", optKeyword, keyword.Name},
	{fHashtags, "keyword", optKeyword, keyword.Name},
	{fBrands, "keyword", optKeyword, keyword.Name},
	{fBrandClass, "keyword", optKeyword, keyword.Name},
	{fFlags, "keyword", optKeyword, keyword.Name},
	{fKeyFollowers, "keyword", optKeyword, keyword.Name},
	{fKeyER, "keyword", optKeyword, keyword.Name},
	{fKeyLastPost, "keyword", optKeyword, keyword.Name},
	{fKeyGrowth, "keyword", optKeyword, keyword.Name},
	{fKeyAuth, "keyword", optKeyword, keyword.Name},
	{fGeoPoint, "keyword", optKeyword, keyword.Name},
}

// newMapping returns the static index mapping: no dynamic fields, no _all,
// nothing stored but fSource.
func newMapping() *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = keyword.Name
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	dm := bleve.NewDocumentStaticMapping()
	dm.Dynamic = false
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	for _, f := range fields {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = f.analyzer
		fm.Name = f.name
		fm.IncludeInAll = false
		fm.Store = f.opts.IsStored()
		fm.Index = f.opts.IsIndexed()
		fm.IncludeTermVectors = f.opts.IncludeTermVectors()
		fm.DocValues = f.opts.IncludeDocValues()
		dm.AddFieldMappingsAt(f.name, fm)
	}
	im.DefaultMapping = dm
	return im
}

// stored is what the one stored field holds: the creator without its
// Analysis, and the captions of its window posts for highlighting.
type stored struct {
	Creator  *creator.Creator `json:"creator"`
	Captions []string         `json:"captions,omitempty"`
}

// Window returns the posts of the analysis window, the same posts as
// creator.ComputeEngagement's WindowPostIDs with the default window: posts
// published within WindowDays before fetchedAt, newest first, then undated
// posts in their given order (crawlers fetch recent posts, so they are
// assumed recent), at most WindowPosts in all. Older posts are left out, so
// a creator silent for WindowDays has no hashtags, brands or captions in
// the index.
func Window(posts []creator.Post, fetchedAt time.Time) []creator.Post {
	cut := fetchedAt.Add(-WindowDays * 24 * time.Hour)
	var dated, undated []creator.Post
	for _, p := range posts {
		switch {
		case p.PublishedAt == nil || p.PublishedAt.IsZero():
			undated = append(undated, p)
		case p.PublishedAt.Before(cut):
		default:
			dated = append(dated, p)
		}
	}
	sort.SliceStable(dated, func(i, j int) bool {
		return dated[i].PublishedAt.After(*dated[j].PublishedAt)
	})
	in := append(dated, undated...)
	if len(in) > WindowPosts {
		in = in[:WindowPosts]
	}
	return in
}

// builder turns a Doc into a bleve document.
type builder struct {
	text analysis.Analyzer
}

func newBuilder(im *mapping.IndexMappingImpl) (*builder, error) {
	a := im.AnalyzerNamed(textAnalyzer)
	if a == nil {
		return nil, fmt.Errorf("index: analyzer %q is not registered", textAnalyzer)
	}
	return &builder{text: a}, nil
}

// checkDoc names what is wrong with d, or returns nil.
func checkDoc(d Doc) error {
	if d.Creator == nil {
		return creator.Invalid("creator", "is missing")
	}
	if strings.TrimSpace(d.Creator.ID) == "" {
		return creator.Invalid("id", "creator has no id")
	}
	c := d.Creator
	if len(c.ID) > 512 {
		return creator.Invalid("id", "is %d bytes; at most 512", len(c.ID))
	}
	// The stored JSON cannot hold NaN or infinities, and no figure may be one.
	nums := map[string]*float64{
		"engagement_rate": c.EngagementRate, "avg_likes": c.AvgLikes,
		"avg_comments": c.AvgComments, "avg_views": c.AvgViews,
	}
	if l := c.Location; l != nil {
		nums["location.lat"], nums["location.lon"], nums["location.confidence"] = l.Lat, l.Lon, l.Confidence
	}
	for _, name := range []string{"engagement_rate", "avg_likes", "avg_comments", "avg_views", "location.lat", "location.lon", "location.confidence"} {
		if v := nums[name]; v != nil && !finite(*v) {
			return creator.Invalid(name, "creator %s: %v is not a finite number", c.ID, *v)
		}
	}
	return nil
}

// build maps one creator and its facts to a bleve document. Unknown or
// invalid numbers (nil, NaN, Inf) and coordinates out of range are left out
// of the keyword fields; the stored JSON keeps what the creator said.
func (b *builder) build(c *creator.Creator, f *facts) (*document.Document, error) {
	// The stored copy leaves out the analysis evidence: it can be several
	// times the size of the creator, and a page of hits does not show it
	// (the store serves it with the creator).
	light := *c
	light.Analysis = nil
	src, err := json.Marshal(stored{Creator: &light, Captions: f.captions})
	if err != nil {
		return nil, fmt.Errorf("index: encode creator %s: %w", c.ID, err)
	}

	doc := document.NewDocument(c.ID)
	doc.AddField(document.NewTextFieldWithIndexingOptions(fSource, nil, src, optSource))

	b.addText(doc, fName, c.DisplayName)
	b.addText(doc, fBio, c.Bio)
	b.addText(doc, fCaptions, strings.Join(f.captions, "\n\n"))

	addKeyword(doc, fPlatform, f.platform)
	addKeyword(doc, fTier, f.tier)
	addKeyword(doc, fNiches, f.niches...)
	addKeyword(doc, fLanguage, f.language)
	addKeyword(doc, fCountry, f.country)
	addKeyword(doc, fRegion, f.region)
	addKeyword(doc, fCity, f.city)
	if f.lat != nil {
		addKeyword(doc, fGeoPoint, pointTerm(*f.lat, *f.lon))
	}
	addKeyword(doc, fHashtags, f.hashtags...)
	addKeyword(doc, fBrands, f.brands...)
	addKeyword(doc, fBrandClass, f.brandClass...)
	if f.verified {
		addKeyword(doc, fFlags, flagVerified)
	}
	if f.hasEmail {
		addKeyword(doc, fFlags, flagHasEmail)
	}
	if f.undisclosed {
		addKeyword(doc, fFlags, flagUndisclosed)
	}
	if f.followers != nil {
		addKeyword(doc, fKeyFollowers, sortKeyInt(*f.followers))
	}
	if f.er != nil {
		addKeyword(doc, fKeyER, sortKeyFloat(*f.er))
	}
	if f.lastPost != nil {
		addKeyword(doc, fKeyLastPost, sortKeyTime(*f.lastPost))
	}
	if f.growth != nil {
		addKeyword(doc, fKeyGrowth, sortKeyFloat(*f.growth))
	}
	if f.authenticity != nil {
		addKeyword(doc, fKeyAuth, sortKeyFloat(*f.authenticity))
	}
	return doc, nil
}

func (b *builder) addText(doc *document.Document, name, s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	doc.AddField(document.NewTextFieldCustom(name, nil, []byte(s), optText, b.text))
}

// addKeyword adds one keyword value per non-empty v. A nil analyzer makes
// bleve index the whole value as one term.
func addKeyword(doc *document.Document, name string, vals ...string) {
	for _, v := range vals {
		if v == "" {
			continue
		}
		doc.AddField(document.NewTextFieldCustom(name, nil, []byte(v), optKeyword, nil))
	}
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

// sortKeyTime encodes seconds and nanoseconds, exact for any time.Time.
func sortKeyTime(t time.Time) string {
	return sortKeyInt(t.Unix()) + fmt.Sprintf("%08x", t.Nanosecond())
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

// decodeKeyTime reverses sortKeyTime.
func decodeKeyTime(k []byte) (time.Time, bool) {
	if len(k) != 24 {
		return time.Time{}, false
	}
	sec, ok := decodeKeyInt(k[:16])
	nsec, err := strconv.ParseUint(string(k[16:]), 16, 32)
	if !ok || err != nil || nsec >= 1e9 {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(nsec)).UTC(), true
}
