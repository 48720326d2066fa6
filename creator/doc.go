// Package creator holds creatorscout's domain: the Creator and Post types
// that every other package speaks, the search Query, the error codes the API
// maps to HTTP statuses, and the pure analysis functions (tier, engagement,
// niche, location, disclosure, authenticity, growth) that turn crawled facts
// into figures with their evidence.
//
// It imports the standard library only. Crawlers fill these types, the store
// persists them, the index makes them searchable and the API serves them.
//
// Unknown numbers are nil pointers, never 0: a hidden like count, an absent
// comment count or an unpublished follower count must not drag an average
// down or make a creator look worse than it is.
package creator
