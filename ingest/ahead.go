package ingest

import (
	"context"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// Analysis ahead of the write.
//
// Every write goes through the store's one writer connection, so whatever
// runs inside a page's transaction runs one page at a time. Analysis (about
// 1 ms a page, more than the writes) used to run there. Put now analyses
// each creator in the calling crawler worker, concurrently with the other
// workers, from store.PreviewUpsert: what the transaction would analyse.
// The transaction stores that analysis only if it finds the store as the
// preview saw it (store.Tx.UpsertAnalysedAhead); if another write came in
// between, it analyses what it reads, as before. Either way one page is one
// transaction and what is stored is the same.

// analyseAhead previews and analyses every creator page write w touches,
// as of now, and sets w's clock so that the commit analyses (if it must)
// as of the same time.
func (p *Pipeline) analyseAhead(ctx context.Context, w *pageWrite) {
	w.now = p.now().UTC()
	if p.noAhead {
		return
	}
	for i := range w.creators {
		cw := &w.creators[i]
		cw.ahead, cw.stale = p.previewAnalysed(ctx, &cw.c, cw.posts, w.now)
	}
	for i := range w.orphans {
		ow := &w.orphans[i]
		c, err := p.store.Creator(ctx, ow.id)
		if err != nil {
			continue // not stored (yet): the commit decides
		}
		ow.ahead, ow.stale = p.previewAnalysed(ctx, c, ow.posts, w.now)
	}
}

// previewAnalysed is the preview of upserting c and posts, analysed as the
// commit's analyser (contacts.go) analyses: Analyze, then the creator's
// stored contact facts merged, but the stale ones, which it reports for
// the commit to delete. nil when no preview can be made: the commit then
// says what is wrong, or analyses what it reads.
func (p *Pipeline) previewAnalysed(ctx context.Context, c *creator.Creator, posts []creator.Post, now time.Time) (pv *store.Preview, stale bool) {
	pv, err := p.store.PreviewUpsert(ctx, c, posts, RecentPosts)
	if err != nil {
		return nil, false
	}
	return pv, p.analyseWithFacts(pv.Creator, pv.Posts, pv.History, pv.Facts, now)
}
