// Package simnet is a synthetic creator network for the demo, the tests and
// the benchmarks. It generates a population of creators deterministically
// from a seed and serves it on loopback, one listener per host, in the real
// published wire shapes of the Mastodon REST API, the Bluesky public AppView
// XRPC, the YouTube Data API v3, the Instagram Graph API, TikTok-style
// profile pages and HTML profile pages (schema.org JSON-LD, OpenGraph and
// microformats2), and the link-in-bio pages and personal websites a share
// of creators link to (linkpage.go).
//
// Generation is pure: New builds creators, posts, hashtags, locations,
// brands, opt-outs and traps from Options alone. Start opens the listeners;
// from then on Creators reports the ground truth with the real loopback
// addresses, so a test can compare what a crawler stored with what the
// network holds. Mutations (AdvanceDay, SetGone, OptOut, Rename,
// SetHostDown, SetHostRefusing) are driven by the caller, never by timers.
//
// Every host serves /robots.txt, answers conditional requests with 304,
// compresses with zstd or gzip when asked (zstd first, as servers that have
// it do), and logs every request with a timestamp from Options.Clock, so
// tests can prove robots rules and per-host rates are honoured.
//
// Production code never imports simnet, and simnet imports no creatorscout
// package: its wire output is the only contract.
package simnet
