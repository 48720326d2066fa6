// Package index makes creators searchable. It owns the bleve v2 index: the
// static mapping, turning a creator and its recent posts into one bleve
// document, and turning a creator.Query into a bleve search and the answer
// back into a creator.SearchResult with hits, facets, highlights and an
// opaque cursor.
//
// The store is the source of truth; this index can always be rebuilt from
// it. The API reaches search through a small interface and never sees bleve.
//
// # What one document holds
//
// One bleve document per creator, id = creator id. Nothing is stored except
// one non-indexed field, "src", holding the creator JSON (without posts and
// without the Analysis evidence, which the store serves) and the captions
// of its window posts for highlights, so a hit comes back whole, like
// Elasticsearch's _source. Everything else is indexed only:
//
//   - text (English analyzer, no term vectors): display_name, bio, captions
//     (the window posts' captions joined);
//   - keywords: platform, tier, niches, country (upper case), region and city
//     (lower case), language, hashtags, brands (lower-case names),
//     brand_class ("name|class"), classes (disclosure classes seen);
//   - numbers for range filters: followers, engagement_rate, last_post_at
//     (Unix seconds); a creator whose figure is unknown (nil) has no value
//     and never matches a range;
//   - sort keys: sort_followers, sort_er, sort_last_post. Each is a keyword
//     whose bytes order exactly as the number does (see sortKeyFloat). bleve's
//     numeric doc values hold 16 prefix-coded terms per value in snappy
//     chunks, and decoding them was most of the query time in BLEVE_NOTES.md;
//   - geo: geo_cell, the location's cell in grids of 0.1°, 1° and 10°, and
//     geo_point, its exact lat/lon, when both are known and valid. A radius
//     search covers the circle with cells and checks the exact great-circle
//     distance (geo.go); bleve's own geopoint query was the largest part of
//     a radius search's CPU.
//
// Doc values are kept only for facet fields, sort keys and geo_point, all
// uncompressed and one document per chunk (see optDV).
//
// # The analysis window
//
// Hashtags, brands, classes and captions come from the window posts only,
// the same window as creator's analysis: the last 30 posts published within
// 90 days before the creator's FetchedAt (undated posts count as recent).
// See Window.
//
// # Query semantics
//
// User text is never parsed as query syntax. It is analysed with the same
// English analyzer as the fields, and every resulting term must appear in at
// least one of display_name, bio or captions (terms may be spread across
// fields). Text that analyses to no terms (only punctuation or stop words)
// matches nothing. List filters match any of their values, except niches with
// Query.NicheAll. Sorts put creators with an unknown value last in both
// directions and break ties by id, ascending. Relevance needs text; without
// it the order is by id and no score is computed, as for every other sort.
//
// Highlights are HTML: the crawled text is escaped with html.EscapeString
// and each matched word is wrapped in <mark>...</mark>, so a fragment is safe
// to insert into a page as it is.
package index
