package store

// Analysis before the write transaction.
//
// Tx.UpsertAnalysed hands its AnalyseFunc what the upsert leaves in the
// store: the creator merged over its stored row, its recent posts as read
// back and its history (and the crawl's analysis reads the contact facts).
// Analysis costs far more than the writes, and all writes go through one
// connection, so running it inside the transaction makes every crawler
// worker wait on it. PreviewUpsert computes, with reads on the reader pool
// and without writing, what UpsertAnalysed would hand over; the caller
// analyses that in its own goroutine, and UpsertAnalysedAhead stores that
// analysis only if the transaction reads exactly what the preview read
// (another write may have come between; then it analyses as before).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/creatorscout/creatorscout/creator"
)

// Preview is what Tx.UpsertAnalysed would hand its AnalyseFunc, and the
// creator's stored contact facts (Tx.ContactFacts).
type Preview struct {
	Creator *creator.Creator   // c merged over the stored row (keep-last-good)
	Posts   []creator.Post     // the recent posts as stored after the upsert, newest first
	History []creator.Snapshot // oldest first
	Facts   []creator.ContactFact
	New     bool // no creator is stored under c's keys: the upsert inserts it

	// What the preview was made from, for UpsertAnalysedAhead to compare
	// with what the transaction reads (the fields above are the caller's
	// to analyse in place).
	pk     int64
	merged creator.Creator
	rows   []postRow
	hist   []creator.Snapshot
	fresh  bool // nothing was stored under c's keys or its posts' ids
}

// seenBy reports whether transaction t, having upserted u, reads the
// store as the preview saw it: then the analysis of the preview is the
// analysis of what t would analyse.
func (pv *Preview) seenBy(t *Tx, u *factsUpserted, rows []postRow, hist []creator.Snapshot) (bool, error) {
	if pv == nil || pv.New != u.created || (!pv.New && pv.pk != u.pk) || len(pv.rows) != len(rows) {
		return false, nil
	}
	if !equalRows(pv.rows, rows) {
		return false, nil
	}
	if !reflect.DeepEqual(pv.merged, u.merged) || !reflect.DeepEqual(pv.hist, hist) {
		return false, nil
	}
	if u.created {
		return pv.Facts == nil, nil // a row just inserted has no facts
	}
	facts, err := contactFactsOf(t.ctx, t.tx, u.pk, u.merged.ID)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(pv.Facts, facts), nil
}

func equalRows(a, b []postRow) bool {
	return slices.EqualFunc(a, b, func(x, y postRow) bool { return slices.Equal(x, y) })
}

// insertFresh is UpsertAnalysedAhead of a creator whose preview found
// nothing stored under its keys or its posts' ids. If that still holds,
// it inserts the analysed creator and posts as they are, which is what
// storing the page's creator and posts and then the analysis leaves, in
// two writes instead of five. It returns nil, nil, having written
// nothing, when the preview no longer holds or does not cover every post
// (more than recent of them).
func (t *Tx) insertFresh(c *creator.Creator, posts []creator.Post, recent int, pv *Preview) (*Upserted, error) {
	if err := t.checkUpsert(c, posts); err != nil {
		return nil, err
	}
	ids, err := postIDsJSON(posts)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	var stored bool
	if err := t.tx.QueryRowContext(t.ctx, qPreviewProbe, c.ID, c.PlatformID, c.Platform, ids).Scan(&stored); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if stored || !reflect.DeepEqual(pv.merged, *c) {
		return nil, nil
	}
	rows, err := previewPostRows(t.ctx, nil, 0, c.ID, posts, ids, recent)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if !equalRows(rows, pv.rows) {
		return nil, nil // other posts than those previewed
	}
	// The posts once each, in the page's order (the order upsertPosts
	// would first insert them in), as analysed.
	analysed := make(map[string]*creator.Post, len(pv.Posts))
	for i := range pv.Posts {
		analysed[pv.Posts[i].ID] = &pv.Posts[i]
	}
	out := make([]creator.Post, 0, len(pv.Posts))
	for _, p := range posts {
		a, ok := analysed[p.ID]
		if !ok {
			return nil, nil // beyond the recent window: not analysed
		}
		if a != nil {
			out = append(out, *a)
			analysed[p.ID] = nil
		}
	}
	// As UpsertAnalysed: a figure the analysis leaves unknown keeps c's.
	m := mergeKeepLastGood(c, pv.Creator)
	if err := validateCreator(&m, nil); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: analysis: %w", c.ID, err)
	}
	pk, err := t.insertCreator(&m, seenAt(t.s, c))
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if err := upsertPosts(t.ctx, t.tx, pk, out); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	return &Upserted{Creator: &m, Posts: pv.Posts, Created: true, Ahead: true}, nil
}

// contactFactsOf reads creator row pk's contact facts as Tx.ContactFacts
// does, naming creator id.
func contactFactsOf(ctx context.Context, q querier, pk int64, id string) ([]creator.ContactFact, error) {
	rows, err := q.QueryContext(ctx, qContactFacts, pk)
	if err != nil {
		return nil, fmt.Errorf("contact facts of %s: %w", id, err)
	}
	facts, err := scanContactFacts(rows, id)
	if err != nil {
		return nil, fmt.Errorf("contact facts of %s: %w", id, err)
	}
	return facts, nil
}

// PreviewUpsert returns what Tx.UpsertAnalysed(c, posts, recent, analyse)
// would hand analyse if it ran now, and the creator's contact facts,
// without writing anything. It makes the
// stored posts in memory as the upsert would (the same encoding, decoding
// and merge of counts a post already stored keeps) and reads the rest in
// one read transaction. A creator the upsert would refuse as invalid or in
// conflict gets that error; the do-not-crawl list is not checked.
func (s *Store) PreviewUpsert(ctx context.Context, c *creator.Creator, posts []creator.Post, recent int) (*Preview, error) {
	if err := validateCreator(c, posts); err != nil {
		return nil, err
	}
	// Not one read transaction: BEGIN and ROLLBACK cost as much as the
	// queries, and a preview that mixes two states of the store differs
	// from what the transaction sees, which the caller detects anyway.
	var pv *Preview
	err := func() error {
		tx := s.reader(ctx)
		ids, err := postIDsJSON(posts)
		if err != nil {
			return err
		}
		// A creator met for the first time, with posts never stored, is
		// the common case of a crawl: one query tells it, and then nothing
		// stored enters its preview.
		var stored bool
		if err := tx.QueryRowContext(ctx, qPreviewProbe, c.ID, c.PlatformID, c.Platform, ids).Scan(&stored); err != nil {
			return err
		}
		var (
			pk  int64
			old *creator.Creator
		)
		if stored {
			if pk, old, err = findForUpsert(ctx, tx, c); err != nil {
				return err
			}
		}
		m, owner := *c, c.ID
		if old != nil {
			// Until UpsertAnalysed updates the row, a renamed creator's
			// posts read back under its old id.
			m, owner = mergeKeepLastGood(old, c), old.ID
		}
		var q querier
		if stored {
			q = tx
		}
		rows, err := previewPostRows(ctx, q, pk, owner, posts, ids, recent)
		if err != nil {
			return err
		}
		pv = &Preview{Creator: &m, New: old == nil, pk: pk, merged: m, rows: rows, fresh: !stored}
		if pv.Posts, err = decodePostRows(rows); err != nil {
			return err
		}
		if pk != 0 {
			if pv.hist, err = readHistory(ctx, tx, pk, m.ID); err != nil {
				return err
			}
			if pv.Facts, err = contactFactsOf(ctx, tx, pk, m.ID); err != nil {
				return err
			}
		}
		pv.History = slices.Clone(pv.hist)
		return nil
	}()
	if err != nil {
		return nil, wrapErr("preview upsert of "+c.ID, err)
	}
	return pv, nil
}

// postRow is a post's columns in postCols order, as the driver returns
// them (string, int64 or nil).
type postRow []any

// Scan assigns the row as database/sql would for scanPost's destinations.
func (r postRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("post row: %d columns, %d destinations", len(r), len(dest))
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *string:
			v, ok := r[i].(string)
			if !ok {
				return fmt.Errorf("post row: column %d is %T, not a string", i, r[i])
			}
			*d = v
		case *int64:
			v, ok := r[i].(int64)
			if !ok {
				return fmt.Errorf("post row: column %d is %T, not an integer", i, r[i])
			}
			*d = v
		case sql.Scanner:
			if err := d.Scan(r[i]); err != nil {
				return fmt.Errorf("post row: column %d: %w", i, err)
			}
		default:
			return fmt.Errorf("post row: cannot scan into %T", d)
		}
	}
	return nil
}

// Columns of postCols that the upsert merges with COALESCE (a nil new
// value keeps the stored one), and the two the order reads.
const (
	colID          = 0
	colPublished   = 3
	colDisclosure  = 12
	colBrands      = 13
	colUndisclosed = 14
	colFetched     = 15
)

// postColCount is how many columns postCols names.
var postColCount = strings.Count(postCols, ",") + 1

var coalesced = []int{colPublished, 5, 6, 7, 8, colFetched} // published_at, likes, comments, views, shares, fetched_at

// postIDsJSON is the posts' ids as a JSON array, for json_each.
func postIDsJSON(posts []creator.Post) (string, error) {
	ids := make([]string, len(posts))
	for i := range posts {
		ids[i] = posts[i].ID
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

// previewPostRows returns the rows the creator's recent posts would read
// back as after upserting posts (whose ids are the JSON array ids) under
// row pk (0: a new creator) whose id is owner: the stored posts the upsert
// leaves alone and the upserted ones, each merged with the row it
// replaces, newest first, at most recent (all when recent <= 0). With q
// nil nothing is stored under pk or the posts' ids, and nothing is read.
func previewPostRows(ctx context.Context, q querier, pk int64, owner string, posts []creator.Post, ids string, recent int) ([]postRow, error) {
	// The rows already stored under the new posts' ids, whoever owns them.
	byID := map[string]postRow{}
	if len(posts) > 0 && q != nil {
		stored, err := queryPostRows(ctx, q, qPostsByIDs, ids)
		if err != nil {
			return nil, err
		}
		for _, r := range stored {
			byID[r[colID].(string)] = r
		}
	}
	// Upsert them in page order, as upsertPosts does.
	var out []postRow
	upserted := map[string]int{}
	for i := range posts {
		r, err := postValues(&posts[i], owner)
		if err != nil {
			return nil, fmt.Errorf("post %s: %w", posts[i].ID, err)
		}
		id := posts[i].ID
		if j, ok := upserted[id]; ok {
			mergeRow(r, out[j])
			out[j] = r
			continue
		}
		if old, ok := byID[id]; ok {
			mergeRow(r, old)
		}
		upserted[id] = len(out)
		out = append(out, r)
	}
	// The creator's other stored posts: of its newest recent+len(posts),
	// at most len(posts) are upserted, so the newest recent others are
	// among them.
	if pk != 0 && q != nil {
		limit := -1
		if recent > 0 {
			limit = recent + len(posts)
		}
		stored, err := queryPostRows(ctx, q, qPostsOf, pk, limit)
		if err != nil {
			return nil, err
		}
		for _, r := range stored {
			if _, ok := upserted[r[colID].(string)]; !ok {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return postRowNewer(out[i], out[j]) })
	if recent > 0 && len(out) > recent {
		out = out[:recent]
	}
	return out, nil
}

// mergeRow fills the nil merged columns of r from old, as the upsert's
// COALESCE does.
func mergeRow(r, old postRow) {
	for _, i := range coalesced {
		if r[i] == nil {
			r[i] = old[i]
		}
	}
}

// postRowNewer is postOrder: published first, newest first, then id descending.
func postRowNewer(a, b postRow) bool {
	pa, aok := a[colPublished].(string)
	pb, bok := b[colPublished].(string)
	if aok != bok {
		return aok
	}
	if aok && pa != pb {
		return pa > pb
	}
	return a[colID].(string) > b[colID].(string)
}

// queryPostRows runs query (of postCols) and reads its rows.
func queryPostRows(ctx context.Context, q querier, query string, args ...any) ([]postRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return readPostRows(rows)
}

func readPostRows(rows *sql.Rows) ([]postRow, error) {
	defer rows.Close()
	var out []postRow
	for rows.Next() {
		r := make(postRow, postColCount)
		dest := make([]any, len(r))
		for i := range r {
			dest[i] = &r[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for i, v := range r {
			if b, ok := v.([]byte); ok {
				r[i] = string(b)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
