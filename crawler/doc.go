// Package crawler fetches pages politely and hands them to the sources in
// crawler/source/* and then to a Sink (the store).
//
// It owns:
//   - the run loop: seeds go into a Frontier (durable in the store,
//     MemFrontier otherwise), a dispatcher leases items into per-host
//     queues, and a fixed pool of Config.Parallelism workers fetches them;
//   - politeness: robots.txt per RFC 9309 (package crawler/robots) with
//     Crawl-delay up to a cap, each of its up to 5 redirects a request of
//     its own paced by its target's host, one pacer per host (pace.go: a
//     golang.org/x/time/rate limiter consulted by reservation, so a late
//     wake-up keeps its slot, plus a sliding window on send times that holds
//     a host at Rate req/s to ceil(Rate) requests in any second; host:port,
//     configured by HostRules globs, evicted when idle) whose slot is taken
//     before a worker is, a cap on concurrent requests per host, pauses on
//     429/503 Retry-After, exponential backoff with jitter, bounded retries
//     of timeouts and network errors only (errKind: what would fail the
//     same way again fails the URL at once, and a host name that does not
//     exist skips the host), and per-source API quotas;
//   - state that outlives a process, through an optional StateStore (the
//     store): robots.txt copies (fresh for 24 h, a good copy standing in for
//     30 days) and each run's snowball spend;
//   - safety: an SSRF guard at connect time (code.dny.dev/ssrf), a body cap
//     counted after decompression, header and total timeouts, redirects
//     queued as requests of their own (paced like any other) with a chain
//     limit and loop detection, and trap filters on every queued URL (length,
//     repeated path segments, session ids, depth, page budgets per run and
//     per host);
//   - decoding: zstd (RFC 9659, windows up to 8 MB) and gzip bodies,
//     decoded by the crawler itself, and every body reaches a source as
//     valid UTF-8;
//   - incremental fetching: If-None-Match / If-Modified-Since from the seen
//     set, and a 304 costs no parse;
//   - observability: slog records, a Progress callback for a TTY line,
//     Prometheus metrics, and the creator.RunSummary of each run.
//
// colly v2 does the request/response plumbing: each worker calls a
// synchronous Collector.Request and gets the response through OnResponse.
// Its unsafe defaults (robots.txt, the visited set, the body cap before
// gunzip, Async goroutines per URL, LimitRules, charset re-encoding) are
// switched off or overridden in newCollector and limitTransport; the
// comments there cite /work/shared/COLLY_NOTES.md.
//
// The crawler never imports the store: cmd adapts store.Store to Frontier
// (FrontierItem has store.FrontierItem's fields, so a type conversion
// carries one to the other; the store's FrontierNext satisfies
// FrontierNexter) and to Sink. Sources never fetch; the crawler never parses
// formats.
package crawler
