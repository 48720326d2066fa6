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

// ErrDoNotCrawl is returned (wrapped) by UpsertCreator for a creator whose id,
// URL or platform id is on the do-not-crawl list.
var ErrDoNotCrawl = &creator.Error{Code: creator.EFORBIDDEN, Message: "creator is on the do-not-crawl list"}

// CreatorState is the bookkeeping kept beside a creator's facts: when it was
// first and last seen, and its fetch failures.
type CreatorState struct {
	ID            string     `json:"id"`
	FirstSeenAt   time.Time  `json:"first_seen_at"`
	LastSeenAt    time.Time  `json:"last_seen_at"`
	Failures      int        `json:"failures"` // consecutive, reset by a successful upsert
	LastErrorKind string     `json:"last_error_kind"`
	LastError     string     `json:"last_error"`
	LastErrorAt   *time.Time `json:"last_error_at"`
	Gone          bool       `json:"gone"`
	GoneAt        *time.Time `json:"gone_at"`
}

// CreatorRef is the little a scheduler needs to decide whether to refresh a
// creator.
type CreatorRef struct {
	ID         string     `json:"id"`
	Platform   string     `json:"platform"`
	PlatformID string     `json:"platform_id"`
	URL        string     `json:"url"`
	Tier       string     `json:"tier"`
	Followers  *int64     `json:"followers"`
	FetchedAt  time.Time  `json:"fetched_at"`
	LastPostAt *time.Time `json:"last_post_at"`
}

const creatorCols = `c.pk, c.id, c.platform, c.handle, c.platform_id, c.url, c.display_name, c.bio,
	c.followers, c.following, c.posts_count, c.verified, c.location, c.language, c.email, c.website,
	c.links, c.niches, c.tier, c.engagement_rate, c.avg_likes, c.avg_comments, c.avg_views,
	c.last_post_at, c.fetched_at, c.source_url, c.analysis`

// Hot statements, prepared once at Open (see hotQueries).
const (
	qCreatorByPID  = `SELECT ` + creatorCols + ` FROM creators c WHERE c.platform=? AND c.platform_id=?`
	qCreatorByID   = `SELECT ` + creatorCols + ` FROM creators c WHERE c.id=?`
	qIDTaken       = `SELECT platform_id FROM creators WHERE id=? AND pk<>?`
	qCreatorPK     = `SELECT pk FROM creators WHERE id=?`
	qCreatorInsert = `INSERT INTO creators (id, platform, handle, platform_id, url,
				display_name, bio, followers, following, posts_count, verified, location, country, city,
				language, email, website, links, niches, tier, engagement_rate, avg_likes, avg_comments,
				avg_views, last_post_at, fetched_at, source_url, analysis, first_seen_at, last_seen_at)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	qCreatorUpdate = `UPDATE creators SET id=?, platform=?, handle=?, platform_id=?, url=?,
				display_name=?, bio=?, followers=?, following=?, posts_count=?, verified=?, location=?,
				country=?, city=?, language=?, email=?, website=?, links=?, niches=?, tier=?,
				engagement_rate=?, avg_likes=?, avg_comments=?, avg_views=?, last_post_at=?, fetched_at=?,
				source_url=?, analysis=?, last_seen_at=?, failures=0, gone_at=NULL
				WHERE pk=?`
	qPostsOf = `SELECT ` + postCols + ` FROM posts p JOIN creators c ON c.pk = p.creator_pk
		WHERE p.creator_pk=?` + postOrder + ` LIMIT ?`
	qPostDisclosure = `UPDATE posts SET disclosure=?, brands=?, undisclosed=? WHERE id=?`
	qPostUpsert     = `INSERT INTO posts (id, creator_pk, url, published_at, caption,
		likes, comments, views, shares, hashtags, mentions, platform_paid, disclosure, brands, undisclosed,
		fetched_at, source_url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET
			creator_pk = excluded.creator_pk,
			url = excluded.url,
			published_at = COALESCE(excluded.published_at, posts.published_at),
			caption = excluded.caption,
			likes = COALESCE(excluded.likes, posts.likes),
			comments = COALESCE(excluded.comments, posts.comments),
			views = COALESCE(excluded.views, posts.views),
			shares = COALESCE(excluded.shares, posts.shares),
			hashtags = excluded.hashtags,
			mentions = excluded.mentions,
			platform_paid = excluded.platform_paid,
			disclosure = excluded.disclosure,
			brands = excluded.brands,
			undisclosed = excluded.undisclosed,
			fetched_at = COALESCE(excluded.fetched_at, posts.fetched_at),
			source_url = excluded.source_url`
)

func init() {
	hotQueries = append(hotQueries, qPostsOf, qPostDisclosure)
}

type scanner interface{ Scan(dest ...any) error }

func scanCreator(sc scanner) (int64, *creator.Creator, error) {
	var (
		c                                   creator.Creator
		pk                                  int64
		pid, loc, links, niches, analysis   sql.NullString
		lastPost, fetched                   sql.NullString
		followers, following, postsCount    sql.NullInt64
		er, avgLikes, avgComments, avgViews sql.NullFloat64
		verified                            int64
	)
	err := sc.Scan(&pk, &c.ID, &c.Platform, &c.Handle, &pid, &c.URL, &c.DisplayName, &c.Bio,
		&followers, &following, &postsCount, &verified, &loc, &c.Language, &c.Email, &c.Website,
		&links, &niches, &c.Tier, &er, &avgLikes, &avgComments, &avgViews,
		&lastPost, &fetched, &c.SourceURL, &analysis)
	if err != nil {
		return 0, nil, err
	}
	c.PlatformID = pid.String
	c.Followers, c.Following, c.PostsCount = int64Ptr(followers), int64Ptr(following), int64Ptr(postsCount)
	c.Verified = verified != 0
	c.EngagementRate, c.AvgLikes = float64Ptr(er), float64Ptr(avgLikes)
	c.AvgComments, c.AvgViews = float64Ptr(avgComments), float64Ptr(avgViews)
	if loc.Valid {
		c.Location = new(creator.Location)
		if err := jsonScan(loc, c.Location); err != nil {
			return 0, nil, fmt.Errorf("creator %s location: %w", c.ID, err)
		}
	}
	if err := jsonScan(links, &c.Links); err != nil {
		return 0, nil, fmt.Errorf("creator %s links: %w", c.ID, err)
	}
	if err := jsonScan(niches, &c.Niches); err != nil {
		return 0, nil, fmt.Errorf("creator %s niches: %w", c.ID, err)
	}
	if analysis.Valid {
		c.Analysis = new(creator.Analysis)
		if err := jsonScan(analysis, c.Analysis); err != nil {
			return 0, nil, fmt.Errorf("creator %s analysis: %w", c.ID, err)
		}
	}
	if c.LastPostAt, err = parseTimePtr(lastPost); err != nil {
		return 0, nil, fmt.Errorf("creator %s last_post_at: %w", c.ID, err)
	}
	if c.FetchedAt, err = parseTime(fetched); err != nil {
		return 0, nil, fmt.Errorf("creator %s fetched_at: %w", c.ID, err)
	}
	return pk, &c, nil
}

const postCols = `p.id, c.id, p.url, p.published_at, p.caption, p.likes, p.comments, p.views, p.shares,
	p.hashtags, p.mentions, p.platform_paid, p.disclosure, p.brands, p.undisclosed, p.fetched_at, p.source_url`

func scanPost(sc scanner, extra ...any) (creator.Post, error) {
	var (
		p                              creator.Post
		published, fetched             sql.NullString
		hashtags, mentions, disclosure sql.NullString
		brands, undisclosed            sql.NullString
		likes, comments, views, shares sql.NullInt64
		paid                           int64
	)
	dest := []any{&p.ID, &p.CreatorID, &p.URL, &published, &p.Caption, &likes, &comments, &views, &shares,
		&hashtags, &mentions, &paid, &disclosure, &brands, &undisclosed, &fetched, &p.SourceURL}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return p, err
	}
	var err error
	if p.PublishedAt, err = parseTimePtr(published); err != nil {
		return p, fmt.Errorf("post %s published_at: %w", p.ID, err)
	}
	if p.FetchedAt, err = parseTime(fetched); err != nil {
		return p, fmt.Errorf("post %s fetched_at: %w", p.ID, err)
	}
	p.Likes, p.Comments, p.Views, p.Shares = int64Ptr(likes), int64Ptr(comments), int64Ptr(views), int64Ptr(shares)
	p.PlatformPaid = paid != 0
	for _, f := range []struct {
		name string
		ns   sql.NullString
		dst  any
	}{
		{"hashtags", hashtags, &p.Hashtags},
		{"mentions", mentions, &p.Mentions},
		{"disclosure", disclosure, &p.Disclosure},
		{"brands", brands, &p.Brands},
	} {
		if err := jsonScan(f.ns, f.dst); err != nil {
			return p, fmt.Errorf("post %s %s: %w", p.ID, f.name, err)
		}
	}
	if undisclosed.Valid {
		p.Undisclosed = new(creator.Flag)
		if err := jsonScan(undisclosed, p.Undisclosed); err != nil {
			return p, fmt.Errorf("post %s undisclosed: %w", p.ID, err)
		}
	}
	return p, nil
}

func validateCreator(c *creator.Creator, posts []creator.Post) error {
	if c == nil {
		return creator.Invalid("creator", "creator is nil")
	}
	switch {
	case strings.TrimSpace(c.Platform) == "":
		return creator.Invalid("platform", "creator %q has no platform", c.ID)
	case strings.TrimSpace(c.Handle) == "":
		return creator.Invalid("handle", "creator %q has no handle", c.ID)
	case !strings.HasPrefix(c.ID, c.Platform+":") || len(c.ID) == len(c.Platform)+1:
		return creator.Invalid("id", "creator id %q is not %q followed by a handle", c.ID, c.Platform+":")
	}
	if err := checkTimePtr("last_post_at", c.LastPostAt); err != nil {
		return err
	}
	if err := checkTime("fetched_at", c.FetchedAt); err != nil {
		return err
	}
	if c.Analysis != nil {
		if err := checkTime("analysis.analyzed_at", c.Analysis.AnalyzedAt); err != nil {
			return err
		}
	}
	for i, p := range posts {
		if strings.TrimSpace(p.ID) == "" {
			return creator.Invalid(fmt.Sprintf("posts[%d].id", i), "post of creator %q has no id", c.ID)
		}
		if err := checkTimePtr(fmt.Sprintf("posts[%d].published_at", i), p.PublishedAt); err != nil {
			return err
		}
		if err := checkTime(fmt.Sprintf("posts[%d].fetched_at", i), p.FetchedAt); err != nil {
			return err
		}
	}
	return nil
}

// mergeKeepLastGood returns c with every unknown field (nil pointer, empty
// tier, zero fetch time, empty platform id) filled from the stored old.
func mergeKeepLastGood(old, c *creator.Creator) creator.Creator {
	m := *c
	if m.PlatformID == "" {
		m.PlatformID = old.PlatformID
	}
	if m.Followers == nil {
		m.Followers = old.Followers
	}
	if m.Following == nil {
		m.Following = old.Following
	}
	if m.PostsCount == nil {
		m.PostsCount = old.PostsCount
	}
	if m.Location == nil {
		m.Location = old.Location
	}
	if m.Tier == "" {
		m.Tier = old.Tier
	}
	if m.EngagementRate == nil {
		m.EngagementRate = old.EngagementRate
	}
	if m.AvgLikes == nil {
		m.AvgLikes = old.AvgLikes
	}
	if m.AvgComments == nil {
		m.AvgComments = old.AvgComments
	}
	if m.AvgViews == nil {
		m.AvgViews = old.AvgViews
	}
	if m.LastPostAt == nil {
		m.LastPostAt = old.LastPostAt
	}
	if m.FetchedAt.IsZero() {
		m.FetchedAt = old.FetchedAt
	}
	if m.Analysis == nil {
		m.Analysis = old.Analysis
	}
	return m
}

// UpsertCreator stores a creator and its recent posts in one transaction.
//
// It is keyed by platform + platform_id when PlatformID is set, so a renamed
// handle stays the same creator: its id column moves to the new
// platform:handle and posts, snapshots, list entries and saved-search results
// follow. Without a PlatformID it is keyed by id. It returns created=true
// when the creator is new.
//
// Keep-last-good: a nil pointer in c (a count, a figure, the location, the
// last post time, the analysis), an empty tier, an empty platform id or a
// zero FetchedAt never overwrites a stored value; the same holds for the nil
// counts of a post already stored. first_seen_at is kept; last_seen_at is set
// to c.FetchedAt (or the store's clock when zero). A successful upsert resets
// the consecutive failure count and clears the gone mark.
//
// A creator whose id, URL or platform id is on the do-not-crawl list is
// refused with ErrDoNotCrawl. An id already held by a different account (a
// handle taken over by someone else, or a rename onto a row that has another
// platform id) is refused with ECONFLICT and nothing is changed.
func (s *Store) UpsertCreator(ctx context.Context, c *creator.Creator, posts []creator.Post) (created bool, err error) {
	err = s.inTx(ctx, "upsert creator "+idOf(c), func(t *Tx) error {
		created, err = t.UpsertCreator(c, posts)
		return err
	})
	return created, err
}

// UpsertCreator is Store.UpsertCreator inside the transaction.
func (t *Tx) UpsertCreator(c *creator.Creator, posts []creator.Post) (created bool, err error) {
	u, err := t.upsertFacts(c, posts)
	if err != nil {
		return false, err
	}
	if u.created {
		return true, nil
	}
	if err := t.updateCreator(&u.merged, u.seenAt, u.pk); err != nil {
		return false, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	return false, nil
}

// factsUpserted is what upsertFacts stored.
type factsUpserted struct {
	pk      int64
	merged  creator.Creator // c over the stored row, keep-last-good
	created bool            // inserted as merged; otherwise the row is not updated yet
	seenAt  time.Time
}

// upsertFacts is the part of an upsert that analysis does not change:
// the checks (valid, not on the do-not-crawl list, no conflict), the
// creator's row when it is new, and its posts. Errors are final: domain
// errors as they are, the rest prefixed with the creator.
func (t *Tx) upsertFacts(c *creator.Creator, posts []creator.Post) (*factsUpserted, error) {
	if err := t.checkUpsert(c, posts); err != nil {
		return nil, err
	}
	ctx, tx := t.ctx, t.tx
	u := &factsUpserted{seenAt: seenAt(t.s, c)}
	pk, old, err := findForUpsert(ctx, tx, c)
	if err != nil {
		return nil, wrapErr("upsert creator "+c.ID, err)
	}
	u.pk, u.merged, u.created = pk, *c, old == nil
	if old != nil {
		u.merged = mergeKeepLastGood(old, c)
	} else if u.pk, err = t.insertCreator(&u.merged, u.seenAt); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if err := upsertPosts(ctx, tx, u.pk, posts); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	return u, nil
}

// checkUpsert refuses an invalid creator or post, and a creator on the
// do-not-crawl list (by id, URL or platform id).
func (t *Tx) checkUpsert(c *creator.Creator, posts []creator.Post) error {
	if err := validateCreator(c, posts); err != nil {
		return err
	}
	i, err := dncFirst(t.ctx, t.tx, [3]string{c.ID, c.URL, c.PlatformID})
	if err != nil {
		return fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if i >= 0 {
		kind := [3]string{"id", "url", "platform_id"}[i]
		return wrapErr("upsert creator "+c.ID, fmt.Errorf("by %s: %w", kind, ErrDoNotCrawl))
	}
	return nil
}

// seenAt is when an upsert of c saw it: its fetch time, or now.
func seenAt(s *Store, c *creator.Creator) time.Time {
	if c.FetchedAt.IsZero() {
		return s.now()
	}
	return c.FetchedAt
}

// insertCreator inserts m as a new row first and last seen at seenAt and
// returns its pk.
func (t *Tx) insertCreator(m *creator.Creator, seenAt time.Time) (int64, error) {
	args, err := creatorArgs(m)
	if err != nil {
		return 0, err
	}
	res, err := t.tx.ExecContext(t.ctx, qCreatorInsert, append(args, fmtTime(seenAt), fmtTime(seenAt))...)
	if err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	return res.LastInsertId()
}

// updateCreator writes m over row pk, seen at seenAt: last_seen_at moves,
// the failure count and the gone mark are cleared.
func (t *Tx) updateCreator(m *creator.Creator, seenAt time.Time, pk int64) error {
	args, err := creatorArgs(m)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, qCreatorUpdate, append(args, fmtTime(seenAt), pk)...); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

// idOf is c's id for an error message; c may be nil.
func idOf(c *creator.Creator) string {
	if c == nil {
		return "(nil)"
	}
	return c.ID
}

// AnalyseFunc recomputes a creator's figures from its stored recent posts
// (newest first) and history (oldest first), in place, as creator.Analyze
// does. It may change each post's Disclosure, Brands and Undisclosed.
type AnalyseFunc func(c *creator.Creator, posts []creator.Post, history []creator.Snapshot)

// Upserted is what Tx.UpsertAnalysed stored.
type Upserted struct {
	Creator *creator.Creator // as stored, analysed
	Posts   []creator.Post   // its most recent stored posts, newest first, analysed
	Created bool
	// Ahead is true when UpsertAnalysedAhead stored the analysis made
	// before the transaction, false when it (or UpsertAnalysed) called
	// the AnalyseFunc.
	Ahead bool
}

// UpsertAnalysed stores c and posts as Store.UpsertCreator does (same keys,
// keep-last-good merge, do-not-crawl refusal with ErrDoNotCrawl, ECONFLICT
// for an id held by another account), then reads back the creator's recent
// stored posts (at most recent; all when recent <= 0) and its history,
// calls analyse on them, and stores the analysed creator (a figure analyse
// leaves nil keeps the stored one) and the posts whose disclosure analysis
// changed. It refuses (with a *creator.Error) before writing anything, so
// the transaction stays usable for the page's other creators.
func (t *Tx) UpsertAnalysed(c *creator.Creator, posts []creator.Post, recent int, analyse AnalyseFunc) (*Upserted, error) {
	return t.UpsertAnalysedAhead(c, posts, recent, nil, analyse)
}

// UpsertAnalysedAhead is UpsertAnalysed with the analysis made before the
// transaction: pv is PreviewUpsert's answer for the same c, posts and
// recent, whose Creator and Posts the caller has analysed in place as
// analyse would (pv may be nil). When the transaction finds the store as
// the preview saw it (the same stored creator, recent posts, history and
// contact facts), pv's analysed creator and posts are stored and analyse
// is not called; otherwise analyse runs on what the transaction reads.
// Either way what is stored is the same; Upserted.Ahead tells which ran.
func (t *Tx) UpsertAnalysedAhead(c *creator.Creator, posts []creator.Post, recent int, pv *Preview, analyse AnalyseFunc) (*Upserted, error) {
	if pv != nil && pv.fresh {
		if up, err := t.insertFresh(c, posts, recent, pv); up != nil || err != nil {
			return up, err
		}
	}
	u, err := t.upsertFacts(c, posts)
	if err != nil {
		return nil, err
	}
	m := u.merged
	rows, err := t.recentRows(u.pk, recent)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: read posts: %w", c.ID, err)
	}
	hist, err := readHistory(t.ctx, t.tx, u.pk, m.ID)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: read history: %w", c.ID, err)
	}
	ahead, err := pv.seenBy(t, u, rows, hist)
	if err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	var stored []creator.Post
	switch {
	case ahead:
		// As two upserts would: a figure the analysis leaves unknown keeps
		// the stored one.
		m = mergeKeepLastGood(&u.merged, pv.Creator)
		stored = pv.Posts
	default:
		if stored, err = decodePostRows(rows); err != nil {
			return nil, fmt.Errorf("store: upsert creator %s: read posts: %w", c.ID, err)
		}
		if analyse != nil {
			analyse(&m, stored, hist)
			m = mergeKeepLastGood(&u.merged, &m)
		}
	}
	if err := validateCreator(&m, nil); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: analysis: %w", c.ID, err)
	}
	if err := t.updateCreator(&m, u.seenAt, u.pk); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	if err := t.updateDisclosures(stored, rows); err != nil {
		return nil, fmt.Errorf("store: upsert creator %s: %w", c.ID, err)
	}
	return &Upserted{Creator: &m, Posts: stored, Created: u.created, Ahead: ahead}, nil
}

// recentRows reads the columns of creator row pk's recent posts (all when
// limit <= 0), newest first, undecoded.
func (t *Tx) recentRows(pk int64, limit int) ([]postRow, error) {
	if limit <= 0 {
		limit = -1
	}
	return queryPostRows(t.ctx, t.tx, qPostsOf, pk, limit)
}

func decodePostRows(rows []postRow) ([]creator.Post, error) {
	var out []creator.Post
	for _, r := range rows {
		p, err := scanPost(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// updateDisclosures writes back the analysis columns of the posts whose
// analysis changed them; rows are the posts as read.
func (t *Tx) updateDisclosures(posts []creator.Post, rows []postRow) error {
	for i := range posts {
		p := &posts[i]
		disc, err := jsonArg(p.Disclosure)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		brands, err := jsonArg(p.Brands)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		und, err := jsonArg(p.Undisclosed)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		r := rows[i]
		if disc == r[colDisclosure] && brands == r[colBrands] && und == r[colUndisclosed] {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, qPostDisclosure, disc, brands, und, p.ID); err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
	}
	return nil
}

// wrapErr keeps domain errors as they are and prefixes the rest.
func wrapErr(op string, err error) error {
	var de *creator.Error
	if errors.As(err, &de) && de != ErrDoNotCrawl {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// findForUpsert returns the stored row c maps to (pk 0 and nil when new).
func findForUpsert(ctx context.Context, tx querier, c *creator.Creator) (int64, *creator.Creator, error) {
	if c.PlatformID != "" {
		row := tx.QueryRowContext(ctx, qCreatorByPID, c.Platform, c.PlatformID)
		pk, old, err := scanCreator(row)
		switch {
		case err == nil:
			if old.ID != c.ID {
				// A rename: the new id must be free, or held by a row that is
				// not another account.
				var otherPID sql.NullString
				err := tx.QueryRowContext(ctx, qIDTaken, c.ID, pk).Scan(&otherPID)
				if err == nil {
					return 0, nil, creator.Errorf(creator.ECONFLICT,
						"creator %s (platform id %s) was renamed to %s, but %s is already stored as another creator",
						old.ID, c.PlatformID, c.ID, c.ID)
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return 0, nil, err
				}
			}
			return pk, old, nil
		case !errors.Is(err, sql.ErrNoRows):
			return 0, nil, err
		}
	}
	row := tx.QueryRowContext(ctx, qCreatorByID, c.ID)
	pk, old, err := scanCreator(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil, nil
	case err != nil:
		return 0, nil, err
	}
	if c.PlatformID != "" && old.PlatformID != "" && old.PlatformID != c.PlatformID {
		return 0, nil, creator.Errorf(creator.ECONFLICT,
			"creator %s is stored with platform id %s, not %s: the handle now belongs to another account; refresh the stored one first",
			c.ID, old.PlatformID, c.PlatformID)
	}
	return pk, old, nil
}

// creatorArgs returns the column values of INSERT/UPDATE, id through analysis.
func creatorArgs(c *creator.Creator) ([]any, error) {
	loc, err := jsonArg(c.Location)
	if err != nil {
		return nil, fmt.Errorf("location: %w", err)
	}
	var country, city any
	if c.Location != nil {
		country, city = nullString(c.Location.Country), nullString(strings.ToLower(c.Location.City))
	}
	links, err := jsonArg(c.Links)
	if err != nil {
		return nil, fmt.Errorf("links: %w", err)
	}
	niches, err := jsonArg(c.Niches)
	if err != nil {
		return nil, fmt.Errorf("niches: %w", err)
	}
	analysis, err := jsonArg(c.Analysis)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	verified := 0
	if c.Verified {
		verified = 1
	}
	return []any{c.ID, c.Platform, c.Handle, nullString(c.PlatformID), c.URL,
		c.DisplayName, c.Bio, ptrArg(c.Followers), ptrArg(c.Following), ptrArg(c.PostsCount), verified, loc,
		country, city, c.Language, c.Email, c.Website, links, niches, c.Tier,
		ptrArg(c.EngagementRate), ptrArg(c.AvgLikes), ptrArg(c.AvgComments), ptrArg(c.AvgViews),
		fmtTimePtr(c.LastPostAt), fmtTime(c.FetchedAt), c.SourceURL, analysis}, nil
}

func upsertPosts(ctx context.Context, tx querier, pk int64, posts []creator.Post) error {
	if len(posts) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, qPostUpsert)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range posts {
		p := &posts[i]
		args, err := postValues(p, pk)
		if err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("post %s: %w", p.ID, err)
		}
	}
	return nil
}

// postValues is p as the columns of postCols hold it (and qPostUpsert
// binds it), with owner (the creator's pk, or its id) second.
func postValues(p *creator.Post, owner any) ([]any, error) {
	var vals [5]any
	var err error
	for j, v := range []any{p.Hashtags, p.Mentions, p.Disclosure, p.Brands, p.Undisclosed} {
		if vals[j], err = jsonArg(v); err != nil {
			return nil, err
		}
	}
	paid := int64(0)
	if p.PlatformPaid {
		paid = 1
	}
	return []any{p.ID, owner, p.URL, fmtTimePtr(p.PublishedAt), p.Caption,
		ptrArg(p.Likes), ptrArg(p.Comments), ptrArg(p.Views), ptrArg(p.Shares),
		vals[0], vals[1], paid, vals[2], vals[3], vals[4], fmtTime(p.FetchedAt), p.SourceURL}, nil
}

// Creator returns the stored creator with this id, gone or not. A missing
// creator is an ENOTFOUND *creator.Error.
func (s *Store) Creator(ctx context.Context, id string) (*creator.Creator, error) {
	return creatorByID(ctx, s.reader(ctx), id)
}

// Creator is Store.Creator inside the transaction.
func (t *Tx) Creator(id string) (*creator.Creator, error) {
	return creatorByID(t.ctx, t.tx, id)
}

func creatorByID(ctx context.Context, q querier, id string) (*creator.Creator, error) {
	_, c, err := scanCreator(q.QueryRowContext(ctx, qCreatorByID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("creator", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: creator %s: %w", id, err)
	}
	return c, nil
}

// CreatorsReadFrom returns the ids of the creators, not gone, last read
// from the page at u (their source_url), in id order.
func (t *Tx) CreatorsReadFrom(u string) ([]string, error) {
	ids, err := queryStrings(t.ctx, t.tx, `SELECT id FROM creators WHERE source_url = ? AND gone_at IS NULL ORDER BY id`, u)
	if err != nil {
		return nil, fmt.Errorf("store: creators read from %s: %w", u, err)
	}
	return ids, nil
}

// CreatorByPlatformID returns the creator with this platform's own id.
func (s *Store) CreatorByPlatformID(ctx context.Context, platform, pid string) (*creator.Creator, error) {
	if pid == "" {
		return nil, creator.Invalid("platform_id", "platform id is empty")
	}
	_, c, err := scanCreator(s.r.QueryRowContext(ctx,
		`SELECT `+creatorCols+` FROM creators c WHERE c.platform=? AND c.platform_id=?`, platform, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("creator with platform id", platform+"/"+pid)
	}
	if err != nil {
		return nil, fmt.Errorf("store: creator by platform id %s/%s: %w", platform, pid, err)
	}
	return c, nil
}

const postOrder = ` ORDER BY p.published_at IS NULL, p.published_at DESC, p.id DESC`

// Posts returns a creator's stored posts, newest first (posts without a
// publication time last). limit <= 0 returns them all. An unknown creator
// is ENOTFOUND.
func (s *Store) Posts(ctx context.Context, creatorID string, limit int) ([]creator.Post, error) {
	if limit <= 0 {
		limit = -1
	}
	var out []creator.Post
	err := s.read(ctx, func(tx *sql.Tx) error {
		var pk int64
		if err := tx.QueryRowContext(ctx, `SELECT pk FROM creators WHERE id=?`, creatorID).Scan(&pk); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("creator", creatorID)
			}
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+postCols+` FROM posts p JOIN creators c ON c.pk = p.creator_pk
			WHERE p.creator_pk=?`+postOrder+` LIMIT ?`, pk, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPost(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("posts of "+creatorID, err)
	}
	return out, nil
}

// eachBatch is how many creators EachCreator reads per read transaction.
const eachBatch = 256

// EachCreator calls fn for every creator that is not gone, in storage order,
// with all its stored posts newest first. It reads in batches, each in its
// own short read transaction, and calls fn outside any transaction, so fn may
// take its time and may write to the store. It stops at the first error from
// fn or ctx and returns it.
func (s *Store) EachCreator(ctx context.Context, fn func(c *creator.Creator, posts []creator.Post) error) error {
	var after int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		type item struct {
			pk    int64
			c     *creator.Creator
			posts []creator.Post
		}
		var batch []item
		err := s.read(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+creatorCols+` FROM creators c
				WHERE c.pk > ? AND c.gone_at IS NULL ORDER BY c.pk LIMIT ?`, after, eachBatch)
			if err != nil {
				return err
			}
			idx := map[int64]int{}
			for rows.Next() {
				pk, c, err := scanCreator(rows)
				if err != nil {
					rows.Close()
					return err
				}
				idx[pk] = len(batch)
				batch = append(batch, item{pk: pk, c: c})
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(batch) == 0 {
				return nil
			}
			prows, err := tx.QueryContext(ctx, `SELECT `+postCols+`, p.creator_pk FROM posts p
				JOIN creators c ON c.pk = p.creator_pk
				WHERE p.creator_pk BETWEEN ? AND ? AND c.gone_at IS NULL
				ORDER BY p.creator_pk, p.published_at IS NULL, p.published_at DESC, p.id DESC`,
				batch[0].pk, batch[len(batch)-1].pk)
			if err != nil {
				return err
			}
			defer prows.Close()
			for prows.Next() {
				var cpk int64
				p, err := scanPost(prows, &cpk)
				if err != nil {
					return err
				}
				if i, ok := idx[cpk]; ok {
					batch[i].posts = append(batch[i].posts, p)
				}
			}
			return prows.Err()
		})
		if err != nil {
			return fmt.Errorf("store: each creator: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, it := range batch {
			if err := fn(it.c, it.posts); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].pk
	}
}

// CountCreators counts the creators that are not gone (those EachCreator
// visits).
func (s *Store) CountCreators(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM creators WHERE gone_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count creators: %w", err)
	}
	return n, nil
}

// CreatorState returns the bookkeeping of a creator: first/last seen,
// failures and the gone mark.
func (s *Store) CreatorState(ctx context.Context, id string) (*CreatorState, error) {
	var (
		st                         CreatorState
		first, last, errAt, goneAt sql.NullString
	)
	err := s.r.QueryRowContext(ctx, `SELECT id, first_seen_at, last_seen_at, failures, last_error_kind,
		last_error, last_error_at, gone_at FROM creators WHERE id=?`, id).
		Scan(&st.ID, &first, &last, &st.Failures, &st.LastErrorKind, &st.LastError, &errAt, &goneAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("creator", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: creator state %s: %w", id, err)
	}
	for _, f := range []struct {
		ns  sql.NullString
		dst *time.Time
	}{{first, &st.FirstSeenAt}, {last, &st.LastSeenAt}} {
		if *f.dst, err = parseTime(f.ns); err != nil {
			return nil, fmt.Errorf("store: creator state %s: %w", id, err)
		}
	}
	if st.LastErrorAt, err = parseTimePtr(errAt); err != nil {
		return nil, fmt.Errorf("store: creator state %s: %w", id, err)
	}
	if st.GoneAt, err = parseTimePtr(goneAt); err != nil {
		return nil, fmt.Errorf("store: creator state %s: %w", id, err)
	}
	st.Gone = st.GoneAt != nil
	return &st, nil
}

// FailureGone is the failure kind that marks a creator gone at once (an
// HTTP 404 or 410 on the profile).
const FailureGone = "gone"

// RecordFailure records a failed fetch of a creator: the kind, message and
// time go on the creator and its consecutive failure count goes up. The
// creator is marked gone (hidden from EachCreator and CountCreators, not
// deleted) when the count reaches goneAfter (if goneAfter > 0) or at once for
// kind "gone". It reports whether the creator is gone after this call. The
// stored facts are never touched.
func (s *Store) RecordFailure(ctx context.Context, creatorID, kind, msg string, at time.Time, goneAfter int) (gone bool, err error) {
	if strings.TrimSpace(kind) == "" {
		return false, creator.Invalid("kind", "failure kind is empty")
	}
	if at.IsZero() {
		return false, creator.Invalid("at", "failure time is zero")
	}
	if err := checkTime("at", at); err != nil {
		return false, err
	}
	err = s.write(ctx, func(tx *txn) error {
		var failures int
		var goneAt sql.NullString
		err := tx.QueryRowContext(ctx, `UPDATE creators SET failures = failures + 1, last_error_kind=?,
			last_error=?, last_error_at=? WHERE id=? RETURNING failures, gone_at`,
			kind, msg, fmtTime(at), creatorID).Scan(&failures, &goneAt)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("creator", creatorID)
		}
		if err != nil {
			return err
		}
		if goneAt.Valid {
			gone = true
			return nil
		}
		if kind == FailureGone || (goneAfter > 0 && failures >= goneAfter) {
			if _, err := tx.ExecContext(ctx, `UPDATE creators SET gone_at=? WHERE id=?`, fmtTime(at), creatorID); err != nil {
				return err
			}
			gone = true
		}
		return nil
	})
	if err != nil {
		return false, wrapErr("record failure of "+creatorID, err)
	}
	return gone, nil
}

// RefreshCandidates returns creators that are not gone and were last fetched
// before the given time (or never), oldest fetch first, at most limit
// (limit <= 0: all). The scheduler applies its per-tier intervals to them.
func (s *Store) RefreshCandidates(ctx context.Context, before time.Time, limit int) ([]CreatorRef, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, platform, platform_id, url, tier, followers, fetched_at, last_post_at
		FROM creators WHERE gone_at IS NULL AND (fetched_at IS NULL OR fetched_at < ?)
		ORDER BY fetched_at IS NOT NULL, fetched_at, pk LIMIT ?`, fmtTime(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: refresh candidates: %w", err)
	}
	defer rows.Close()
	var out []CreatorRef
	for rows.Next() {
		var (
			r               CreatorRef
			pid             sql.NullString
			followers       sql.NullInt64
			fetched, lastPo sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Platform, &pid, &r.URL, &r.Tier, &followers, &fetched, &lastPo); err != nil {
			return nil, fmt.Errorf("store: refresh candidates: %w", err)
		}
		r.PlatformID, r.Followers = pid.String, int64Ptr(followers)
		if r.FetchedAt, err = parseTime(fetched); err != nil {
			return nil, fmt.Errorf("store: refresh candidates: %w", err)
		}
		if r.LastPostAt, err = parseTimePtr(lastPo); err != nil {
			return nil, fmt.Errorf("store: refresh candidates: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: refresh candidates: %w", err)
	}
	return out, nil
}

// FirstSeen returns the first-seen time of each of the given creators that
// is stored (missing ids are absent from the map).
func (s *Store) FirstSeen(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	err := s.read(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `SELECT first_seen_at FROM creators WHERE id=?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			var ns sql.NullString
			err := stmt.QueryRowContext(ctx, id).Scan(&ns)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			t, err := parseTime(ns)
			if err != nil {
				return err
			}
			out[id] = t
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: first seen: %w", err)
	}
	return out, nil
}

// CreatorsFirstSeenSince returns the ids of creators that are not gone and
// were first seen strictly after since, oldest first, at most limit
// (limit <= 0: all). It answers "new since the last run".
func (s *Store) CreatorsFirstSeenSince(ctx context.Context, since time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM creators WHERE gone_at IS NULL AND first_seen_at > ?
		ORDER BY first_seen_at, pk LIMIT ?`, since.UTC().Format(timeLayout), limit)
	if err != nil {
		return nil, fmt.Errorf("store: creators first seen since: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: creators first seen since: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: creators first seen since: %w", err)
	}
	return out, nil
}
