package nightly

import (
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/creatorscout/creatorscout/crawler"
	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
	"github.com/creatorscout/creatorscout/store"
)

// MetaRefresh is the Meta key of a refresh request: the creator's store
// key, so the outcome of the request maps back to the creator even when
// its handle changes on the way.
const MetaRefresh = "refresh_key"

// Targets builds refresh requests with the enabled sources.
type Targets struct {
	byName map[string]source.Source
}

// NewTargets indexes the sources by name.
func NewTargets(srcs []source.Source) *Targets {
	t := &Targets{byName: map[string]source.Source{}}
	for _, s := range srcs {
		if s != nil {
			t.byName[s.Name()] = s
		}
	}
	return t
}

// sourceOf is the source that reads a platform's profiles.
func sourceOf(platform string) string {
	switch platform {
	case creator.TikTok, creator.Web:
		return "html"
	default:
		return platform
	}
}

// Requests returns the profile requests that refresh r, each with
// MetaRefresh set. Where the platform has an id that survives a rename
// (a Bluesky DID, a YouTube channel id) the request asks by it.
func (t *Targets) Requests(r store.RefreshRef) ([]source.Request, error) {
	var inputs []string
	switch r.Platform {
	case creator.Bluesky, creator.YouTube:
		inputs = []string{r.PlatformID, r.Platform + ":" + r.Handle, r.URL}
	case creator.TikTok, creator.Web:
		inputs = []string{r.SourceURL, r.URL}
	default:
		inputs = []string{r.Platform + ":" + r.Handle, r.URL}
	}
	var reqs []source.Request
	if ps, ok := t.byName[sourceOf(r.Platform)].(source.ProfileSource); ok {
		for _, in := range inputs {
			if strings.TrimSpace(in) == "" || strings.HasSuffix(in, ":") {
				continue
			}
			if rs, ok := ps.ProfileRequests(in); ok && len(rs) > 0 {
				reqs = rs
				break
			}
		}
	}
	if reqs == nil {
		// As `crawl --url` does: a profile page no source claims is
		// fetched and each source's Detect looks at it.
		for _, in := range inputs {
			if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				reqs = []source.Request{{URL: in, Kind: source.KindProfile}}
				break
			}
		}
	}
	if reqs == nil {
		return nil, fmt.Errorf("nightly: refresh %s: no enabled source reads %s profiles", r.ID, r.Platform)
	}
	out := make([]source.Request, len(reqs))
	for i, rq := range reqs {
		meta := maps.Clone(rq.Meta)
		if meta == nil {
			meta = map[string]string{}
		}
		meta[MetaRefresh] = strconv.FormatInt(r.Key, 10)
		out[i] = source.Request{URL: rq.URL, Kind: rq.Kind, Meta: meta}
	}
	return out, nil
}

// attempt is the last outcome of a creator's refresh request.
type attempt struct {
	url     string
	status  int
	errKind string
}

func (a attempt) ok() bool { return a.errKind == "" && a.status > 0 && a.status < 400 }

// tracker collects the crawler's outcomes during a run (crawler.WithOutcome).
type tracker struct {
	mu sync.Mutex
	// byKey: the last outcome of each refresh request, by creator key.
	byKey map[int64]attempt
	// hostErr: origins that failed this run (robots.txt unreachable, or a
	// request without a response or with a 5xx), with the last error kind.
	hostErr map[string]string
	// hostOK: origins that answered a request this run without a server
	// or network error.
	hostOK map[string]bool
}

func newTracker() *tracker {
	return &tracker{byKey: map[int64]attempt{}, hostErr: map[string]string{}, hostOK: map[string]bool{}}
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (t *tracker) record(o crawler.Outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	org := origin(o.URL)
	hostFailure := o.Robots || o.Status == 0 || o.Status >= 500 || o.Status == 429
	switch {
	case o.ErrKind != "" && hostFailure:
		t.hostErr[org] = o.ErrKind
	case !o.Robots:
		t.hostOK[org] = true
	}
	if o.Robots {
		return
	}
	k, err := strconv.ParseInt(o.Meta[MetaRefresh], 10, 64)
	if err != nil {
		return
	}
	t.byKey[k] = attempt{url: o.URL, status: o.Status, errKind: o.ErrKind}
}

func (t *tracker) outcome(key int64) (attempt, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.byKey[key]
	return a, ok
}

// hostFailure returns the error kind of u's host when the host failed this
// run and never answered properly.
func (t *tracker) hostFailure(u string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	org := origin(u)
	kind, failed := t.hostErr[org]
	if !failed || t.hostOK[org] {
		return "", false
	}
	return kind, true
}
