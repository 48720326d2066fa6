package simnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ErrNoOptOut is returned by OptOut for platforms with no opt-out signal
// (YouTube, Instagram, TikTok).
var ErrNoOptOut = errors.New("platform has no opt-out signal")

// ErrUnknownCreator is returned when an id names no account.
var ErrUnknownCreator = errors.New("no such creator")

// ErrUnknownHost is returned when a host name or address is not simnet's.
var ErrUnknownHost = errors.New("no such host")

// AdvanceDay moves the simulated date one day on: every live creator gains
// or loses followers by its own trend, older posts gain a little
// engagement, and creators post new posts by their cadence (the newest 20
// are kept). The YouTube quota resets.
func (n *Network) AdvanceDay() {
	n.mu.Lock()
	prev := n.today
	n.day++
	n.today = n.today.AddDate(0, 0, 1)
	g := &gen{n: n, peers: map[string]map[int][]*account{}}
	for _, a := range n.accounts {
		if a.person != nil && !a.gone {
			if g.peers[a.platform] == nil {
				g.peers[a.platform] = map[int][]*account{}
			}
			g.peers[a.platform][a.person.niches[0]] = append(g.peers[a.platform][a.person.niches[0]], a)
		}
	}
	for _, a := range n.accounts {
		if a.gone || a.isBrand() {
			continue
		}
		r := newRand(n.opts.Seed, streamDay, uint64(n.day), uint64(a.idx))
		a.followers = max(1, float64(int64(a.followers*(1+a.growth+0.002*r.NormFloat64())+0.5)))
		a.following = max(0, a.following+int64(r.IntN(5))-1)
		for _, p := range a.posts {
			boost := 0.01 + 0.02*r.Float64()
			p.likes += int64(float64(p.likes)*boost + 0.5)
			p.comments += int64(float64(p.comments)*boost/2 + 0.3)
			if p.hasViews {
				p.views += int64(float64(p.views)*boost + 0.5)
			}
		}
		k := 0
		for i := 0; i < 2; i++ {
			if r.Float64() < a.cadence/2 {
				k++
			}
		}
		for i := 0; i < k; i++ {
			at := prev.Add(time.Duration(8+r.IntN(14))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			p := g.newPost(a, at, r)
			p.likes, p.comments = p.likes/2, p.comments/2 // a fresh post has not peaked yet
			a.posts = append(a.posts, p)
		}
		sort.SliceStable(a.posts, func(i, j int) bool { return a.posts[i].created.After(a.posts[j].created) })
		if len(a.posts) > 20 {
			a.olderPosts += int64(len(a.posts) - 20)
			a.posts = a.posts[:20]
		}
		a.updated = n.today
	}
	n.modified = n.today
	n.reindex()
	n.mu.Unlock()
	n.cacheMu.Lock()
	n.quotaUsed = 0
	n.cacheMu.Unlock()
	n.clearCache()
}

// mutate runs f on the account id names, then reindexes and drops cached pages.
func (n *Network) mutate(id string, f func(a *account) error) error {
	n.mu.Lock()
	a := n.findID(id)
	if a == nil {
		n.mu.Unlock()
		return fmt.Errorf("simnet: %q: %w", id, ErrUnknownCreator)
	}
	if err := f(a); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("simnet: %q: %w", id, err)
	}
	a.updated = n.today.Add(time.Duration(n.day+1) * time.Minute)
	n.modified = a.updated
	n.reindex()
	n.mu.Unlock()
	n.clearCache()
	return nil
}

// SetGone deletes a creator's account: APIs answer with their not-found
// shapes (Mastodon 404 "Record not found", Bluesky 400 "Profile not found",
// YouTube an empty list, Graph API error 110), HTML profile pages with 410.
// id is the creator id from Creators ("platform:handle").
func (n *Network) SetGone(id string) error {
	return n.mutate(id, func(a *account) error {
		a.gone = true
		return nil
	})
}

// OptOut makes a creator ask not to be indexed: Mastodon discoverable
// false, the Bluesky "!no-unauthenticated" label, or a robots noindex meta
// on an HTML profile. Other platforms return ErrNoOptOut.
func (n *Network) OptOut(id string) error {
	return n.mutate(id, func(a *account) error {
		switch a.platform {
		case Mastodon:
			a.optOut = OptOutUndiscoverable
		case Bluesky:
			a.optOut = OptOutNoUnauthenticated
		case Web:
			a.optOut = OptOutMetaNoindex
		default:
			return fmt.Errorf("opt out on %s: %w", a.platform, ErrNoOptOut)
		}
		return nil
	})
}

var handleRules = map[string]*regexp.Regexp{
	Mastodon:  regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`),
	Bluesky:   regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`),
	YouTube:   regexp.MustCompile(`^[A-Za-z0-9._-]{3,30}$`),
	Instagram: regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`),
	TikTok:    regexp.MustCompile(`^[A-Za-z0-9._]{2,24}$`),
	Web:       regexp.MustCompile(`^[a-z0-9_-]{1,40}$`),
}

// Rename gives a creator a new handle; the platform id stays, the old
// handle stops resolving. newHandle must be valid on the platform (Bluesky:
// a full domain handle such as "new.bsky.social"; Mastodon: the username).
func (n *Network) Rename(id, newHandle string) error {
	newHandle = strings.TrimPrefix(strings.TrimSpace(newHandle), "@")
	return n.mutate(id, func(a *account) error {
		rule := handleRules[a.platform]
		if rule == nil || !rule.MatchString(newHandle) || reservedHandle(newHandle) {
			return fmt.Errorf("rename: %q is not a valid %s handle (want %s)", newHandle, a.platform, rule)
		}
		if o := n.lookup(a.platform, a.host, newHandle); o != nil && o != a {
			return fmt.Errorf("rename: %s handle %q is taken", a.platform, newHandle)
		}
		a.oldHandles = append(a.oldHandles, a.handle)
		a.handle = newHandle
		return nil
	})
}

// SetHostDown makes a host answer every request, robots.txt included,
// with 503 Service Unavailable (down) or serve normally again.
func (n *Network) SetHostDown(host string, down bool) error {
	h := n.hostByName(host)
	if h == nil {
		return fmt.Errorf("simnet: set host down %q: %w", host, ErrUnknownHost)
	}
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
	return nil
}

// SetHostRefusing closes a host's listener so connections are refused
// (refusing) or opens it again on the same address.
func (n *Network) SetHostRefusing(host string, refusing bool) error {
	h := n.hostByName(host)
	if h == nil {
		return fmt.Errorf("simnet: set host refusing %q: %w", host, ErrUnknownHost)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.srv == nil {
		return fmt.Errorf("simnet: set host refusing %q: network not started", host)
	}
	if refusing == h.refusing {
		return nil
	}
	if refusing {
		h.srv.Close()
		h.refusing = true
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", h.addr)
	if err != nil {
		return fmt.Errorf("simnet: reopen %s on %s: %w", h.name, h.addr, err)
	}
	h.ln = ln
	h.srv = n.newHTTPServer(h)
	go func(srv *http.Server) { srv.Serve(ln) }(h.srv)
	h.refusing = false
	return nil
}
