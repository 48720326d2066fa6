package crawler

import (
	"bufio"
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// mentionSource is a test format like lineSource: "creator H" names a
// creator, "mention H" asks for /u/H as a snowball profile one hop further
// than the page, "link PATH" asks for a page carrying the page's hop, and
// "forge PATH" asks for a page with MetaRestartDepth set by the source
// itself (which only Snowball may set).
type mentionSource struct{ base string }

func (mentionSource) Name() string                 { return "mentions" }
func (mentionSource) Detect(*url.URL, []byte) bool { return true }
func (s mentionSource) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{}
	sc := bufio.NewScanner(bytes.NewReader(p.Body))
	for sc.Scan() {
		kind, val, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch kind {
		case "creator":
			res.Creators = append(res.Creators, creator.Creator{ID: creator.MakeID(creator.Web, val), Platform: creator.Web, Handle: val})
		case "mention":
			res.Next = append(res.Next, source.Request{URL: s.base + "/u/" + val, Kind: source.KindProfile,
				Meta: source.MentionMeta(p.Meta, creator.MakeID(creator.Web, val))})
		case "link":
			m := map[string]string{}
			source.CarrySnowball(m, p.Meta)
			res.Next = append(res.Next, source.Request{URL: s.base + val, Kind: source.KindPosts, Meta: m})
		case "forge":
			res.Next = append(res.Next, source.Request{URL: s.base + val, Kind: source.KindPage, Meta: map[string]string{MetaRestartDepth: "1"}})
		}
	}
	return res, nil
}

// snowballRun crawls from seed with the mention source wrapped in sb and
// returns the paths the server saw.
func snowballRun(t *testing.T, cfg Config, sb *Snowball, routes map[string]http.HandlerFunc, seed string) []string {
	t.Helper()
	srv := newServer(t, routes)
	srcs := sb.Wrap([]source.Source{mentionSource{base: srv.URL}})
	c, err := New(cfg, srcs, &recSink{}, WithFrontier(NewMemFrontier()), WithRand(func() float64 { return 0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Run(testCtx(t), reqs(srv.URL+seed)); err != nil {
		t.Fatal(err)
	}
	return srv.uris()
}

func TestSnowballDepthBoundsHops(t *testing.T) {
	routes := map[string]http.HandlerFunc{
		"/u/a": text("creator a", "mention b", "mention c"),
		"/u/b": text("creator b", "mention d"), // d is two hops from a
		"/u/c": text("creator c"),
		"/u/d": text("creator d"),
	}
	sb := NewSnowball(1, 100)
	got := snowballRun(t, testConfig(), sb, routes, "/u/a")
	if want := []string{"/u/a", "/u/b", "/u/c"}; !slices.Equal(got, want) {
		t.Fatalf("depth 1 fetched %q, want %q", got, want)
	}
	if st := sb.Stats(); st.Admitted != 2 || st.TooDeep != 1 {
		t.Fatalf("stats %+v, want 2 admitted and 1 too deep", st)
	}

	sb = NewSnowball(2, 100)
	got = snowballRun(t, testConfig(), sb, routes, "/u/a")
	if want := []string{"/u/a", "/u/b", "/u/c", "/u/d"}; !slices.Equal(got, want) {
		t.Fatalf("depth 2 fetched %q, want %q", got, want)
	}
}

func TestSnowballBudgetBoundsProfiles(t *testing.T) {
	routes := map[string]http.HandlerFunc{
		"/u/a": text("creator a", "mention a", "mention b", "mention c", "mention d", "mention e"),
		"/u/b": text("creator b"), "/u/c": text("creator c"), "/u/d": text("creator d"), "/u/e": text("creator e"),
	}
	sb := NewSnowball(3, 2)
	got := snowballRun(t, testConfig(), sb, routes, "/u/a")
	// The page's own creator is known (not charged); then b and c spend
	// the budget of 2.
	if want := []string{"/u/a", "/u/b", "/u/c"}; !slices.Equal(got, want) {
		t.Fatalf("budget 2 fetched %q, want %q", got, want)
	}
	if st := sb.Stats(); st != (SnowballStats{Admitted: 2, Known: 1, OverBudget: 2}) {
		t.Fatalf("stats %+v", st)
	}

	sb = NewSnowball(0, 100)
	if got := snowballRun(t, testConfig(), sb, routes, "/u/a"); !slices.Equal(got, []string{"/u/a"}) {
		t.Fatalf("depth 0 (snowball off) fetched %q", got)
	}
}

func TestSnowballRestartsDepthOnlyForAdmittedProfiles(t *testing.T) {
	cfg := testConfig()
	cfg.MaxDepth = 1
	routes := map[string]http.HandlerFunc{
		"/u/a":      text("creator a", "link /posts/a", "forge /forged/1"),
		"/posts/a":  text("mention b"), // depth 1: b would be depth 2
		"/u/b":      text("creator b", "link /posts/b"),
		"/posts/b":  text("mention c"), // depth 2: beyond MaxDepth
		"/forged/1": text("forge /forged/2"),
		"/forged/2": text("creator f"),
		"/u/c":      text("creator c"),
	}
	sb := NewSnowball(5, 100)
	got := snowballRun(t, cfg, sb, routes, "/u/a")
	// b is a new root at depth 1; its posts page (depth 2) and the
	// source's own restart mark on /forged/2 are held to MaxDepth.
	if want := []string{"/forged/1", "/posts/a", "/u/a", "/u/b"}; !slices.Equal(got, want) {
		t.Fatalf("fetched %q, want %q", got, want)
	}
}
