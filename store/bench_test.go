package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// BenchmarkUpsertCreator measures one UpsertCreator of a creator with 15
// posts. Iteration 2k inserts creator k and iteration 2k+1 refreshes it
// (the nightly case), so half are inserts and half updates.
func BenchmarkUpsertCreator(b *testing.B) {
	ctx := context.Background()
	s := openT(b)
	var (
		c     *creator.Creator
		posts []creator.Post
	)
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			c = fullCreator(fmt.Sprintf("u%d@bench.example", i/2), fmt.Sprint(i/2))
			posts = fullPosts(c, 15)
		}
		if _, err := s.UpsertCreator(ctx, c, posts); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWriteTxParallel stores a new creator with 3 posts per WriteTx
// from 32 goroutines, as the crawler's workers do: "alone" commits each
// call by itself, "grouped" lets the calls that wait commit together.
func BenchmarkWriteTxParallel(b *testing.B) {
	for _, bc := range []struct {
		name string
		max  int
	}{{"alone", 1}, {"grouped", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			s := openT(b)
			s.group.max = bc.max
			var n atomic.Int64
			b.SetParallelism(16) // × GOMAXPROCS goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := n.Add(1)
					c := fullCreator(fmt.Sprintf("p%d@bench.example", k), fmt.Sprint(k))
					posts := fullPosts(c, 3)
					if err := s.WriteTx(ctx, func(tx *Tx) error {
						_, err := tx.UpsertCreator(c, posts)
						return err
					}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(s.group.commits.Load())/float64(b.N), "commits/op")
		})
	}
}
