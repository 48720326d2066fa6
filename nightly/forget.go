package nightly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/ingest"
	"github.com/creatorscout/creatorscout/store"
)

// Unindexer removes a creator from the search index. index.Index
// implements it.
type Unindexer interface {
	Delete(id string) error
}

// Forgetter removes a creator everywhere: the store (the creator, its
// posts, history, list entries, saved-search results, report changes,
// frontier and seen-set entries; see store.Forget), the search index and
// the pipeline's pending index updates. The creator goes on the
// do-not-crawl list and an audit entry is written. Exports read the store
// and the index, so no later export holds it.
type Forgetter struct {
	Store *store.Store
	Index Unindexer
	// Pipeline, when set, is the pipeline of a crawl that may be running in
	// this process: its queued index update for the creator is dropped too.
	Pipeline *ingest.Pipeline
	Now      func() time.Time
}

// ForgetCreator forgets the creator that key names (its id, or its profile
// or source URL). It returns the creator's id and whether it was stored.
// A key that names no stored creator still goes on the do-not-crawl list,
// with an audit entry, so someone not crawled yet is kept out. reason goes
// into the audit log as given: it must not name the creator.
func (f *Forgetter) ForgetCreator(ctx context.Context, key, reason string) (id string, stored bool, err error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", false, creator.Invalid("id", "give a creator id (platform:handle) or a profile URL")
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	id, stored, err = f.Store.CreatorIDByKey(ctx, key)
	if err != nil {
		return "", false, fmt.Errorf("nightly: forget: %w", err)
	}
	if !stored {
		if err := f.Store.Forget(ctx, key, reason, now().UTC()); err != nil {
			return "", false, fmt.Errorf("nightly: forget: %w", err)
		}
		if _, _, ok := creator.SplitID(key); ok && f.Index != nil {
			// Nothing stored, but an index built earlier may still hold it.
			if err := f.Index.Delete(strings.ToLower(key)); err != nil {
				return "", false, fmt.Errorf("nightly: forget: %w", err)
			}
		}
		return "", false, nil
	}
	// Out of the index first: if the store step then fails, the creator is
	// only unsearchable, and forgetting again finishes the job.
	if f.Index != nil {
		if err := f.Index.Delete(id); err != nil {
			return id, true, fmt.Errorf("nightly: forget %s: %w", id, err)
		}
	}
	if f.Pipeline != nil {
		err = f.Pipeline.Forget(ctx, id, reason)
	} else {
		err = f.Store.Forget(ctx, id, reason, now().UTC())
	}
	if err != nil {
		return id, true, fmt.Errorf("nightly: forget %s: %w", id, err)
	}
	// Again, in case a crawl indexed it between the two steps.
	if f.Index != nil {
		if err := f.Index.Delete(id); err != nil {
			return id, true, fmt.Errorf("nightly: forget %s: %w", id, err)
		}
	}
	return id, true, nil
}
