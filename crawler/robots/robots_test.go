package robots

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/temoto/robotstxt"
)

const ua = "CreatorScout/0.1 (+https://example.org/bot)"

func TestLongestMatchAndAllowTie(t *testing.T) {
	body := `
User-agent: *
Disallow: /shop
Allow: /shop/public
Disallow: /shop/public/secret
# equal length: Allow must win whatever the order
Disallow: /tie
Allow: /tie
Allow: /eit
Disallow: /eit
Disallow: /*.pdf$
Allow: /docs/*.pdf$
Disallow: /cal/*/edit
Disallow: /q?session=
`
	r := Parse([]byte(body))
	cases := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/shop", false},
		{"/shopping", false},
		{"/shop/public", true},
		{"/shop/public/page", true},
		{"/shop/public/secret", false},
		{"/shop/public/secret/x", false},
		{"/tie", true},
		{"/tie/x", true},
		{"/eit", true},
		{"/file.pdf", false},
		{"/file.pdf?x=1", true}, // $ anchors the end
		{"/docs/file.pdf", true},
		{"/cal/2024/edit", false},
		{"/cal/edit", true},
		{"/q?session=1", false},
		{"/q?other=1", true},
		{"/robots.txt", true},
	}
	for _, c := range cases {
		if got := r.Allowed(ua, c.path); got != c.want {
			t.Errorf("Allowed(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}

// temoto/robotstxt lets the first of two equally long rules win. This test
// documents why the crawler does not use it for matching: if it ever starts
// to agree with RFC 9309, the crawler could go back to it.
func TestTemotoGetsTheTieWrong(t *testing.T) {
	body := "User-agent: *\nDisallow: /tie\nAllow: /tie\n"
	td, err := robotstxt.FromString(body)
	if err != nil {
		t.Fatal(err)
	}
	if td.TestAgent("/tie", "creatorscout") {
		t.Skip("temoto now lets Allow win a tie; reconsider using it")
	}
	if !Parse([]byte(body)).Allowed(ua, "/tie") {
		t.Fatal("our parser must let Allow win a tie")
	}
}

// Cross-check against temoto on files where the RFC and temoto agree (no
// ties, no wildcards), so our parser does not drift from a maintained one.
func TestAgreesWithTemoto(t *testing.T) {
	files := []string{
		"User-agent: *\nDisallow: /private\n",
		"User-agent: *\nDisallow: /\nAllow: /public\n",
		"User-agent: other\nDisallow: /\n\nUser-agent: creatorscout\nDisallow: /no\n",
		"User-agent: creatorscout\nUser-agent: b\nDisallow: /x\nAllow: /x/y\n",
		"User-agent: *\nDisallow:\n",
		"user-agent: *\ndisallow: /A\n# comment\nallow: /A/b # trailing\n",
		"User-agent: *\r\nDisallow: /crlf\r\n",
	}
	paths := []string{"/", "/private", "/private/x", "/public", "/public/x", "/no", "/nope", "/x", "/x/y", "/x/z",
		"/orphan", "/a", "/A", "/A/b", "/A/c", "/crlf", "/other"}
	for _, f := range files {
		td, err := robotstxt.FromString(f)
		if err != nil {
			t.Fatalf("temoto on %q: %v", f, err)
		}
		ours := Parse([]byte(f))
		for _, p := range paths {
			if want, got := td.TestAgent(p, "creatorscout"), ours.Allowed(ua, p); got != want {
				t.Errorf("file %q path %q: ours %v, temoto %v", f, p, got, want)
			}
		}
	}
}

func TestGroupSelection(t *testing.T) {
	body := `
User-agent: *
Disallow: /all

User-agent: CreatorScout
Disallow: /ours
Crawl-delay: 2

User-agent: creatorscout
Disallow: /ours-too
Crawl-delay: 3

User-agent: creatorscoutextra
Disallow: /
`
	r := Parse([]byte(body))
	if r.Allowed(ua, "/ours") || r.Allowed(ua, "/ours-too") {
		t.Error("both groups naming our token must apply (merged)")
	}
	if !r.Allowed(ua, "/all") {
		t.Error(`the "*" group must not apply when ours exists`)
	}
	if d, ok := r.CrawlDelay(ua); !ok || d != 3*time.Second {
		t.Errorf("crawl-delay = %v %v, want the larger of the merged groups, 3s", d, ok)
	}
	if r.Allowed("otherbot/1.0", "/all") {
		t.Error("other agents fall back to *")
	}
	if !r.Allowed("otherbot/1.0", "/ours") {
		t.Error("other agents are not bound by our group")
	}
	if _, ok := r.CrawlDelay("otherbot"); ok {
		t.Error("the * group has no crawl-delay")
	}
}

func TestPercentEncoding(t *testing.T) {
	r := Parse([]byte("User-agent: *\nDisallow: /caf%C3%A9\nDisallow: /über\nDisallow: /%7Euser\nDisallow: /a%2fb\n"))
	for _, p := range []string{"/caf%c3%a9", "/caf%C3%A9/x", "/%C3%BCber", "/~user", "/a%2Fb"} {
		if r.Allowed(ua, p) {
			t.Errorf("%q must be disallowed", p)
		}
	}
	if !r.Allowed(ua, "/a/b") {
		t.Error("an encoded slash is not a slash")
	}
}

func TestMaxSizeDropsTheCutLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("User-agent: *\nDisallow: /early\n")
	for b.Len() < MaxSize-20 {
		b.WriteString("# padding padding padding padding\n")
	}
	b.WriteString("Disallow: /cut-here-is-a-long-rule-that-crosses-the-limit\n")
	b.WriteString("Disallow: /late\n")
	r := Parse(b.Bytes())
	if r.Allowed(ua, "/early") {
		t.Error("rules before the limit apply")
	}
	if !r.Allowed(ua, "/late") {
		t.Error("rules after 500 KiB are not read")
	}
	if !r.Allowed(ua, "/cut") {
		t.Error("a line cut by the limit must be dropped, not read as a shorter rule")
	}
}

func TestRuleBeforeUserAgentIsIgnored(t *testing.T) {
	r := Parse([]byte("Disallow: /orphan\nUser-agent: *\nDisallow: /a\n"))
	if !r.Allowed(ua, "/orphan") || r.Allowed(ua, "/a") {
		t.Error("a rule before any user-agent line belongs to no group")
	}
}

func TestDisallowAllStillAllowsRobotsTxt(t *testing.T) {
	if DisallowAll().Allowed(ua, "/x") || !DisallowAll().Allowed(ua, "/robots.txt") {
		t.Error("DisallowAll: everything but /robots.txt")
	}
	if !AllowAll().Allowed(ua, "/x") {
		t.Error("AllowAll")
	}
	var nilRules *Rules
	if !nilRules.Allowed(ua, "/x") {
		t.Error("nil rules allow")
	}
}

func TestClassifyMatrix(t *testing.T) {
	cases := map[int]Outcome{
		200: Found, 204: Found,
		404: Unavailable, 410: Unavailable, 400: Unavailable, 451: Unavailable,
		401: Forbidden, 403: Forbidden,
		429: Unreachable, 500: Unreachable, 502: Unreachable, 503: Unreachable, 599: Unreachable,
		304: Unreachable, 100: Unreachable,
	}
	for status, want := range cases {
		if got := Classify(status); got != want {
			t.Errorf("Classify(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestCacheLifetimes(t *testing.T) {
	c := NewCache()
	const o = "https://example.org:443"
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if st := c.Lookup(o, t0); !st.Fetch {
		t.Fatal("unknown origin must be fetched")
	}
	c.Store(o, t0, Found, []byte("User-agent: *\nDisallow: /x\n"), time.Time{})
	if st := c.Lookup(o, t0.Add(23*time.Hour)); st.Fetch || st.Rules.Allowed(ua, "/x") {
		t.Fatal("fresh rules within 24h")
	}
	if st := c.Lookup(o, t0.Add(24*time.Hour)); !st.Fetch {
		t.Fatal("rules older than 24h must be fetched again")
	}

	// The refresh fails: the good copy stands in until the retry time.
	t1 := t0.Add(25 * time.Hour)
	retry := t1.Add(time.Minute)
	if r := c.Store(o, t1, Unreachable, nil, retry); r.DisallowsAll() || r.Allowed(ua, "/x") {
		t.Fatal("the good copy must stand in")
	}
	st := c.Lookup(o, t1.Add(30*time.Second))
	if !st.Stale || st.Rules == nil || st.Fetch {
		t.Fatalf("want stale good copy, got %+v", st)
	}
	if st := c.Lookup(o, retry); !st.Fetch {
		t.Fatal("after retryAt, fetch again")
	}
	if c.Failures(o) != 1 {
		t.Fatalf("failures = %d", c.Failures(o))
	}

	// More than 30 days after the good copy, it may no longer stand in.
	t2 := t0.Add(MaxStale + time.Hour)
	c.Store(o, t2, Unreachable, nil, t2.Add(time.Hour))
	st = c.Lookup(o, t2.Add(time.Minute))
	if st.Rules != nil || st.BlockedUntil != t2.Add(time.Hour) {
		t.Fatalf("want blocked until retry, got %+v", st)
	}
	if !c.Rules(o, t2.Add(time.Minute)).DisallowsAll() {
		t.Fatal("blocked origin reads as DisallowAll")
	}

	// Never reached, never good: blocked.
	const o2 = "http://down.example:80"
	c.Store(o2, t0, Unreachable, nil, t0.Add(time.Minute))
	if st := c.Lookup(o2, t0); st.BlockedUntil.IsZero() || st.Rules != nil {
		t.Fatalf("want blocked, got %+v", st)
	}

	// 401/403 disallow all, 404 allows all, both are definitive for 24h.
	c.Store(o2, t0, Forbidden, nil, time.Time{})
	if st := c.Lookup(o2, t0); st.Rules == nil || st.Rules.Allowed(ua, "/a") {
		t.Fatal("forbidden disallows all")
	}
	c.Store(o2, t0, Unavailable, nil, time.Time{})
	if st := c.Lookup(o2, t0); st.Rules == nil || !st.Rules.Allowed(ua, "/a") {
		t.Fatal("unavailable allows all")
	}

	if n := c.Evict(t0.Add(MaxStale * 3)); n != 2 || c.Len() != 0 {
		t.Fatalf("evicted %d, left %d", n, c.Len())
	}
}

func TestMatchIsNotExponential(t *testing.T) {
	pattern := "/" + strings.Repeat("*a", 50) + "b"
	path := "/" + strings.Repeat("a", 5000)
	r := Parse([]byte("User-agent: *\nDisallow: " + pattern + "\n"))
	if !r.Allowed(ua, path) {
		t.Fatal("no b in path: must not match")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /a*b$\nAllow: /a\nCrawl-delay: 1.5\n"), "/ab")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		r := Parse(body)
		_ = r.Allowed(ua, path)
		_, _ = r.CrawlDelay(ua)
	})
}

// TestMatchAgreesWithARegexp compares rule.match with the regexp each
// pattern stands for (^ and the pieces joined by .*, $ kept), on every
// pattern and path over a small alphabet up to a few characters.
func TestMatchAgreesWithARegexp(t *testing.T) {
	var patterns, paths []string
	var grow func(prefix string, n int, alphabet string, out *[]string)
	grow = func(prefix string, n int, alphabet string, out *[]string) {
		*out = append(*out, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+string(c), n-1, alphabet, out)
		}
	}
	grow("/", 4, "ab*", &patterns)
	grow("/", 5, "ab", &paths)
	n := 0
	for _, p := range patterns {
		for _, anchored := range []bool{false, true} {
			pat := p
			if anchored {
				pat += "$"
			}
			pieces := strings.Split(p, "*")
			for i := range pieces {
				pieces[i] = regexp.QuoteMeta(pieces[i])
			}
			expr := "^" + strings.Join(pieces, ".*")
			if anchored {
				expr += "$"
			}
			re := regexp.MustCompile(expr)
			ru := newRule(pat, false)
			for _, path := range paths {
				if got, want := ru.match(path), re.MatchString(path); got != want {
					t.Errorf("pattern %q path %q: match %v, regexp %s says %v", pat, path, got, expr, want)
				}
				n++
			}
		}
	}
	if n < 10000 {
		t.Fatalf("only %d cases", n)
	}
}

// BenchmarkHostileRules is one URL against a robots.txt of 240 rules
// "/*aaa…(2000)b" (480 KB, under MaxSize) with a 2,000-byte path of a's:
// backtracking at each star made it about a second per URL.
func BenchmarkHostileRules(b *testing.B) {
	var body strings.Builder
	body.WriteString("User-agent: *\n")
	for i := 0; i < 240; i++ {
		body.WriteString("Disallow: /*" + strings.Repeat("a", 2000) + "b\n")
	}
	r := Parse([]byte(body.String()))
	path := "/" + strings.Repeat("a", 2000) + "1"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !r.Allowed(ua, path) {
			b.Fatal("no b in the path: allowed")
		}
	}
}

// TestHugeCrawlDelayIsAYear: a delay too long to be meant, or not finite,
// reads as MaxCrawlDelay (over any cap, so the host is skipped); an
// unreadable or negative one is no delay.
func TestHugeCrawlDelayIsAYear(t *testing.T) {
	cases := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"10", 10 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"31536001", MaxCrawlDelay, true},
		{"inf", MaxCrawlDelay, true},
		{"+Inf", MaxCrawlDelay, true},
		{"1e400", MaxCrawlDelay, true},
		{"NaN", 0, false},
		{"-5", 0, false},
		{"-1e400", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		r := Parse([]byte("User-agent: *\nCrawl-delay: " + c.value + "\nDisallow: /x\n"))
		if d, ok := r.CrawlDelay(ua); d != c.want || ok != c.ok {
			t.Errorf("Crawl-delay %q: %v %v, want %v %v", c.value, d, ok, c.want, c.ok)
		}
	}
}
