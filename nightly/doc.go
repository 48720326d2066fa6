// Package nightly keeps the data fresh without ever losing it: a scheduler
// that runs one job on a cron schedule, never overlapping itself, and the
// job itself.
//
// # The nightly run
//
// One run, under one crawl-run record of kind "nightly":
//
//  1. takes the "nightly" lock in the store (a row with a lease that the
//     holder renews), so a run never overlaps another one, in this process
//     or in another (serve's scheduler and a `crawl --nightly` from cron);
//  2. picks every creator whose data is older than its refresh interval
//     (Policy: by tier and activity) and queues a profile request for each,
//     built by the creator's source from its platform id where the
//     platform has a stable one (Bluesky DID, YouTube channel id), so a
//     renamed handle is still found;
//  3. re-runs the configured discovery jobs (hashtags, brands, profiles)
//     and bounds snowball discovery by depth and budget;
//  4. crawls them all in one crawl through the ingest pipeline, which
//     stores, analyses (with the creator's history), snapshots and
//     re-indexes the creators whose pages came back; a 304 Not Modified
//     costs no parse, and the creators read from that page are analysed
//     again from what is stored, snapshotted and re-indexed (the same
//     for a page fetched by a discovery job or the snowball, so a page
//     checked unchanged tonight counts as tonight's reading);
//  5. looks at what became of each due creator: refreshed, unchanged,
//     renamed, forgotten (it opted out), deferred (not reached, its host
//     answering) or failed. A failure is recorded on the creator
//     (store.RecordFailure: kind, message, time) and never touches its
//     data; a 404/410 on the profile, or GoneAfter consecutive failures,
//     marks it gone, which hides it from search (it leaves the index) but
//     keeps it in the store;
//  6. stores a report (creator.RunReport): counts, failures by kind, and
//     the changes worth a look: follower jumps since the previous
//     snapshot, new posts naming a tracked competitor brand, and creators
//     newly matching a saved search.
//
// The do-not-crawl list is honoured throughout: due creators on it are
// skipped, the frontier refuses its URLs, and the pipeline refuses to
// store its creators.
//
// Every loop takes its time from an injected clock (crawler.Clock), so the
// tests drive schedules and simulated nights without sleeping.
package nightly
