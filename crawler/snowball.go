package crawler

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// MetaRestartDepth marks a Request whose crawl depth starts again at 1, as
// a seed's links do. Only Snowball sets it, on the snowball profile
// requests it admits: a snowballed creator is a new starting point, bounded
// by the snowball's depth and budget rather than by MaxDepth (which would
// otherwise cut a creator's profile -> uploads -> videos chain short). The
// crawler reads it in one place, when it queues a page's next requests.
const MetaRestartDepth = "restart_depth"

// Snowball bounds snowball discovery, the creators @mentioned by creators
// already found. Sources mark the profile request for a mentioned creator
// with source.MetaSnowball (its hop: 1 for a creator mentioned by one found
// through a hashtag, brand or profile job) and source.MetaSnowballID (the
// creator it is for). Snowball lets such a request through only when its
// hop is at most Depth, the creator was not already found or asked for in
// this run, and fewer than Budget snowball profiles were let through
// before. Requests without source.MetaSnowballID pass untouched.
//
// One Snowball serves one run: make a new one, and Wrap the sources again,
// for every run. It is safe for concurrent use by the crawler's workers.
//
// With a StateStore (WithStateStore), the budget is the run's, not the
// process's: the crawler binds the Snowball to its run before crawling,
// each admission is recorded before the request is let through, and a run
// resumed after kill -9 starts from what its earlier processes spent. A
// killed process may have recorded a profile whose page never committed,
// so a resumed run can under-spend its budget by a few profiles; it never
// over-spends it. Without a StateStore the budget lives in memory.
type Snowball struct {
	depth, budget int

	mu       sync.Mutex
	found    map[string]bool // creators the run's pages named
	admitted map[string]bool // snowball profiles let through
	stats    SnowballStats

	// Bound to a run (bind).
	runID int64
	bound bool
	ctx   context.Context
	state StateStore
}

// SnowballStats counts what a Snowball did with the snowball requests it saw.
type SnowballStats struct {
	Admitted   int // let through: the budget spent by this process
	Known      int // dropped: the creator was already found or asked for
	TooDeep    int // dropped: more hops than the depth allows
	OverBudget int // dropped: the budget was spent
	// Before is the budget the run's earlier processes spent (a resumed
	// run with a StateStore); the budget left is budget-Before-Admitted.
	Before int
	// Unrecorded: dropped because the spend could not be recorded in the
	// StateStore (a budget that cannot be kept is not spent).
	Unrecorded int
}

// NewSnowball bounds snowballing to depth hops and budget profiles per run.
// A depth or budget of 0 (or less) turns snowballing off: every snowball
// request is dropped.
func NewSnowball(depth, budget int) *Snowball {
	return &Snowball{depth: max(depth, 0), budget: max(budget, 0), found: map[string]bool{}, admitted: map[string]bool{}}
}

// bind ties s to run runID and reads what the run spent before.
func (s *Snowball) bind(ctx context.Context, st StateStore, runID int64) error {
	spent, err := st.SnowballSpent(ctx, runID)
	if err != nil {
		return fmt.Errorf("snowball budget: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bound && s.runID != runID {
		return fmt.Errorf("snowball budget: this Snowball serves run %d; make a new one for run %d", s.runID, runID)
	}
	s.bound, s.runID, s.ctx, s.state = true, runID, ctx, st
	s.stats.Before = max(spent, 0)
	return nil
}

// Wrap returns the sources with every Parse result passed through s.
func (s *Snowball) Wrap(srcs []source.Source) []source.Source {
	out := make([]source.Source, len(srcs))
	for i, src := range srcs {
		out[i] = snowballSource{Source: src, sb: s}
	}
	return out
}

// Stats returns the counts so far.
func (s *Snowball) Stats() SnowballStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// filter applies the bounds to res.Next in place.
func (s *Snowball) filter(res *source.Result) {
	if res == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range res.Creators {
		s.found[c.ID] = true
	}
	out := res.Next[:0]
	for _, n := range res.Next {
		if _, set := n.Meta[MetaRestartDepth]; set {
			// Only Snowball may restart the depth count.
			n.Meta = maps.Clone(n.Meta)
			delete(n.Meta, MetaRestartDepth)
		}
		id := n.Meta[source.MetaSnowballID]
		if id == "" {
			out = append(out, n)
			continue
		}
		hop := source.SnowballHop(n.Meta)
		switch {
		case hop < 1 || hop > s.depth:
			s.stats.TooDeep++
			continue
		case s.found[id] || s.admitted[id]:
			s.stats.Known++
			continue
		case s.stats.Before+s.stats.Admitted >= s.budget:
			s.stats.OverBudget++
			continue
		}
		if s.state != nil {
			// Record the spend first: a crash after this costs a profile,
			// one before it cannot let the run over its budget.
			if err := s.state.AddSnowballSpent(s.ctx, s.runID, 1); err != nil {
				s.stats.Unrecorded++
				continue
			}
		}
		s.admitted[id] = true
		s.stats.Admitted++
		n.Meta = maps.Clone(n.Meta)
		n.Meta[MetaRestartDepth] = "1"
		out = append(out, n)
	}
	clear(res.Next[len(out):])
	res.Next = out
}

// snowballSource is a source whose results pass through a Snowball.
type snowballSource struct {
	source.Source
	sb *Snowball
}

func (w snowballSource) snowball() *Snowball { return w.sb }

// Parse parses with the wrapped source, then bounds the snowball requests.
func (w snowballSource) Parse(p *source.Page) (*source.Result, error) {
	res, err := w.Source.Parse(p)
	w.sb.filter(res)
	return res, err
}

// restartsDepth reports whether any of next starts the depth count again.
func restartsDepth(next []source.Request) bool {
	for _, n := range next {
		if n.Meta[MetaRestartDepth] != "" {
			return true
		}
	}
	return false
}

// nextDepth is the crawl depth of n, queued from a page one level above
// depth: depth itself, or 1 for a request that restarts the count.
func nextDepth(depth int, n source.Request) int {
	if n.Meta[MetaRestartDepth] != "" {
		return 1
	}
	return depth
}
