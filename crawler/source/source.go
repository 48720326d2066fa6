// Package source defines what a source format is to the crawler: something
// that turns a fetched page (an API response or an HTML profile) into
// creators, posts and the next requests to make. Each format lives in its own
// package under crawler/source/<name>/, registers a constructor here in its
// init, and is linked in by a blank import in crawler/source/all.
//
// Sources are pure parsers plus URL builders: they never fetch. The crawler
// fetches politely and hands them pages; `creatorscout extract` hands them
// saved files. That keeps every format testable offline from fixtures.
package source

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// Page is one fetched response handed to a source.
type Page struct {
	URL       *url.URL
	Status    int
	Header    http.Header
	Body      []byte            // decompressed, valid UTF-8
	Meta      map[string]string // carried over from the Request that fetched it
	FetchedAt time.Time
}

// Request is a URL to fetch next, with the context its parser will need
// (for example the creator a videos.list page belongs to).
type Request struct {
	URL  string            `json:"url"`
	Kind string            `json:"kind"` // one of the Kind* constants
	Meta map[string]string `json:"meta,omitempty"`
}

// Request kinds, for budgets, depth and metrics.
const (
	KindProfile = "profile" // a creator's profile or account
	KindPosts   = "posts"   // a creator's recent posts
	KindHashtag = "hashtag" // a hashtag feed or search
	KindSearch  = "search"  // keyword or directory discovery
	KindPage    = "page"    // any other page (link-in-bio, about)
)

// Meta keys every source understands.
const (
	// MetaSnowball marks snowball discovery: creators @mentioned by
	// creators already found. Its value is the hop count, "1" for a creator
	// mentioned by one the crawl found through a hashtag, brand or profile
	// job. A source copies it from a snowballed profile's page onto the
	// requests for that creator's posts, and the mentions read there are
	// one hop further.
	MetaSnowball = "snowball"
	// MetaSnowballID is the creator id ("platform:handle") a snowball
	// profile Request is for. Only the Request that starts a snowball hop
	// carries it; whoever bounds the snowball (depth, budget) counts those.
	MetaSnowballID = "snowball_id"
	// MetaBrand names the brand whose search led to a Request.
	MetaBrand = "brand"
	// MetaCreatorID is the creator id ("platform:handle") a contact page
	// Request (a link-in-bio, about or contact page, KindPage) is for: the
	// source that reads the page credits the e-mails and links it finds
	// to that creator (Result.Contacts).
	MetaCreatorID = "creator_id"
	// MetaContactPage is the contact page a profile links to that led to a
	// contact page Request: the page itself, or the website home an about
	// or contact page was found on. The sink files the page's contacts
	// under it, so every creator linking to that page gets them.
	MetaContactPage = "contact_page"
)

// maxHop bounds the hop count read from Meta.
const maxHop = 1000

// SnowballHop is the snowball hop of a page or Request from its Meta: 0
// when it was not reached by snowballing (or the value is unreadable).
func SnowballHop(meta map[string]string) int {
	n, err := strconv.Atoi(meta[MetaSnowball])
	if err != nil || n < 0 {
		return 0
	}
	return min(n, maxHop)
}

// MentionMeta is the Meta of a snowball profile Request for creator id,
// @mentioned on a page whose Meta is pageMeta: one hop further than the
// page.
func MentionMeta(pageMeta map[string]string, id string) map[string]string {
	return map[string]string{
		MetaSnowball:   strconv.Itoa(SnowballHop(pageMeta) + 1),
		MetaSnowballID: id,
	}
}

// CarrySnowball copies the page's snowball hop (not the id) into meta, for
// the requests that follow a snowballed profile (its posts).
func CarrySnowball(meta, pageMeta map[string]string) {
	if h := SnowballHop(pageMeta); h > 0 && meta != nil {
		meta[MetaSnowball] = strconv.Itoa(h)
	}
}

// Result is what a source read from one page. Every Post has CreatorID set
// when the author is known; a post whose author cannot be resolved honestly
// keeps CreatorID empty.
type Result struct {
	Creators []creator.Creator `json:"creators"`
	Posts    []creator.Post    `json:"posts"`
	Next     []Request         `json:"next,omitempty"`
	// OptedOut lists accounts seen on the page and dropped because they ask
	// not to be indexed (noindex, discoverable:false, !no-unauthenticated).
	OptedOut []string `json:"opted_out,omitempty"`
	// Contacts are the e-mail addresses and links a contact page (a
	// link-in-bio, about or contact page) gave for the creator its
	// Request's Meta[MetaCreatorID] names, each with the page's URL and
	// fetch time. The sink stores them apart from the creator's profile, so
	// a profile recrawl does not erase them. Only contact pages fill it.
	Contacts []creator.ContactFact `json:"contacts,omitempty"`
}

// Source parses one format.
type Source interface {
	// Name is the registered name, e.g. "mastodon".
	Name() string
	// Detect reports whether the page at u with body looks like this format.
	// body may be nil when only the URL is known.
	Detect(u *url.URL, body []byte) bool
	// Parse reads what it can. On damaged input it returns the part it could
	// read together with a *ParseError for the rest; it never panics and never
	// invents a 0 for a count it could not read.
	Parse(p *Page) (*Result, error)
}

// HashtagSource can start a hashtag discovery job.
type HashtagSource interface {
	Source
	HashtagRequests(tag string) []Request
}

// SearchSource can search posts by free text: a brand's @handle or name,
// for the competitor search. The authors of matching posts are queued as
// profile Requests, as a hashtag search queues them.
type SearchSource interface {
	Source
	SearchRequests(query string) []Request
}

// ProfileSource can start a profile job from a handle or a profile URL. ok
// is false when the handle or URL is not for this source.
type ProfileSource interface {
	Source
	ProfileRequests(handleOrURL string) (reqs []Request, ok bool)
}

// Options configure a source: where its API lives and its credentials. They
// come from config so tests and the demo can point a source at the
// synthetic network.
type Options struct {
	BaseURL string // e.g. https://mastodon.social or https://www.googleapis.com
	Token   string // bearer token / access token
	APIKey  string // API key (YouTube)
	// UserID is the account the API calls are made as (the Instagram Graph
	// API's IG user id for business_discovery and hashtag search).
	UserID string
	// Hosts are extra host names (host or host:port) whose pages this source
	// claims in Detect, e.g. a loopback address serving this format.
	Hosts []string
	// PostsPerCreator bounds how many recent posts are asked for.
	PostsPerCreator int
}

// Factory builds a configured source.
type Factory func(Options) (Source, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a source format available by name. It panics on a duplicate
// name, which is a programming error caught at init.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[name]; dup {
		panic("source: Register called twice for " + name)
	}
	factories[name] = f
}

// Names lists the registered sources, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the named source.
func New(name string, o Options) (Source, error) {
	mu.RLock()
	f, ok := factories[name]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("source %q is not known; known: %s", name, strings.Join(Names(), ", "))
	}
	return f(o)
}

// ParseError says which parts of a page could not be read. The Result
// returned beside it holds everything that could.
type ParseError struct {
	Source string
	URL    string
	Issues []string // e.g. "followers: \"12,x\" is not a count"
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Source, e.URL, strings.Join(e.Issues, "; "))
}

// Add records one problem; use with Err to return nil when there were none.
func (e *ParseError) Add(format string, args ...any) {
	e.Issues = append(e.Issues, fmt.Sprintf(format, args...))
}

// Err returns e when it holds issues and nil otherwise.
func (e *ParseError) Err() error {
	if e == nil || len(e.Issues) == 0 {
		return nil
	}
	return e
}

// ErrNotThisFormat is returned by Parse when the page is not of the source's
// format at all (as opposed to damaged).
var ErrNotThisFormat = errors.New("page is not of this format")

// credentialParams are the query parameters that carry credentials in the
// APIs the sources read: the Graph API's access_token, appsecret_proof
// and client_secret, and the YouTube Data API's key.
var credentialParams = []string{"access_token", "appsecret_proof", "client_secret", "key"}

// Redact returns u without its credentials, as sources keep it as a fact's
// source URL (and show it in errors): the credential parameters dropped
// and the query re-encoded when there were any, u as it is otherwise. A
// page's creators are found again by this form of its URL (a 304 confirms
// the creators read from it).
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	q := u.Query()
	changed := false
	for _, k := range credentialParams {
		if q.Has(k) {
			q.Del(k)
			changed = true
		}
	}
	if !changed {
		return u.String()
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.String()
}
