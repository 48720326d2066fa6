package index

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
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
const mappingVersion = "1"

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
	fClasses    = "classes"

	fFollowers = "followers"
	fER        = "engagement_rate"
	fLastPost  = "last_post_at"

	fSortFollowers = "sort_followers"
	fSortER        = "sort_er"
	fSortLastPost  = "sort_last_post"

	fGeoCell  = "geo_cell"  // grid cells of the location, see geo.go
	fGeoPoint = "geo_point" // exact lat/lon for the distance check
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

// facetIndexField maps a creator.FacetFields name to its index field.
var facetIndexField = map[string]string{
	"platform": fPlatform,
	"tier":     fTier,
	"niche":    fNiches,
	"country":  fCountry,
	"city":     fCity,
	"language": fLanguage,
	"brand":    fBrands,
	"hashtag":  fHashtags,
}

// Indexing options per kind of field. The document builder uses these; the
// mapping declares the same (checked by a test) so the index describes
// itself and searches resolve analyzers by field.
//
// Facet and sort fields, and geo_point, keep their doc values uncompressed
// and one document per chunk (SkipDVCompression|SkipDVChunking, as bleve
// does for its own geopoints). By default a hit decodes a snappy chunk of
// 1,024 documents per field; at 5k creators this cut query CPU by about a
// quarter for 8% more disk (see the package report). The mapping cannot
// express these two bits; they live only in the segments. Never set
// SkipDVCompression without SkipDVChunking: zapx v17's merge then files a
// whole chunk under one document and facets come out wrong (the oracle
// test's second pass catches it).
const (
	optText     = bindex.IndexField
	optKeyword  = bindex.IndexField
	optNumber   = bindex.IndexField
	optDV       = bindex.DocValues | bindex.SkipDVCompression | bindex.SkipDVChunking
	optFacet    = bindex.IndexField | optDV
	optSort     = bindex.IndexField | optDV
	optGeoCell  = bindex.IndexField
	optGeoPoint = bindex.IndexField | optDV
	optSource   = bindex.StoreField
)

// fieldSpec is one field: its name, its bleve mapping type and options.
type fieldSpec struct {
	name     string
	typ      string // "text", "keyword" or "number"
	opts     bindex.FieldIndexingOptions
	analyzer string
}

// fields is the whole schema in one table.
var fields = []fieldSpec{
	{fSource, "text", optSource, keyword.Name},
	{fName, "text", optText, textAnalyzer},
	{fBio, "text", optText, textAnalyzer},
	{fCaptions, "text", optText, textAnalyzer},
	{fPlatform, "keyword", optFacet, keyword.Name},
	{fTier, "keyword", optFacet, keyword.Name},
	{fNiches, "keyword", optFacet, keyword.Name},
	{fCountry, "keyword", optFacet, keyword.Name},
	{fRegion, "keyword", optKeyword, keyword.Name},
	{fCity, "keyword", optFacet, keyword.Name},
	{fLanguage, "keyword", optFacet, keyword.Name},
	{fHashtags, "keyword", optFacet, keyword.Name},
	{fBrands, "keyword", optFacet, keyword.Name},
	{fBrandClass, "keyword", optKeyword, keyword.Name},
	{fClasses, "keyword", optKeyword, keyword.Name},
	{fFollowers, "number", optNumber, ""},
	{fER, "number", optNumber, ""},
	{fLastPost, "number", optNumber, ""},
	{fSortFollowers, "keyword", optSort, keyword.Name},
	{fSortER, "keyword", optSort, keyword.Name},
	{fSortLastPost, "keyword", optSort, keyword.Name},
	{fGeoCell, "keyword", optGeoCell, keyword.Name},
	{fGeoPoint, "keyword", optGeoPoint, keyword.Name},
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
		var fm *mapping.FieldMapping
		switch f.typ {
		case "text", "keyword":
			fm = bleve.NewTextFieldMapping()
			fm.Analyzer = f.analyzer
		case "number":
			fm = bleve.NewNumericFieldMapping()
		}
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

// build maps one creator and its posts to a bleve document. Unknown or
// invalid numbers (nil, NaN, Inf) and coordinates out of range are left out
// of the indexed fields; the stored JSON keeps what the creator said.
func (b *builder) build(d Doc) (*document.Document, error) {
	c := d.Creator
	win := Window(d.Posts, c.FetchedAt)

	captions := make([]string, 0, len(win))
	hashtags := newSet()
	brands := newSet()
	brandClass := newSet()
	classes := newSet()
	for _, p := range win {
		if s := strings.TrimSpace(p.Caption); s != "" {
			captions = append(captions, s)
		}
		for _, h := range p.Hashtags {
			hashtags.add(normTag(h))
		}
		if p.Disclosure.Class != "" {
			classes.add(strings.ToLower(p.Disclosure.Class))
		}
		for _, br := range p.Brands {
			name := normBrand(br.Name)
			if name == "" {
				continue
			}
			brands.add(name)
			if br.Class != "" {
				brandClass.add(name + "|" + strings.ToLower(br.Class))
			}
		}
	}

	// The stored copy leaves out the analysis evidence: it can be several
	// times the size of the creator, and a page of hits does not show it
	// (the store serves it with the creator).
	light := *c
	light.Analysis = nil
	src, err := json.Marshal(stored{Creator: &light, Captions: captions})
	if err != nil {
		return nil, fmt.Errorf("index: encode creator %s: %w", c.ID, err)
	}

	doc := document.NewDocument(c.ID)
	doc.AddField(document.NewTextFieldWithIndexingOptions(fSource, nil, src, optSource))

	b.addText(doc, fName, c.DisplayName)
	b.addText(doc, fBio, c.Bio)
	b.addText(doc, fCaptions, strings.Join(captions, "\n\n"))

	addKeyword(doc, fPlatform, optFacet, strings.ToLower(c.Platform))
	addKeyword(doc, fTier, optFacet, strings.ToLower(c.Tier))
	niches := newSet()
	for _, n := range c.Niches {
		niches.add(strings.ToLower(strings.TrimSpace(n)))
	}
	addKeyword(doc, fNiches, optFacet, niches.list...)
	addKeyword(doc, fLanguage, optFacet, strings.ToLower(strings.TrimSpace(c.Language)))
	if l := c.Location; l != nil {
		addKeyword(doc, fCountry, optFacet, strings.ToUpper(strings.TrimSpace(l.Country)))
		addKeyword(doc, fRegion, optKeyword, strings.ToLower(strings.TrimSpace(l.Region)))
		addKeyword(doc, fCity, optFacet, strings.ToLower(strings.TrimSpace(l.City)))
		if l.Lat != nil && l.Lon != nil && validLatLon(*l.Lat, *l.Lon) {
			addKeyword(doc, fGeoCell, optGeoCell, geoCells(*l.Lat, *l.Lon)...)
			addKeyword(doc, fGeoPoint, optGeoPoint, pointTerm(*l.Lat, *l.Lon))
		}
	}
	addKeyword(doc, fHashtags, optFacet, hashtags.list...)
	addKeyword(doc, fBrands, optFacet, brands.list...)
	addKeyword(doc, fBrandClass, optKeyword, brandClass.list...)
	addKeyword(doc, fClasses, optKeyword, classes.list...)

	if c.Followers != nil {
		v := *c.Followers
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fFollowers, nil, float64(v), optNumber))
		addKeyword(doc, fSortFollowers, optSort, sortKeyInt(v))
	}
	if c.EngagementRate != nil && finite(*c.EngagementRate) {
		v := *c.EngagementRate
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fER, nil, v, optNumber))
		addKeyword(doc, fSortER, optSort, sortKeyFloat(v))
	}
	if c.LastPostAt != nil {
		t := *c.LastPostAt
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fLastPost, nil, float64(t.Unix()), optNumber))
		addKeyword(doc, fSortLastPost, optSort, sortKeyTime(t))
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
func addKeyword(doc *document.Document, name string, opts bindex.FieldIndexingOptions, vals ...string) {
	for _, v := range vals {
		if v == "" {
			continue
		}
		doc.AddField(document.NewTextFieldCustom(name, nil, []byte(v), opts, nil))
	}
}

func normTag(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

func normBrand(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func validLatLon(lat, lon float64) bool {
	return finite(lat) && finite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// set is an insertion-ordered set of non-empty strings.
type set struct {
	seen map[string]bool
	list []string
}

func newSet() *set { return &set{seen: map[string]bool{}} }

func (s *set) add(v string) {
	if v == "" || s.seen[v] {
		return
	}
	s.seen[v] = true
	s.list = append(s.list, v)
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
