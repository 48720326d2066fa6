package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail"`
}

// normKey normalises a do-not-crawl key: trimmed, lower case, no leading
// '@', no trailing '/'.
func normKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	k = strings.TrimPrefix(k, "@")
	return strings.TrimRight(k, "/")
}

// KeyHash is the digest under which a do-not-crawl key is stored: hex
// SHA-256 of the normalised key. The audit log names forgotten creators by
// its first 16 characters.
func KeyHash(key string) string {
	sum := sha256.Sum256([]byte(normKey(key)))
	return hex.EncodeToString(sum[:])
}

const (
	qDNCHas = `SELECT 1 FROM do_not_crawl WHERE key_hash=?`
	// qDNCAny finds which of three key hashes are listed: one query for a
	// creator's id, URL and platform id.
	qDNCAny = `SELECT key_hash FROM do_not_crawl WHERE key_hash IN (?,?,?)`
)

// dncFirst returns the index of the first of keys on the do-not-crawl
// list, or -1. Empty keys are never listed.
func dncFirst(ctx context.Context, tx querier, keys [3]string) (int, error) {
	var hashes [3]any
	some := false
	for i, k := range keys {
		hashes[i] = "" // no key hashes to ""
		if normKey(k) != "" {
			hashes[i] = KeyHash(k)
			some = true
		}
	}
	if !some {
		return -1, nil
	}
	rows, err := tx.QueryContext(ctx, qDNCAny, hashes[:]...)
	if err != nil {
		return -1, err
	}
	defer rows.Close()
	first := -1
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return -1, err
		}
		for i := range hashes {
			if hashes[i] == h && (first < 0 || i < first) {
				first = i
			}
		}
	}
	return first, rows.Err()
}

func dncHas(ctx context.Context, tx querier, key string) (bool, error) {
	if normKey(key) == "" {
		return false, nil
	}
	var one int
	err := tx.QueryRowContext(ctx, qDNCHas, KeyHash(key)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func dncAdd(ctx context.Context, tx querier, kind, key string, at time.Time) error {
	if normKey(key) == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO do_not_crawl (key_hash, kind, added_at) VALUES (?,?,?)
		ON CONFLICT (key_hash) DO NOTHING`, KeyHash(key), kind, fmtTime(at))
	return err
}

// DoNotCrawl reports whether key (a creator id, handle, profile URL or
// platform id; compared case-insensitively, without a leading '@' or a
// trailing '/') is on the do-not-crawl list. Every job checks it before
// fetching or storing.
func (s *Store) DoNotCrawl(ctx context.Context, key string) (bool, error) {
	if normKey(key) == "" {
		return false, nil
	}
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM do_not_crawl WHERE key_hash=?`, KeyHash(key)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: do not crawl: %w", err)
	}
	return true, nil
}

// AddDoNotCrawl puts one key on the do-not-crawl list without forgetting
// anything (for example an opt-out seen before the creator was stored).
func (s *Store) AddDoNotCrawl(ctx context.Context, key string, at time.Time) error {
	if normKey(key) == "" {
		return creator.Invalid("key", "do-not-crawl key is empty")
	}
	if at.IsZero() {
		return creator.Invalid("at", "time is zero")
	}
	if err := s.write(ctx, func(tx *txn) error { return dncAdd(ctx, tx, "key", key, at) }); err != nil {
		return fmt.Errorf("store: add do not crawl: %w", err)
	}
	return nil
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, action, subject, detail string, at time.Time) error {
	if strings.TrimSpace(action) == "" {
		return creator.Invalid("action", "audit action is empty")
	}
	if at.IsZero() {
		return creator.Invalid("at", "audit time is zero")
	}
	if err := s.write(ctx, func(tx *txn) error { return audit(ctx, tx, action, subject, detail, at) }); err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}

func audit(ctx context.Context, tx querier, action, subject, detail string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, action, subject, detail) VALUES (?,?,?,?)`,
		fmtTime(at), action, subject, detail)
	return err
}

// AuditLog returns the latest audit entries, newest first, at most limit
// (limit <= 0: all).
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}

// ForgottenSubject is how the audit log names a forgotten key.
func ForgottenSubject(key string) string { return "sha256:" + KeyHash(key)[:16] }

// forgetTrace is what identifies a creator in rows that do not reference it
// by key: exact URLs, and tokens matched on word boundaries.
type forgetTrace struct {
	urls   map[string]bool // exact, as stored
	tokens []string        // lower case: id, handle, platform id
	// hostTokens are the user parts of "user@host" handles, which only count
	// in URLs on that host (https://host/@user, ...?acct=user).
	hostTokens map[string]string // user -> host
}

func (t *forgetTrace) addURL(u string) {
	if u != "" {
		t.urls[u] = true
	}
}

func (t *forgetTrace) addToken(tok string) {
	tok = strings.ToLower(strings.TrimSpace(tok))
	if tok != "" {
		t.tokens = append(t.tokens, tok)
	}
}

// likePatterns are substrings that prefilter candidate rows in SQL.
func (t *forgetTrace) likePatterns() []string {
	var out []string
	for u := range t.urls {
		out = append(out, u)
	}
	out = append(out, t.tokens...)
	for user := range t.hostTokens {
		out = append(out, user)
	}
	return out
}

// matches reports whether s carries the creator.
func (t *forgetTrace) matches(s string) bool {
	if t.urls[s] {
		return true
	}
	ls := strings.ToLower(s)
	for u := range t.urls {
		if containsToken(ls, strings.ToLower(u)) {
			return true
		}
	}
	return t.names(s)
}

// names reports whether s carries the creator's id, handle or platform id:
// a source URL that does (a profile lookup, the creator's posts) is about
// the creator, one that does not (a hashtag feed, a search the creator
// turned up in) is about many people and must stay crawlable.
func (t *forgetTrace) names(s string) bool {
	ls := strings.ToLower(s)
	for _, tok := range t.tokens {
		if containsToken(ls, tok) {
			return true
		}
	}
	if len(t.hostTokens) > 0 {
		if pu, err := url.Parse(s); err == nil && pu.Host != "" {
			for user, host := range t.hostTokens {
				if strings.EqualFold(pu.Hostname(), host) && containsToken(ls, user) {
					return true
				}
			}
		}
	}
	return false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b >= 0x80
}

// containsToken reports whether tok occurs in s with no word character
// right before or after it.
func containsToken(s, tok string) bool {
	if tok == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], tok)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(tok)
		before := start == 0 || !isWordByte(s[start-1]) || !isWordByte(tok[0])
		after := end == len(s) || !isWordByte(s[end]) || !isWordByte(tok[len(tok)-1])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// Forget removes a creator everywhere: the creator row, its posts,
// snapshots, list entries, saved-search results and contact facts, the
// frontier items and seen-set entries of its profile, post and contact
// page URLs (and of URLs that carry its
// handle or platform id), and mentions of it in crawl-run seeds and earlier
// audit entries. Its id, handle, URL and platform id go on the
// do-not-crawl list, stored as SHA-256 digests, with its source URL when
// that page is its own (it names the creator; a hashtag feed does not), and one audit entry
// ("forget", ForgottenSubject(id), reason) is written. The reason is stored
// as given: do not put the creator's name in it.
//
// key is a creator id or a profile URL. When no creator matches, key itself
// still goes on the do-not-crawl list and the audit entry is written, so
// forgetting someone not yet crawled keeps them out.
func (s *Store) Forget(ctx context.Context, key string, reason string, at time.Time) error {
	if normKey(key) == "" {
		return creator.Invalid("id", "creator id or URL is empty")
	}
	if at.IsZero() {
		return creator.Invalid("at", "time is zero")
	}
	if err := checkTime("at", at); err != nil {
		return err
	}
	// secure_delete zeroes the freed content on disk; it is a per-connection
	// setting, and the writer pool is one connection.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: forget: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("store: forget: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = OFF`) }()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: forget: %w", err)
	}
	if err := forgetTx(ctx, tx, key, reason, at); err != nil {
		_ = tx.Rollback()
		return wrapErr("forget", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: forget: %w", err)
	}
	// Move the zeroed pages out of the WAL into the main file and truncate
	// the WAL. A live reader can make this partial; that is fine, the next
	// checkpoint finishes it.
	_, _ = conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return nil
}

func forgetTx(ctx context.Context, tx querier, key, reason string, at time.Time) error {
	var (
		pk                        int64
		id, handle, u, src, pform string
		pid                       sql.NullString
	)
	row := tx.QueryRowContext(ctx, `SELECT pk, id, handle, url, source_url, platform, platform_id FROM creators
		WHERE id=? OR (url<>'' AND url=?) ORDER BY id=? DESC LIMIT 1`, key, key, key)
	err := row.Scan(&pk, &id, &handle, &u, &src, &pform, &pid)
	if errors.Is(err, sql.ErrNoRows) {
		// Nothing stored: keep the key out of future crawls all the same.
		if err := dncAdd(ctx, tx, "key", key, at); err != nil {
			return err
		}
		return audit(ctx, tx, "forget", ForgottenSubject(key), reason, at)
	}
	if err != nil {
		return err
	}

	tr := &forgetTrace{urls: map[string]bool{}, hostTokens: map[string]string{}}
	tr.addURL(u)
	tr.addToken(id)
	tr.addToken(handle)
	tr.addToken(pid.String)
	if user, host, ok := strings.Cut(handle, "@"); ok && user != "" && host != "" {
		tr.hostTokens[strings.ToLower(user)] = strings.ToLower(host)
	}
	// The page the creator was read from is traced and kept out of future
	// crawls only when it is the creator's own (it names them): a hashtag
	// feed or search result page that listed them is not theirs to block.
	if !tr.names(src) {
		src = ""
	}
	tr.addURL(src)
	// The pages its contact facts came from (contacts.go) are its own; the
	// facts go by cascade.
	contactURLs, err := contactSources(ctx, tx, pk)
	if err != nil {
		return err
	}
	for _, cu := range contactURLs {
		tr.addURL(cu)
	}
	prows, err := tx.QueryContext(ctx, `SELECT url, source_url FROM posts WHERE creator_pk=?`, pk)
	if err != nil {
		return err
	}
	for prows.Next() {
		var pu, ps string
		if err := prows.Scan(&pu, &ps); err != nil {
			prows.Close()
			return err
		}
		tr.addURL(pu)
		if tr.names(ps) {
			tr.addURL(ps)
		}
	}
	if err := prows.Close(); err != nil {
		return err
	}

	// Posts, snapshots, list items, saved-search results and contact facts
	// go by cascade.
	if _, err := tx.ExecContext(ctx, `DELETE FROM creators WHERE pk=?`, pk); err != nil {
		return err
	}
	for _, k := range []struct{ kind, key string }{
		{"id", id}, {"handle", handle}, {"url", u}, {"url", src}, {"platform_id", pid.String},
	} {
		if err := dncAdd(ctx, tx, k.kind, k.key, at); err != nil {
			return err
		}
	}
	if err := scrub(ctx, tx, tr, "seen", "url", "url", func(k any) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM seen WHERE url=?`, k)
		return err
	}); err != nil {
		return err
	}
	for _, col := range []string{"url", "meta"} {
		if err := scrub(ctx, tx, tr, "frontier", "id", col, func(k any) error {
			// A queued item whose time is still to come may be leased by a
			// crawl that is fetching it right now (the page that showed
			// the opt-out) or holding it for later: it becomes a tombstone
			// with no trace of the creator, so the crawl's done, retry or
			// drop still succeeds; leased again, its URL is no http URL and
			// the crawler drops it. Every other item goes.
			if _, err := tx.ExecContext(ctx, `UPDATE frontier SET url='forgotten:'||id, meta=NULL, kind='',
				host='', err_kind='forgotten' WHERE id=? AND state=? AND not_before>?`, k, frontierQueued, at.UnixNano()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM frontier WHERE id=? AND url NOT LIKE 'forgotten:%'`, k)
			return err
		}); err != nil {
			return err
		}
	}
	if err := scrubSeeds(ctx, tx, tr); err != nil {
		return err
	}
	for _, col := range []string{"subject", "detail"} {
		if err := scrub(ctx, tx, tr, "audit_log", "id", col, func(k any) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_log SET subject=?, detail='[forgotten]' WHERE id=?`,
				ForgottenSubject(id), k)
			return err
		}); err != nil {
			return err
		}
	}
	return audit(ctx, tx, "forget", ForgottenSubject(id), reason, at)
}

// scrub calls fix with the key column of every row of table whose col
// carries the trace. Candidate rows are found with LIKE, then checked
// precisely in Go. Table and column names are this package's constants.
func scrub(ctx context.Context, tx querier, tr *forgetTrace, table, keyCol, col string, fix func(key any) error) error {
	var keys []any
	for _, pat := range tr.likePatterns() {
		rows, err := tx.QueryContext(ctx, `SELECT `+keyCol+`, `+col+` FROM `+table+
			` WHERE `+col+` LIKE ? ESCAPE '\'`, "%"+escapeLike(pat)+"%")
		if err != nil {
			return fmt.Errorf("scrub %s.%s: %w", table, col, err)
		}
		for rows.Next() {
			var k any
			var v sql.NullString
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			if v.Valid && tr.matches(v.String) {
				keys = append(keys, k)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if err := fix(k); err != nil {
			return fmt.Errorf("scrub %s: %w", table, err)
		}
	}
	return nil
}

// scrubSeeds replaces each crawl-run seed that names the creator with
// "[forgotten]".
func scrubSeeds(ctx context.Context, tx querier, tr *forgetTrace) error {
	type fix struct {
		id    int64
		seeds string
	}
	var fixes []fix
	seenRun := map[int64]bool{}
	for _, pat := range tr.likePatterns() {
		rows, err := tx.QueryContext(ctx, `SELECT id, seeds FROM crawl_runs WHERE seeds LIKE ? ESCAPE '\'`,
			"%"+escapeLike(pat)+"%")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var ns sql.NullString
			if err := rows.Scan(&id, &ns); err != nil {
				rows.Close()
				return err
			}
			if seenRun[id] {
				continue
			}
			var seeds []string
			if err := jsonScan(ns, &seeds); err != nil {
				rows.Close()
				return fmt.Errorf("run %d: %w", id, err)
			}
			changed := false
			for i, sd := range seeds {
				if tr.matches(sd) || tr.matches(normKey(sd)) {
					seeds[i] = "[forgotten]"
					changed = true
				}
			}
			if changed {
				b, err := json.Marshal(seeds)
				if err != nil {
					rows.Close()
					return err
				}
				seenRun[id] = true
				fixes = append(fixes, fix{id, string(b)})
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	for _, f := range fixes {
		if _, err := tx.ExecContext(ctx, `UPDATE crawl_runs SET seeds=? WHERE id=?`, f.seeds, f.id); err != nil {
			return err
		}
	}
	return nil
}
