package creator

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExtractContacts(t *testing.T) {
	tests := []struct {
		text          string
		emails, links []string
	}{
		{"📩 collabs: Hello@JaneDoe.com | linktr.ee/janedoe", []string{"hello@janedoe.com"}, []string{"https://linktr.ee/janedoe"}},
		{"Business: jane [at] studio [dot] co", []string{"jane@studio.co"}, nil},
		{"mgmt(at)talent.agency.com · www.janedoe.com/shop.", []string{"mgmt@talent.agency.com"}, []string{"https://www.janedoe.com/shop"}},
		{"https://beacons.ai/jane and https://beacons.ai/jane/ again", nil, []string{"https://beacons.ai/jane"}},
		{"Follow @jane and @brand — no contact here", nil, nil},
		{"mailto:pr@brand.com", []string{"pr@brand.com"}, nil},
	}
	for _, tt := range tests {
		e, l := ExtractContacts(tt.text)
		if !reflect.DeepEqual(e, tt.emails) || !reflect.DeepEqual(l, tt.links) {
			t.Errorf("ExtractContacts(%q) = %q, %q; want %q, %q", tt.text, e, l, tt.emails, tt.links)
		}
	}
}

func TestFillContact(t *testing.T) {
	c := &Creator{
		Bio:   "Vegan recipes 🌱 hello@plantkitchen.com\nshop: https://plantkitchen.com/shop • IG instagram.com/plantkitchen",
		Links: []string{"https://www.plantkitchen.com/shop/", "mailto:Hello@PlantKitchen.com", "https://instagram.com/plantkitchen"},
	}
	ev := fillContact(c)
	if c.Email != "hello@plantkitchen.com" {
		t.Errorf("email %q", c.Email)
	}
	want := []string{"https://www.plantkitchen.com/shop/", "https://instagram.com/plantkitchen"}
	if !reflect.DeepEqual(c.Links, want) {
		t.Errorf("links %q, want %q (deduplicated)", c.Links, want)
	}
	if c.Website != "https://www.plantkitchen.com/shop/" {
		t.Errorf("website %q, want the first non-social link", c.Website)
	}
	if len(ev.Emails) != 1 || ev.Emails[0].Source != "bio" {
		t.Errorf("email evidence %+v", ev.Emails)
	}
	// Idempotent.
	before := append([]string(nil), c.Links...)
	fillContact(c)
	if !reflect.DeepEqual(c.Links, before) {
		t.Errorf("second run changed links: %q -> %q", before, c.Links)
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Hello@JaneDoe.com", "hello@janedoe.com", true},
		{"mailto:PR@Brand.co.uk?subject=Collab", "pr@brand.co.uk", true},
		{"MAILTO:jane%2Bcollabs@studio.io", "jane+collabs@studio.io", true},
		{"jane@localhost", "", false},
		{"two@a.com, three@b.com", "", false},
		{"@jane@mastodon.social", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeEmail(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContactFactNormalize(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	good := ContactFact{CreatorID: "instagram:jane", Kind: ContactLink, Value: "Linktr.ee/Jane/", SourceURL: "https://linktr.ee/jane", FetchedAt: at}
	n, err := good.Normalize()
	if err != nil || n.Value != "https://linktr.ee/Jane/" {
		t.Fatalf("Normalize(%+v) = %+v, %v", good, n, err)
	}
	bad := []struct {
		f     ContactFact
		param string
	}{
		{ContactFact{CreatorID: "jane", Kind: ContactEmail, Value: "a@b.co", SourceURL: "u", FetchedAt: at}, "creator_id"},
		{ContactFact{CreatorID: "instagram:jane", Kind: ContactEmail, Value: "a@b.co", FetchedAt: at}, "source_url"},
		{ContactFact{CreatorID: "instagram:jane", Kind: ContactEmail, Value: "a@b.co", SourceURL: "u"}, "fetched_at"},
		{ContactFact{CreatorID: "instagram:jane", Kind: ContactEmail, Value: "not an address", SourceURL: "u", FetchedAt: at}, "value"},
		{ContactFact{CreatorID: "instagram:jane", Kind: ContactLink, Value: "javascript:alert(1)", SourceURL: "u", FetchedAt: at}, "value"},
		{ContactFact{CreatorID: "instagram:jane", Kind: "phone", Value: "+1 555", SourceURL: "u", FetchedAt: at}, "kind"},
	}
	for _, b := range bad {
		_, err := b.f.Normalize()
		var ce *Error
		if !errors.As(err, &ce) || ce.Code != EINVALID || ce.Param != b.param {
			t.Errorf("Normalize(%+v) = %v; want EINVALID naming %s", b.f, err, b.param)
		}
	}
}

func TestMergeContactFacts(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	page := "https://linktr.ee/plantkitchen"
	about := "https://plantkitchen.com/about"
	at := now.Add(-time.Hour)
	facts := []ContactFact{
		{CreatorID: "instagram:plantkitchen", Kind: ContactLink, Value: "https://plantkitchen.com/shop", SourceURL: page, FetchedAt: at},
		{CreatorID: "instagram:plantkitchen", Kind: ContactEmail, Value: "Collabs@PlantKitchen.com", SourceURL: page, FetchedAt: at},
		{CreatorID: "instagram:plantkitchen", Kind: ContactEmail, Value: "collabs@plantkitchen.com", SourceURL: about, FetchedAt: at},
		{CreatorID: "instagram:plantkitchen", Kind: ContactLink, Value: "https://www.youtube.com/@plantkitchen", SourceURL: page, FetchedAt: at},
		{CreatorID: "instagram:someoneelse", Kind: ContactEmail, Value: "x@y.com", SourceURL: page, FetchedAt: at},
		{CreatorID: "instagram:plantkitchen", Kind: ContactEmail, Value: "broken", SourceURL: page, FetchedAt: at},
	}
	c := &Creator{ID: "instagram:plantkitchen", Platform: Instagram, Handle: "plantkitchen",
		Bio: "Vegan recipes 🌱 linktr.ee/plantkitchen", Website: "https://linktr.ee/plantkitchen"}
	Analyze(c, nil, nil, now, Options{})
	if c.Email != "" {
		t.Fatalf("email %q before the merge", c.Email)
	}
	MergeContactFacts(c, facts)
	if c.Email != "collabs@plantkitchen.com" {
		t.Errorf("email %q, want the link page's", c.Email)
	}
	wantLinks := []string{"https://linktr.ee/plantkitchen", "https://plantkitchen.com/shop", "https://www.youtube.com/@plantkitchen"}
	if !reflect.DeepEqual(c.Links, wantLinks) {
		t.Errorf("links %q, want %q", c.Links, wantLinks)
	}
	if c.Website != "https://linktr.ee/plantkitchen" {
		t.Errorf("website %q changed", c.Website)
	}
	ev := c.Analysis.Contact
	var srcs []string
	for _, e := range ev.Emails {
		srcs = append(srcs, e.Value+" <- "+e.Source)
		if e.FetchedAt == nil || !e.FetchedAt.Equal(at) {
			t.Errorf("email evidence %+v without the page's fetch time", e)
		}
	}
	want := []string{"collabs@plantkitchen.com <- " + page, "collabs@plantkitchen.com <- " + about}
	if !reflect.DeepEqual(srcs, want) {
		t.Errorf("email evidence %q, want %q", srcs, want)
	}

	// The creator as stored, analysed again and merged again: the values a
	// merge put into the email and links fields are credited to the pages,
	// not to those fields, and nothing doubles.
	before, _ := json.Marshal(c.Analysis.Contact)
	beforeLinks := append([]string(nil), c.Links...)
	Analyze(c, nil, nil, now, Options{})
	MergeContactFacts(c, facts)
	after, _ := json.Marshal(c.Analysis.Contact)
	if string(before) != string(after) || !reflect.DeepEqual(beforeLinks, c.Links) {
		t.Errorf("merge is not idempotent:\nbefore %s %q\nafter  %s %q", before, beforeLinks, after, c.Links)
	}
	for _, e := range c.Analysis.Contact.Emails {
		if e.Source == "email" {
			t.Errorf("email credited to the email field: %+v", e)
		}
	}

	// A profile e-mail stays first; the page's address is evidence beside it.
	c2 := &Creator{ID: "instagram:plantkitchen", Bio: "biz: hi@plantkitchen.com"}
	Analyze(c2, nil, nil, now, Options{})
	MergeContactFacts(c2, facts)
	if c2.Email != "hi@plantkitchen.com" || len(c2.Analysis.Contact.Emails) != 3 || c2.Analysis.Contact.Emails[0].Source != "bio" {
		t.Errorf("email %q evidence %+v", c2.Email, c2.Analysis.Contact.Emails)
	}
	MergeContactFacts(nil, facts)      // no panic
	MergeContactFacts(&Creator{}, nil) // no panic
}

func TestNormalizeLinkRefuses(t *testing.T) {
	for _, in := range []string{"mailto:jane@janedoe.com", "tel:+15555550100", "javascript:alert(1)", "https://brand.com@evil.example/",
		"https://\uFFFD.example/", "https://exa mple.com/", "ftp://files.example/", "localhost:8080"} {
		if got, ok := NormalizeLink(in); ok {
			t.Errorf("NormalizeLink(%q) = %q, want refused", in, got)
		}
	}
	if got, ok := NormalizeLink("janedoe.com:8080/shop"); !ok || got != "https://janedoe.com:8080/shop" {
		t.Errorf("host:port: %q, %v", got, ok)
	}
	if _, ok := NormalizeLink("HTTP://Bücher.Example/"); !ok {
		t.Error("an internationalised host name is refused")
	}
}

func TestContactPages(t *testing.T) {
	c := &Creator{
		URL:     "https://www.instagram.com/jane/",
		Website: "https://janedoe.com/",
		Links:   []string{"https://beacons.ai/jane", "https://www.youtube.com/@jane", "https://amzn.to/3xYk9Qp", "https://janedoe.com"},
		Bio:     "🎨 illustrator · all links: linktr.ee/jane · shop: brandpartner.com/jane · jane.carrd.co",
	}
	want := []string{"https://beacons.ai/jane", "https://linktr.ee/jane", "https://jane.carrd.co", "https://janedoe.com"}
	if got := ContactPages(c); !reflect.DeepEqual(got, want) {
		t.Errorf("ContactPages = %q, want %q (link-in-bio pages, then the website; no brand link from the bio)", got, want)
	}
	for _, w := range []string{"https://amzn.to/3xYk9Qp", "https://www.tiktok.com/@jane", "https://www.instagram.com/jane/", "mailto:jane@janedoe.com"} {
		if got := ContactPages(&Creator{URL: "https://www.instagram.com/jane/", Website: w}); len(got) != 0 {
			t.Errorf("website %s: %q, want no contact page", w, got)
		}
	}
	if ContactPageKey("HTTP://www.Linktr.ee/Jane/") != ContactPageKey("https://linktr.ee/jane") {
		t.Error("two spellings of one page have two keys")
	}
	if !IsLinkInBioHost("jane.carrd.co") || IsLinkInBioHost("notlinktr.ee") || IsLinkInBioHost("linktr.ee.evil.example") {
		t.Error("IsLinkInBioHost")
	}
}

// extractContactsUngated is ExtractContacts without its gates: every
// expression runs on every text.
func extractContactsUngated(text string) (emails, links []string) {
	rest := text
	for _, m := range obfEmailRe.FindAllStringSubmatch(text, -1) {
		domain := dotRe.ReplaceAllString(m[2], ".")
		emails = append(emails, strings.ToLower(m[1]+"@"+domain))
		rest = strings.Replace(rest, m[0], " ", 1)
	}
	for _, m := range emailRe.FindAllStringSubmatch(rest, -1) {
		emails = append(emails, strings.ToLower(m[1]))
	}
	rest = emailRe.ReplaceAllString(rest, " ")
	for _, m := range linkRe.FindAllString(rest, -1) {
		if l, ok := NormalizeLink(m); ok {
			links = append(links, l)
		}
	}
	return dedupe(emails), dedupeLinks(links)
}

func sameContacts(t *testing.T, text string) {
	t.Helper()
	e, l := ExtractContacts(text)
	we, wl := extractContactsUngated(text)
	if !reflect.DeepEqual(e, we) || !reflect.DeepEqual(l, wl) {
		t.Errorf("ExtractContacts(%q) = %q, %q; without its gates %q, %q", text, e, l, we, wl)
	}
}

// TestExtractContactsGates: the gates in front of the expressions never
// change what ExtractContacts returns.
func TestExtractContactsGates(t *testing.T) {
	texts := []string{
		"jo [at] ex [dot] com", "jo(at)ex.com", "jo<at>ex.co", "JO {AT} EX (DOT) IO", "x@y", "a@b.cd",
		"http://localhost", "HTTP://EX.COM", "www.ex.com", "ex.com", "no contact", "", "ſ@ex.com", "\u212a@ex.com",
	}
	for _, c := range loadDisclosureCases(t) {
		texts = append(texts, c.Caption, fold(c.Caption))
	}
	for _, s := range texts {
		sameContacts(t, s)
	}
}

func FuzzExtractContactsGates(f *testing.F) {
	for _, s := range []string{"jo [at] ex [dot] com", "a@b.cd", "http://ex.com/x", "www.ex.com", "shop ex.io"} {
		f.Add(s)
	}
	f.Fuzz(sameContacts)
}

// BenchmarkExtractContacts runs ExtractContacts and its ungated form over
// the disclosure captions, side by side.
func BenchmarkExtractContacts(b *testing.B) {
	var texts []string
	for _, c := range loadDisclosureCases(b) {
		texts = append(texts, c.Caption)
	}
	for name, f := range map[string]func(string) ([]string, []string){"gated": ExtractContacts, "ungated": extractContactsUngated} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for _, s := range texts {
					f(s)
				}
			}
		})
	}
}

func TestSplitContactFacts(t *testing.T) {
	fetched := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cutoff := fetched.Add(-ContactFactMaxAge)
	at := func(t time.Time) ContactFact {
		return ContactFact{Kind: ContactEmail, Value: "a@b.example", SourceURL: "https://p.example", FetchedAt: t}
	}
	facts := []ContactFact{at(cutoff.Add(-time.Nanosecond)), at(cutoff), at(fetched), at(time.Time{}), at(cutoff.Add(-time.Hour))}
	fresh, stale := SplitContactFacts(facts, fetched)
	if len(fresh) != 3 || !fresh[0].FetchedAt.Equal(cutoff) || !fresh[1].FetchedAt.Equal(fetched) || !fresh[2].FetchedAt.IsZero() {
		t.Errorf("fresh %+v; want the facts at the cutoff, at the fetch and without a time", fresh)
	}
	if len(stale) != 2 || !stale[0].FetchedAt.Equal(cutoff.Add(-time.Nanosecond)) {
		t.Errorf("stale %+v; want the two read before the cutoff, in order", stale)
	}
	if fresh, stale := SplitContactFacts(facts, time.Time{}); len(fresh) != len(facts) || stale != nil {
		t.Errorf("a creator without a fetch time: fresh %d stale %d; want all fresh", len(fresh), len(stale))
	}
}
