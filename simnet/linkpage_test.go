package simnet_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/temoto/robotstxt"

	"github.com/creatorscout/creatorscout/simnet"
)

// TestLinkPages: a share of creators link to a link-in-bio page or a
// personal website; every platform's profile shows the link; the pages
// carry exactly the addresses the truth lists (some on no profile); one
// host's robots.txt disallows its pages.
func TestLinkPages(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 21, Creators: 600})
	cs := n.Creators()
	withPage, disallowed, onlyThere := 0, 0, 0
	hosts := map[string]bool{}
	platforms := map[string]bool{}
	profileEmails := map[string]bool{} // every address any profile shows
	for _, c := range cs {
		if c.Email != "" {
			profileEmails[c.Email] = true
		}
	}
	robots := map[string]*robotstxt.RobotsData{}
	for _, c := range cs {
		if c.ContactPage == "" {
			continue
		}
		withPage++
		platforms[c.Platform] = true
		if c.Brand != "" || c.Platform == simnet.Web {
			t.Errorf("%s (%s) has a contact page", c.ID, c.Platform)
		}
		if c.Website != c.ContactPage {
			t.Errorf("%s: website %q, want its contact page %q", c.ID, c.Website, c.ContactPage)
		}
		u, err := url.Parse(c.ContactPage)
		if err != nil {
			t.Fatal(err)
		}
		hosts[u.Host] = true
		rd := robots[u.Host]
		if rd == nil {
			r := get(t, "http://"+u.Host+"/robots.txt")
			if rd, err = robotstxt.FromBytes(r.body); err != nil {
				t.Fatal(err)
			}
			robots[u.Host] = rd
		}
		if allowed := rd.TestAgent(u.Path, "creatorscout"); allowed == c.ContactPageDisallowed {
			t.Errorf("%s: robots.txt allows %s: %v; truth says disallowed %v", c.ID, c.ContactPage, allowed, c.ContactPageDisallowed)
		}
		if c.ContactPageDisallowed {
			disallowed++
		}
		for _, e := range c.ContactEmails {
			if !profileEmails[e] {
				onlyThere++
			}
		}

		// The profile as served links to the page.
		pr := get(t, withKey(c, c.FetchURL))
		if pr.status != 200 || !strings.Contains(html.UnescapeString(string(pr.body)), c.ContactPage) {
			t.Errorf("%s: profile %s (status %d) does not link to %s", c.ID, c.FetchURL, pr.status, c.ContactPage)
		}

		// The page, and a website's contact page, carry the addresses.
		page := get(t, c.ContactPage)
		if page.status != 200 {
			t.Fatalf("%s: %s: status %d", c.ID, c.ContactPage, page.status)
		}
		text := string(page.body)
		if strings.HasSuffix(c.ContactPage, "/") {
			for _, sub := range []string{"about", "contact"} {
				if !strings.Contains(text, `href="`+u.Path+sub+`"`) {
					t.Errorf("%s: home page does not link to its %s page", c.ID, sub)
				}
			}
			contact := get(t, c.ContactPage+"contact")
			if contact.status != 200 {
				t.Fatalf("%s: contact page status %d", c.ID, contact.status)
			}
			for _, e := range c.ContactEmails {
				if strings.Contains(text, e) {
					t.Errorf("%s: %s is on the home page; it should be on the contact page only", c.ID, e)
				}
			}
			text = string(contact.body)
		}
		for _, e := range c.ContactEmails {
			user, dom, _ := strings.Cut(e, "@")
			obf := user + " (at) " + strings.ReplaceAll(dom, ".", " (dot) ")
			if !strings.Contains(text, e) && !strings.Contains(text, obf) {
				t.Errorf("%s: %s does not carry %s", c.ID, c.ContactPage, e)
			}
		}
		for _, l := range c.ContactLinks {
			if strings.HasPrefix(l, "https://") && strings.Contains(l, ".example.net/shop") && !strings.Contains(string(page.body), l) {
				t.Errorf("%s: %s does not link to %s", c.ID, c.ContactPage, l)
			}
		}
	}
	t.Logf("%d creators with a contact page on %d hosts and %d platforms, %d disallowed, %d addresses on no profile",
		withPage, len(hosts), len(platforms), disallowed, onlyThere)
	if withPage < 60 || len(hosts) != 4 || disallowed == 0 || onlyThere == 0 || len(platforms) < 5 {
		t.Errorf("%d creators with a contact page on %d hosts and %d platforms, %d disallowed, %d addresses on no profile",
			withPage, len(hosts), len(platforms), disallowed, onlyThere)
	}
	if got := len(s.BaseURLs()[simnet.KindLinks]); got != 4 {
		t.Errorf("%d link hosts, want 4", got)
	}
	if r := get(t, s.BaseURLs()[simnet.KindLinks][0]+"/nobody-here"); r.status != 404 {
		t.Errorf("unknown page: status %d", r.status)
	}
}
