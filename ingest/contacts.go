package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/index"
	"github.com/creatorscout/creatorscout/store"
)

// Contact pages: what the pages a creator links to say (its link-in-bio
// page, its website's home, about and contact pages; source.Result.Contacts,
// read by the linkpage source) is stored apart from the creator's profile,
// in the store's contact facts, and merged into every analysis of the
// creator and of the other creators linking to the same page. A profile
// recrawl, which rewrites the creators row, therefore keeps it.

// analyser is the store.AnalyseFunc of a write transaction: Analyze, then
// the creator's stored contact facts merged in (analyseWithFacts).
func (p *Pipeline) analyser(tx *store.Tx, now time.Time) store.AnalyseFunc {
	return func(c *creator.Creator, posts []creator.Post, hist []creator.Snapshot) {
		facts, err := tx.ContactFacts(c)
		if err != nil {
			// The facts stay stored; the next analysis merges them.
			p.log.Warn("contact facts not merged", "id", c.ID, "err", err)
		}
		if p.analyseWithFacts(c, posts, hist, facts, now) {
			if err := p.dropStale(tx, c); err != nil {
				// They stay stored, and left out; the next write deletes them.
				p.log.Warn("stale contact facts not deleted", "id", c.ID, "err", err)
			}
		}
	}
}

// analyseWithFacts analyses c and merges in its contact facts but the
// stale ones (creator.SplitContactFacts), and reports whether there were
// stale ones, for the transaction to delete (dropStale).
//
// No field of c can hold a value an earlier merge took from a fact that is
// stale now: a fact only turns stale when c's fetch time moves on, which
// is a fetch of the profile, whose fields are then the profile's own.
func (p *Pipeline) analyseWithFacts(c *creator.Creator, posts []creator.Post, hist []creator.Snapshot, facts []creator.ContactFact, now time.Time) (stale bool) {
	facts, old := creator.SplitContactFacts(facts, c.FetchedAt)
	creator.Analyze(c, posts, hist, now, p.opts)
	creator.MergeContactFacts(c, facts)
	return len(old) > 0
}

// dropStale deletes the stale contact facts of c.
func (p *Pipeline) dropStale(tx *store.Tx, c *creator.Creator) error {
	n, err := tx.DropStaleContactFacts(c)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if n > 0 {
		p.log.Info("stale contact facts deleted", "id", c.ID, "facts", n, "max_age", creator.ContactFactMaxAge.String())
	}
	return nil
}

// putContacts takes what a page means for contacts.
//
// A profile's page leads to contact page requests (res.Next, queued by the
// crawler with Meta[source.MetaCreatorID] and Meta[source.MetaContactPage]).
// The frontier fetches a page once however many creators link to it (one
// person's accounts share a link-in-bio page), so the pipeline notes which
// creators wait for which page, and a creator linking to a page already
// read for another gets a copy of its facts (store.Tx.CopyContactFacts) at
// once, or as soon as it is stored.
//
// A contact page's facts (res.Contacts) replace what the page said before,
// for the creator it was fetched for and every creator holding or waiting
// for the page. Those creators are analysed again and queued for the
// index, so filters such as has_email find them. Writing the same page
// again (fetched again after a crash) changes nothing. A creator not stored
// (never stored, opted out or forgotten since the page was queued) is
// skipped, and facts the store refuses are logged and dropped.
func (p *Pipeline) putContacts(ctx context.Context, page *source.Page, res *source.Result) error {
	if page == nil || res == nil {
		return nil
	}
	var reqs []contactWant
	for _, n := range res.Next {
		if id, pg := n.Meta[source.MetaCreatorID], n.Meta[source.MetaContactPage]; id != "" && pg != "" {
			p.contacts.wants.add(creator.ContactPageKey(pg), id)
			reqs = append(reqs, contactWant{id: id, page: pg})
		}
	}
	owner := page.Meta[source.MetaCreatorID]
	var facts []creator.ContactFact
	for _, f := range res.Contacts {
		switch {
		case f.CreatorID == "":
			continue // read without a request for a creator: nobody to credit
		case owner == "":
			owner = f.CreatorID
		case f.CreatorID != owner:
			p.log.Warn("contact fact of another creator dropped", "page", sourceURL(page), "for", owner, "fact_creator", f.CreatorID)
			continue
		}
		facts = append(facts, f)
	}
	if owner != "" {
		src := sourceURL(page)
		if len(facts) > 0 {
			src = facts[0].SourceURL
		}
		home := page.Meta[source.MetaContactPage]
		if home == "" {
			home = src
		}
		if err := p.commitContacts(ctx, owner, home, src, facts); err != nil {
			return err
		}
	}
	p.contacts.pending.add(reqs) // shared when their creators are stored: shareContacts
	return nil
}

// commitContacts stores the facts page src gave (filed under the contact
// page home) for owner and every creator holding or waiting for home and,
// for those whose facts changed, analyses them again and queues them for
// the index, in one transaction.
func (p *Pipeline) commitContacts(ctx context.Context, owner, home, src string, facts []creator.ContactFact) error {
	var docs []index.Doc
	now := p.now().UTC()
	err := p.store.WriteTx(ctx, func(tx *store.Tx) error {
		docs = docs[:0]
		tx.OnCommit(func() { p.pend(docs) })
		holders, err := tx.ContactPageHolders(home)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		var targets []string
		for _, id := range append(append([]string{owner}, p.contacts.wants.get(creator.ContactPageKey(home))...), holders...) {
			if !slices.Contains(targets, id) {
				targets = append(targets, id)
			}
		}
		for _, id := range targets {
			mine := make([]creator.ContactFact, len(facts))
			for i, f := range facts {
				f.CreatorID = id
				mine[i] = f
			}
			removed, err := tx.PutContactPageFacts(id, home, src, mine)
			switch creator.ErrorCode(err) {
			case "":
			case creator.ENOTFOUND:
				continue
			case creator.EINVALID:
				p.log.Warn("contact facts not stored", "id", id, "page", src, "err", err)
				return nil
			default:
				return fmt.Errorf("ingest: contact facts of %s from %s: %w", id, src, err)
			}
			if len(facts) == 0 && len(removed) == 0 {
				continue // the page said nothing, and said nothing before
			}
			if doc, err := p.reanalyse(tx, id, removed, src, now); err != nil {
				return err
			} else if doc != nil {
				docs = append(docs, *doc)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return p.flushIfFull()
}

// reanalyse analyses stored creator id again (taking out of its fields
// the values removed, which an earlier merge put there), as of now; nil
// when it is not stored or the store refuses it.
func (p *Pipeline) reanalyse(tx *store.Tx, id string, removed []creator.ContactFact, from string, now time.Time) (*index.Doc, error) {
	c, err := tx.Creator(id)
	if creator.ErrorCode(err) == creator.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: load %s: %w", id, err)
	}
	dropContacts(c, removed)
	u, err := tx.UpsertAnalysed(c, nil, RecentPosts, p.analyser(tx, now))
	if err != nil {
		if p.refused(err, id, from) {
			return nil, nil
		}
		return nil, fmt.Errorf("ingest: store analysis of %s: %w", id, err)
	}
	return &index.Doc{Creator: u.Creator, Posts: u.Posts}, nil
}

// contactWant is a creator linking to a contact page.
type contactWant struct{ id, page string }

// shareContacts gives each stored creator waiting for a contact page (its
// profile linked to it; putContacts) the facts of that page already read
// for another creator, and analyses it again. The commit of each page calls
// it, so a creator gets them as soon as its page is stored. A creator not
// stored yet keeps waiting, for a while. A store error is logged and the
// copies wait for the next commit: the page that was just committed stays
// committed. It returns only the index queue's error.
func (p *Pipeline) shareContacts(ctx context.Context) error {
	waiting := p.contacts.pending.take()
	if len(waiting) == 0 {
		return nil
	}
	later, err := p.copyContacts(ctx, waiting)
	if err != nil {
		p.log.Warn("contact facts not shared yet", "err", err)
		later = waiting
	}
	p.contacts.pending.giveBack(later)
	return p.flushIfFull()
}

// copyContacts makes the copies of waiting that can be made now and
// returns the copies still waiting. The creators it analyses again are
// queued for the index when its transaction commits.
func (p *Pipeline) copyContacts(ctx context.Context, waiting map[contactWant]int) (map[contactWant]int, error) {
	var need []contactWant
	later := map[contactWant]int{}
	for w, tries := range waiting {
		holders, err := p.store.ContactPageHolders(ctx, w.page)
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		switch {
		case len(holders) == 1 && holders[0] == w.id:
			// It alone holds the page: nothing to copy. Holding the page
			// is not enough: a creator stored after one of the page's
			// readings (its about page, say) was committed, and before
			// another, holds the second only. CopyContactFacts copies
			// the readings it lacks.
			continue
		case len(holders) == 0:
			later[w] = tries + 1 // not read yet
			continue
		}
		if _, err := p.store.Creator(ctx, w.id); creator.ErrorCode(err) == creator.ENOTFOUND {
			later[w] = tries + 1
			continue
		} else if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		need = append(need, w)
	}
	if len(need) == 0 {
		return later, nil
	}
	slices.SortFunc(need, func(a, b contactWant) int { return strings.Compare(a.id+" "+a.page, b.id+" "+b.page) })
	var docs []index.Doc
	now := p.now().UTC()
	err := p.store.WriteTx(ctx, func(tx *store.Tx) error {
		docs = docs[:0]
		tx.OnCommit(func() { p.pend(docs) })
		copied := map[string]bool{}
		for _, w := range need {
			n, err := tx.CopyContactFacts(w.id, w.page)
			if creator.ErrorCode(err) == creator.ENOTFOUND {
				continue // forgotten since
			}
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			copied[w.id] = copied[w.id] || n > 0
		}
		for _, w := range need {
			if !copied[w.id] {
				continue
			}
			copied[w.id] = false
			if doc, err := p.reanalyse(tx, w.id, nil, w.page, now); err != nil {
				return err
			} else if doc != nil {
				docs = append(docs, *doc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return later, nil
}

// contactState is what a pipeline remembers about contact pages while it
// runs.
type contactState struct {
	wants   contactWants
	pending pendingCopies
}

// maxWants bounds the (page, creator) pairs a pipeline remembers.
const maxWants = 100_000

// contactWants remembers, for this process, which creators linked to
// which contact page (by creator.ContactPageKey). A creator whose request
// for a page the frontier dropped as already queued is still analysed
// again when the page lands; after a restart such a creator gets the
// page's facts at its next analysis (Tx.ContactFacts shares them).
type contactWants struct {
	mu sync.Mutex
	m  map[string][]string
	n  int
}

func (w *contactWants) add(page, id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil || w.n >= maxWants {
		w.m, w.n = map[string][]string{}, 0
	}
	if !slices.Contains(w.m[page], id) {
		w.m[page] = append(w.m[page], id)
		w.n++
	}
}

func (w *contactWants) get(page string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.m[page])
}

// dropContacts takes out of c's email and links fields the values a page
// no longer gives: an earlier merge put them there, and the analysis would
// otherwise credit them to those fields.
func dropContacts(c *creator.Creator, removed []creator.ContactFact) {
	if len(removed) == 0 {
		return
	}
	gone := map[string]bool{}
	for _, f := range removed {
		if f.Kind == creator.ContactEmail {
			gone["email "+f.Value] = true
		} else if l, ok := creator.NormalizeLink(f.Value); ok {
			gone["link "+l] = true
		}
	}
	if e, ok := creator.NormalizeEmail(c.Email); ok && gone["email "+e] {
		c.Email = ""
	}
	kept := c.Links[:0:0]
	for _, l := range c.Links {
		if n, ok := creator.NormalizeLink(l); ok && gone["link "+n] {
			continue
		}
		kept = append(kept, l)
	}
	c.Links = kept
}

// maxPending bounds the copies waiting for their creator to be stored, and
// maxTries how many commits each waits through before it is dropped (its
// creator was refused, or is never stored).
const (
	maxPending = 10_000
	maxTries   = 50
)

// pendingCopies are creators waiting for a contact page's facts, with how
// many commits each has waited through.
type pendingCopies struct {
	mu    sync.Mutex
	tries map[contactWant]int
}

func (pc *pendingCopies) add(ws []contactWant) {
	if len(ws) == 0 {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.tries == nil {
		pc.tries = map[contactWant]int{}
	}
	for _, w := range ws {
		if len(pc.tries) >= maxPending {
			return
		}
		if _, ok := pc.tries[w]; !ok {
			pc.tries[w] = 0
		}
	}
}

// take returns the waiting copies and forgets them; giveBack returns those
// still waiting, with their counts.
func (pc *pendingCopies) take() map[contactWant]int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	out := pc.tries
	pc.tries = nil
	return out
}

func (pc *pendingCopies) giveBack(m map[contactWant]int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.tries == nil {
		pc.tries = map[contactWant]int{}
	}
	for w, n := range m {
		if old, ok := pc.tries[w]; ok && old < n {
			n = old // added again meanwhile
		}
		if n <= maxTries && len(pc.tries) < maxPending {
			pc.tries[w] = n
		}
	}
}
