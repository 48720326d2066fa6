// Package index makes creators searchable. It owns the bleve v2 index and
// an in-memory table beside it: the static mapping, turning a creator and
// its recent posts into one bleve document and one table row, and turning a
// creator.Query into a search and the answer back into a
// creator.SearchResult with hits, facets, highlights and an opaque cursor.
//
// The store is the source of truth; this index can always be rebuilt from
// it (Rebuild, Build, `creatorscout reindex`). The API reaches search
// through a small interface and never sees bleve.
//
// # Two halves
//
// bleve holds, per creator, one document (id = creator id): the text fields
// display_name, bio and captions (the window posts' captions), analysed
// with the English analyzer and indexed without term vectors; one stored,
// non-indexed field "src" with the creator JSON (without the Analysis
// evidence, which the store serves) and the window captions, so a hit comes
// back whole; and every keyword the table needs, indexed with uncompressed,
// unchunked doc values: platform, tier, niches, country (upper case),
// region and city (lower case), language, hashtags, brands (lower case),
// brand_class ("name|class"), flags (verified, has_email, undisclosed), the
// numbers followers, engagement_rate, last_post_at, 30-day growth and
// authenticity as keywords that decode back exactly (k_*), and geo_point.
//
// The table (table.go) holds the same keyword values as small integers in
// columns with a roaring bitmap of rows per value, and the numbers and
// coordinates in columns. It is built as documents are written and rebuilt
// from bleve's doc values when the index is opened (load.go). A search runs
// the text, if any, on bleve (text only: a conjunction over the user's
// terms of a disjunction over the three fields) and everything else on the
// table: keyword filters are bitmap unions and intersections, ranges and
// the exact geo distance are checked row by row, facets are a pass over
// columns, and the page is a top-k over a column. BLEVE_NOTES.md measured
// per-hit doc-value decoding (sorts and facets) as most of a query's time
// at 1M creators; the table removes it. bleve is still what is durable.
//
// # The directory
//
// The index directory holds generations (bleve indexes) and a pointer file
// CURRENT naming the live one; see layout.go. Rebuild builds a new
// generation beside the live one while searches go on, replays the writes
// made meanwhile and swaps the pointer atomically (write, fsync, rename);
// the old generation is closed once no search holds it and then deleted.
// Build does the same from another process; an open Index notices the new
// pointer (Options.PollInterval, or Refresh) and adopts it.
//
// # The analysis window
//
// Hashtags, brands, classes, captions and the undisclosed flag come from
// the window posts only, the same window as creator's analysis: the last 30
// posts published within 90 days before the creator's FetchedAt (undated
// posts count as recent). See Window.
//
// # Query semantics
//
// User text is never parsed as query syntax. It is analysed with the same
// English analyzer as the fields, and every resulting term must appear in at
// least one of display_name, bio or captions (terms may be spread across
// fields). Text that analyses to no terms (only punctuation or stop words)
// matches nothing. List filters match any of their values, except niches
// with Query.NicheAll and hashtags with Query.HashtagAll. A range on an
// unknown (nil) number never matches. Sorts put creators with an unknown
// value last in both directions and break ties by id, ascending. Relevance
// needs text (or SimilarTo, where it is the similarity score); without it
// the order is by id and no score is given, as for every other sort. A near
// filter is the great-circle distance on a sphere of 6371.0088 km, computed
// from the creator's coordinates; creators without coordinates never match.
//
// Highlights are HTML: the crawled text is escaped with html.EscapeString
// and each matched word is wrapped in <mark>...</mark>, so a fragment is safe
// to insert into a page as it is.
package index
