package store

// Group commit.
//
// The crawler stores each page's outcome in a WriteTx of its own, and on
// two cores a few dozen workers finish pages faster than one connection
// commits them one by one: every commit appends each B-tree page it dirtied
// (the creators, posts, frontier and seen tables and their indexes) to the
// WAL again, and pays SQLite's commit path again. WriteTx therefore runs
// the transactions that wait for the writer together, in one SQLite
// transaction, each inside a savepoint of its own:
//
//   - The first caller to find no transaction running leads: it takes the
//     waiting calls (itself included, in arrival order, at most maxGroup),
//     begins, runs each function inside SAVEPOINT, commits, and tells each
//     caller how it ended. Calls that arrive meanwhile wait for the next
//     group, which the leader hands to the oldest of them.
//   - A function that fails (or panics) is rolled back to its savepoint:
//     its caller gets its error (or its panic, raised again on the caller's
//     goroutine), and the others' work stands, as if each had its own
//     transaction.
//   - No caller returns before the commit that holds its work: a WriteTx
//     that returned nil is as durable as before, and a kill -9 loses only
//     work whose callers were still waiting.
//   - A call alone (no other waiting) runs as a plain transaction, without
//     the savepoint.
//   - Callers of one group return together, in no set order. What must
//     follow the order of the writes (the ingest pipeline's index queue,
//     where a creator's later version must replace its earlier one) is
//     done in Tx.OnCommit, which the leader runs in commit order.
//
// A call whose ctx is done before its function starts returns ctx's error
// without running it. Once started, a function runs to its end with ctx's
// values but not its cancellation: an interrupt would stop the statement
// of whichever call holds the connection, and could undo the whole group.

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
)

// maxGroup bounds how many calls one commit holds, so a caller waits for at
// most this many functions ahead of its own.
const maxGroup = 64

const (
	qSavepoint  = "SAVEPOINT tx"
	qRelease    = "RELEASE tx"
	qRollbackTo = "ROLLBACK TO tx"
)

func init() {
	hotQueries = append(hotQueries, qSavepoint, qRelease, qRollbackTo)
}

// committer queues the WriteTx calls waiting for the writer.
type committer struct {
	mu      sync.Mutex
	queue   []*txCall
	leading bool // a caller is running groups; the others wait
	max     int  // calls per group when > 0 (benchmarks compare 1); else maxGroup

	commits atomic.Int64 // transactions committed, for tests
}

// txCall is one WriteTx call.
type txCall struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	err  error
	pval any  // a panic of fn, raised again by its caller
	lead bool // woken to lead the next group, not done

	onCommit []func() // Tx.OnCommit, run in order after the commit
	done     chan struct{}
}

// groupTx runs fn in a transaction shared with the other calls waiting
// (see the file comment) and returns its outcome: fn's error, or the
// transaction's, unwrapped.
func (s *Store) groupTx(ctx context.Context, fn func(tx *Tx) error) error {
	c := &txCall{ctx: ctx, fn: fn, done: make(chan struct{}, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		<-c.done
		lead = c.lead
	}
	if lead {
		s.lead(c)
	}
	if c.pval != nil {
		panic(c.pval)
	}
	return c.err
}

// lead runs groups off the queue until me has run, then hands the queue to
// the oldest waiting call, or leaves it idle.
func (s *Store) lead(me *txCall) {
	g := &s.group
	for {
		g.mu.Lock()
		limit := maxGroup
		if g.max > 0 {
			limit = g.max
		}
		n := min(len(g.queue), limit)
		batch := make([]*txCall, n)
		copy(batch, g.queue)
		g.queue = g.queue[n:]
		g.mu.Unlock()
		mine := false
		for _, c := range batch {
			mine = mine || c == me
		}
		s.runGroup(batch)
		for _, c := range batch {
			if c != me {
				c.done <- struct{}{}
			}
		}
		if mine {
			break
		}
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		next.done <- struct{}{}
	} else {
		g.leading = false
		g.queue = nil
	}
	g.mu.Unlock()
}

// runGroup runs batch in one transaction and sets each call's outcome.
func (s *Store) runGroup(batch []*txCall) {
	var run []*txCall
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			continue
		}
		run = append(run, c)
	}
	if len(run) == 0 {
		return
	}
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, c := range run {
			c.err = err
		}
		return
	}
	t := &txn{Tx: tx, prepared: s.prepared}
	grouped := len(run) > 1 // a call alone needs no savepoint
	var ok []*txCall
	for i, c := range run {
		if grouped {
			if _, err := t.ExecContext(context.Background(), qSavepoint); err != nil {
				failAll(tx, run[i:], ok, err)
				return
			}
		}
		c.err, c.pval = call(t, s, c)
		if c.err == nil && c.pval == nil {
			if grouped {
				if _, err := t.ExecContext(context.Background(), qRelease); err != nil {
					failAll(tx, run[i:], ok, err)
					return
				}
			}
			ok = append(ok, c)
			continue
		}
		c.onCommit = nil // its writes are undone below
		if !grouped {
			break
		}
		// Undo c's work alone. If that fails the transaction's state is
		// unknown: nothing of it may be committed.
		_, err := t.ExecContext(context.Background(), qRollbackTo)
		if err == nil {
			_, err = t.ExecContext(context.Background(), qRelease)
		}
		if err != nil {
			failAll(tx, run[i+1:], ok, fmt.Errorf("undo a failed write of the group: %w", err))
			return
		}
	}
	if len(ok) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, c := range ok {
			c.err = err
		}
		return
	}
	s.group.commits.Add(1)
	committed(ok)
}

// call runs c's function on t and recovers its panic.
func call(t *txn, s *Store, c *txCall) (err error, pval any) {
	defer func() {
		if p := recover(); p != nil {
			err, pval = nil, p
		}
	}()
	return c.fn(&Tx{ctx: context.WithoutCancel(c.ctx), tx: t, s: s, call: c}), nil
}

// committed runs the OnCommit functions of calls, in order. A panic is
// raised again by the caller whose function registered it.
func committed(calls []*txCall) {
	for _, c := range calls {
		for _, f := range c.onCommit {
			if c.pval = recovered(f); c.pval != nil {
				break
			}
		}
		c.onCommit = nil
	}
}

func recovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// failAll rolls tx back and gives err to the calls not yet run (rest) and
// to those whose work it held (done).
func failAll(tx *sql.Tx, rest, done []*txCall, err error) {
	_ = tx.Rollback()
	for _, c := range rest {
		if c.err == nil && c.pval == nil {
			c.err = err
		}
	}
	for _, c := range done {
		c.err = err
	}
}
