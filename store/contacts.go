package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// Contact facts: what the pages a creator links to say
// (migrations/0003_contacts.sql). Each fact is filed under a creator and
// under the contact page its profile links to; CopyContactFacts gives a
// page's facts to another creator linking to it.

const (
	// qContactFacts reads creator pk's own facts.
	qContactFacts = `SELECT f.source_url, f.kind, f.value, f.fetched_at FROM contact_facts f
		WHERE f.creator_pk=? ORDER BY f.fetched_at, f.source_url, f.seq`
	// qContactHolders lists the creators holding facts for a page.
	qContactHolders = `SELECT DISTINCT c.id FROM contact_facts f JOIN creators c ON c.pk = f.creator_pk
		WHERE f.page_key=? ORDER BY c.id`
	// qContactCopy copies to creator pk the latest reading of each page
	// filed under a page key, unless pk holds facts for that key.
	qContactCopy = `INSERT INTO contact_facts (creator_pk, page_key, source_url, kind, value, seq, fetched_at)
		SELECT ?, f.page_key, f.source_url, f.kind, f.value, f.seq, f.fetched_at FROM contact_facts f
		WHERE f.page_key=? AND f.creator_pk<>?
		  AND NOT EXISTS (SELECT 1 FROM contact_facts o WHERE o.creator_pk=? AND o.source_url=f.source_url)
		  AND f.fetched_at = (SELECT max(l.fetched_at) FROM contact_facts l WHERE l.page_key=f.page_key AND l.source_url=f.source_url)
		ON CONFLICT (creator_pk, source_url, kind, value) DO NOTHING`
	qContactPageFacts = `SELECT kind, value, fetched_at FROM contact_facts
		WHERE creator_pk=? AND source_url=? ORDER BY seq`
	qContactDeletePage = `DELETE FROM contact_facts WHERE creator_pk=? AND source_url=?`
	qContactInsert     = `INSERT INTO contact_facts (creator_pk, page_key, source_url, kind, value, seq, fetched_at)
		VALUES (?,?,?,?,?,?,?) ON CONFLICT (creator_pk, source_url, kind, value) DO NOTHING`
	qContactSources = `SELECT DISTINCT source_url FROM contact_facts WHERE creator_pk=?`
	// qContactStale deletes creator pk's facts read before a time. Times
	// are stored in one fixed-width UTC layout, so text order is time order.
	qContactStale = `DELETE FROM contact_facts WHERE creator_pk=? AND fetched_at < ?`
	// qContactConfirm moves to ?1 the fetch time of every fact read from
	// page ?2 before it: the page answered 304 Not Modified at ?1.
	qContactConfirm = `UPDATE contact_facts SET fetched_at=?1 WHERE source_url=?2 AND fetched_at < ?1`
)

func init() {
	hotQueries = append(hotQueries, qContactFacts, qContactHolders, qContactCopy, qContactPageFacts, qContactDeletePage, qContactInsert, qContactStale, qContactConfirm)
}

// PutContactFacts is PutContactPageFacts for a page the profile links to
// itself (a link-in-bio page): page and source are pageURL.
func (t *Tx) PutContactFacts(id, pageURL string, facts []creator.ContactFact) (removed []creator.ContactFact, err error) {
	return t.PutContactPageFacts(id, pageURL, pageURL, facts)
}

// PutContactPageFacts replaces what the page at sourceURL said about
// creator id with facts, all of which must be that creator's (or
// nobody's) and read from sourceURL, filed under the contact page page:
// the page id's profile links to, or the website home sourceURL was found
// on. The page was read again, so a fact it no longer gives goes. It
// returns the facts the page gave before and gives no longer. Facts are
// normalised (lower-case addresses, NormalizeLink's links) and
// deduplicated.
//
// A creator that is not stored is ENOTFOUND (it was never stored, opted out
// or was forgotten since the page was queued); a bad fact is EINVALID,
// naming the field. Both are reported before anything is written.
func (t *Tx) PutContactPageFacts(id, page, sourceURL string, facts []creator.ContactFact) (removed []creator.ContactFact, err error) {
	key := creator.ContactPageKey(page)
	if key == "" || strings.TrimSpace(sourceURL) == "" {
		return nil, creator.Invalid("source_url", "contact facts of %s: page %q or source %q is empty", id, page, sourceURL)
	}
	norm := make([]creator.ContactFact, 0, len(facts))
	for i, f := range facts {
		if (f.CreatorID != "" && f.CreatorID != id) || f.SourceURL != sourceURL {
			return nil, creator.Invalid("contacts", "contact fact %d (%s from %s for %q) is not of creator %s and page %s", i, f.Kind, f.SourceURL, f.CreatorID, id, sourceURL)
		}
		f.CreatorID = id
		n, err := f.Normalize()
		if err != nil {
			return nil, err
		}
		if err := checkTime("fetched_at", n.FetchedAt); err != nil {
			return nil, err
		}
		norm = append(norm, n)
	}
	var pk int64
	if err := t.tx.QueryRowContext(t.ctx, qCreatorPK, id).Scan(&pk); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("creator", id)
		}
		return nil, fmt.Errorf("store: contact facts of %s: %w", id, err)
	}
	old, err := t.pageFacts(pk, id, sourceURL)
	if err != nil {
		return nil, fmt.Errorf("store: contact facts of %s from %s: %w", id, sourceURL, err)
	}
	if _, err := t.tx.ExecContext(t.ctx, qContactDeletePage, pk, sourceURL); err != nil {
		return nil, fmt.Errorf("store: contact facts of %s from %s: %w", id, sourceURL, err)
	}
	now := map[string]bool{}
	for i, f := range norm {
		now[f.Kind+"\x00"+f.Value] = true
		if _, err := t.tx.ExecContext(t.ctx, qContactInsert, pk, key, sourceURL, f.Kind, f.Value, i, fmtTime(f.FetchedAt)); err != nil {
			return nil, fmt.Errorf("store: contact facts of %s from %s: %w", id, sourceURL, err)
		}
	}
	for _, f := range old {
		if !now[f.Kind+"\x00"+f.Value] {
			removed = append(removed, f)
		}
	}
	return removed, nil
}

func (t *Tx) pageFacts(pk int64, id, sourceURL string) ([]creator.ContactFact, error) {
	rows, err := t.tx.QueryContext(t.ctx, qContactPageFacts, pk, sourceURL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []creator.ContactFact
	for rows.Next() {
		f := creator.ContactFact{CreatorID: id, SourceURL: sourceURL}
		var at sql.NullString
		if err := rows.Scan(&f.Kind, &f.Value, &at); err != nil {
			return nil, err
		}
		if f.FetchedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ContactFacts returns the contact facts filed under c, found by id, or by
// platform id when c was renamed in this transaction, oldest first and in
// page order. A creator not stored has none.
func (t *Tx) ContactFacts(c *creator.Creator) ([]creator.ContactFact, error) {
	pk, err := t.creatorPK(c)
	if err != nil || pk == 0 {
		return nil, err
	}
	rows, err := t.tx.QueryContext(t.ctx, qContactFacts, pk)
	if err != nil {
		return nil, fmt.Errorf("store: contact facts of %s: %w", c.ID, err)
	}
	out, err := scanContactFacts(rows, c.ID)
	if err != nil {
		return nil, fmt.Errorf("store: contact facts of %s: %w", c.ID, err)
	}
	return out, nil
}

// DropStaleContactFacts deletes the contact facts filed under c that
// creator.SplitContactFacts calls stale for c's fetch time (found by id, or
// by platform id when c was renamed in this transaction), and returns how
// many went. A creator without a fetch time, or not stored, has none.
func (t *Tx) DropStaleContactFacts(c *creator.Creator) (int, error) {
	if c.FetchedAt.IsZero() {
		return 0, nil
	}
	pk, err := t.creatorPK(c)
	if err != nil || pk == 0 {
		return 0, err
	}
	res, err := t.tx.ExecContext(t.ctx, qContactStale, pk, fmtTime(c.FetchedAt.Add(-creator.ContactFactMaxAge)))
	if err != nil {
		return 0, fmt.Errorf("store: stale contact facts of %s: %w", c.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: stale contact facts of %s: %w", c.ID, err)
	}
	return int(n), nil
}

// confirmContactFacts records that the page at u was fetched at at and
// found unchanged (304): the facts read from it hold as of at.
func confirmContactFacts(ctx context.Context, tx querier, u string, at time.Time) error {
	_, err := tx.ExecContext(ctx, qContactConfirm, fmtTime(at), u)
	return err
}

// ContactPageHolders returns the ids of the creators holding facts filed
// under the contact page page, sorted.
func (t *Tx) ContactPageHolders(page string) ([]string, error) {
	ids, err := queryStrings(t.ctx, t.tx, qContactHolders, creator.ContactPageKey(page))
	if err != nil {
		return nil, fmt.Errorf("store: contact page %s: %w", page, err)
	}
	return ids, nil
}

// ContactPageHolders is Tx.ContactPageHolders on the read pool.
func (s *Store) ContactPageHolders(ctx context.Context, page string) ([]string, error) {
	ids, err := queryStrings(ctx, s.r, qContactHolders, creator.ContactPageKey(page))
	if err != nil {
		return nil, fmt.Errorf("store: contact page %s: %w", page, err)
	}
	return ids, nil
}

// CopyContactFacts files under creator id the facts other creators hold
// for the contact page page (the latest reading of each page they came
// from: the page, its about and contact pages) that id holds no reading
// of: id links to a page that was fetched for another creator (one
// person's accounts share a link-in-bio page, and the frontier fetches it
// once). It returns how many facts it copied; ENOTFOUND when id is not
// stored.
func (t *Tx) CopyContactFacts(id, page string) (int, error) {
	var pk int64
	if err := t.tx.QueryRowContext(t.ctx, qCreatorPK, id).Scan(&pk); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, notFound("creator", id)
		}
		return 0, fmt.Errorf("store: copy contact facts to %s: %w", id, err)
	}
	key := creator.ContactPageKey(page)
	res, err := t.tx.ExecContext(t.ctx, qContactCopy, pk, key, pk, pk, key)
	if err != nil {
		return 0, fmt.Errorf("store: copy contact facts of %s to %s: %w", page, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: copy contact facts of %s to %s: %w", page, id, err)
	}
	return int(n), nil
}

// creatorPK finds c by id, or by platform id when c was renamed in this
// transaction; 0 when it is not stored.
func (t *Tx) creatorPK(c *creator.Creator) (int64, error) {
	var pk int64
	err := t.tx.QueryRowContext(t.ctx, qCreatorPK, c.ID).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) && c.PlatformID != "" {
		err = t.tx.QueryRowContext(t.ctx, `SELECT pk FROM creators WHERE platform=? AND platform_id=?`, c.Platform, c.PlatformID).Scan(&pk)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: creator %s: %w", c.ID, err)
	}
	return pk, nil
}

// ContactFacts returns the contact facts filed under creator id (see
// Tx.ContactFacts); ENOTFOUND when no such creator is stored.
func (s *Store) ContactFacts(ctx context.Context, id string) ([]creator.ContactFact, error) {
	r := s.reader(ctx)
	var pk int64
	if err := r.QueryRowContext(ctx, qCreatorPK, id).Scan(&pk); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("creator", id)
		}
		return nil, fmt.Errorf("store: contact facts of %s: %w", id, err)
	}
	rows, err := r.QueryContext(ctx, qContactFacts, pk)
	if err != nil {
		return nil, fmt.Errorf("store: contact facts of %s: %w", id, err)
	}
	out, err := scanContactFacts(rows, id)
	if err != nil {
		return nil, fmt.Errorf("store: contact facts of %s: %w", id, err)
	}
	return out, nil
}

func scanContactFacts(rows *sql.Rows, id string) ([]creator.ContactFact, error) {
	defer rows.Close()
	var out []creator.ContactFact
	for rows.Next() {
		f := creator.ContactFact{CreatorID: id}
		var at sql.NullString
		if err := rows.Scan(&f.SourceURL, &f.Kind, &f.Value, &at); err != nil {
			return nil, err
		}
		var err error
		if f.FetchedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// contactSources lists the pages creator pk's own contact facts came from,
// for the forget path's trace; the facts go by cascade.
func contactSources(ctx context.Context, tx querier, pk int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, qContactSources, pk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// queryStrings runs a query that returns one text column.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
