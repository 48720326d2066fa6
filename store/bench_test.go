package store

import (
	"context"
	"fmt"
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
