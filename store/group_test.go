package store

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// TestWriteTxGroupsWaitingCalls: calls that wait while a transaction runs
// commit together, and each still ends as if alone: a failing or panicking
// call leaves nothing behind, a call cancelled before its turn does not run,
// and the others' writes are all stored.
func TestWriteTxGroupsWaitingCalls(t *testing.T) {
	s := openT(t)
	ctx := context.Background()
	var order []string // OnCommit calls, in the order they ran
	put := func(handle string) func(tx *Tx) error {
		return func(tx *Tx) error {
			tx.OnCommit(func() { order = append(order, handle) })
			_, err := tx.UpsertCreator(fullCreator(handle, ""), nil)
			return err
		}
	}
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.WriteTx(ctx, func(tx *Tx) error {
			if err := put("lead")(tx); err != nil {
				return err
			}
			<-release // the others queue up meanwhile
			return nil
		})
	}()
	for !s.leading() {
		runtime.Gosched()
	}

	errBoom := errors.New("boom")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	calls := []struct {
		name string
		ctx  context.Context
		fn   func(tx *Tx) error
	}{
		{"ok1", ctx, put("ok1")},
		{"fails", ctx, func(tx *Tx) error {
			if err := put("fails")(tx); err != nil {
				return err
			}
			return errBoom
		}},
		{"ok2", ctx, put("ok2")},
		{"panics", ctx, func(tx *Tx) error {
			if err := put("panics")(tx); err != nil {
				return err
			}
			panic("kaboom")
		}},
		{"cancelled", cancelled, func(tx *Tx) error { ran = true; return put("cancelled")(tx) }},
		{"ok3", ctx, put("ok3")},
	}
	type result struct {
		err  error
		pval any
	}
	results := make([]result, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { results[i].pval = recover() }()
			results[i].err = s.WriteTx(c.ctx, c.fn)
		}()
		for s.queued() < i+1 { // the ones so far wait, in order (the first call left the queue)
			runtime.Gosched()
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first call: %v", err)
	}
	wg.Wait()

	for i, c := range calls {
		r := results[i]
		switch c.name {
		case "fails":
			if !errors.Is(r.err, errBoom) || r.pval != nil {
				t.Errorf("%s: err %v, panic %v; want boom", c.name, r.err, r.pval)
			}
		case "panics":
			if r.pval != "kaboom" || r.err != nil {
				t.Errorf("%s: err %v, panic %v; want the panic kaboom raised in its caller", c.name, r.err, r.pval)
			}
		case "cancelled":
			if !errors.Is(r.err, context.Canceled) || ran {
				t.Errorf("%s: err %v, ran %v; want context.Canceled without running", c.name, r.err, ran)
			}
		default:
			if r.err != nil || r.pval != nil {
				t.Errorf("%s: err %v, panic %v", c.name, r.err, r.pval)
			}
		}
	}
	for _, h := range []string{"lead", "ok1", "ok2", "ok3", "fails", "panics", "cancelled"} {
		_, err := s.Creator(ctx, creator.MakeID(creator.Mastodon, h))
		stored := err == nil
		want := h == "lead" || h == "ok1" || h == "ok2" || h == "ok3"
		if stored != want || (err != nil && creator.ErrorCode(err) != creator.ENOTFOUND) {
			t.Errorf("creator %s: stored %v (err %v), want %v", h, stored, err, want)
		}
	}
	// OnCommit ran for the committed calls alone, in commit order.
	if got := strings.Join(order, " "); got != "lead ok1 ok2 ok3" {
		t.Errorf("OnCommit ran for %q, want \"lead ok1 ok2 ok3\"", got)
	}
	// The first call ran alone; the six that waited ran in one transaction.
	if got := s.group.commits.Load(); got != 2 {
		t.Errorf("%d commits, want 2 (the first call, then the group)", got)
	}
	if s.leading() || s.queued() != 0 {
		t.Errorf("after the calls: leading %v, %d queued; want idle", s.leading(), s.queued())
	}
	// The writer still works, alone.
	if err := s.WriteTx(ctx, put("after")); err != nil {
		t.Fatal(err)
	}
}

func (s *Store) leading() bool {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return s.group.leading
}

func (s *Store) queued() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.queue)
}
