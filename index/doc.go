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
// # Three parts
//
// A generation of the index (generation.go) holds, per creator:
//
//   - in bleve, only the analysed text: display_name, bio and captions
//     (the window posts' captions), with the English analyzer, indexed with
//     frequencies and norms, no term vectors, nothing stored, no doc
//     values. The text can be split into shards by a hash of the id;
//   - in the document log (docslog.go), an append-only file, one record
//     per write: the creator's facts, its JSON (without the Analysis
//     evidence, which the store serves) and its window captions. A hit is
//     one read of it; highlights are computed from it;
//   - in the table (table.go, in memory), the facts: keyword values
//     (platform, tier, niches, country (upper case), region and city
//     (lower case), language, hashtags, brands (lower case), brand|class,
//     flags, geo cells) as small integers in columns with a roaring bitmap
//     of rows per value, the numbers (followers, engagement rate, last
//     post, 30-day growth, authenticity, coordinates) in columns, and where
//     each row's record lies in the log. It is saved as a snapshot
//     (tablesnap.go) and loaded from it when the generation is opened.
//
// A search runs the text, if any, on bleve's postings as bitmaps
// (textfast.go; bleve's searcher only when the sort is by relevance) and
// everything else on the table: keyword filters are bitmap unions and
// intersections, ranges and the exact geo distance are checked row by row,
// facets are a pass over columns (cached for broad queries, facetcache.go),
// and the page is a top-k over a column. BLEVE_NOTES.md measured per-hit
// doc-value decoding (sorts and facets) as most of a query's time at 1M
// creators; the table removes it.
//
// A write goes to the log first (synced), then to the text, then to the
// table. The text shards record, atomically with each batch, how far into
// the log they have applied, and the snapshot says how far it covers, so
// after a crash Open replays the rest of the log into both; bleve's
// batches need not wait for the disk. Text is analysed before it reaches
// bleve, with bleve's own analyzer behind a memory of the white-space
// separated chunks already seen (textan.go).
//
// # The directory
//
// The index directory holds generations and a pointer file CURRENT naming
// the live one; see layout.go. Rebuild builds a new generation beside the
// live one while searches go on, replays the writes made meanwhile and
// swaps the pointer atomically (write, fsync, rename); the old generation
// is closed once no search holds it and then deleted. Build does the same
// from another process; an open Index notices the new pointer
// (Options.PollInterval, or Refresh) and adopts it. A generation is
// complete on disk before any pointer names it, so a process killed at any
// point leaves an index that opens.
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
