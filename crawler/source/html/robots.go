package html

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// robotsDirectives are the page-level opt-outs that concern us.
type robotsDirectives struct {
	noindex  bool // never store a creator or post from this page
	nofollow bool // do not queue the page's links
}

// botName is the user agent token a page can address directives to.
const botName = "creatorscout"

// uaPrefix matches "googlebot: noindex" in X-Robots-Tag; the known
// directives that carry a colon themselves are not user agents.
var uaPrefix = regexp.MustCompile(`^\s*([A-Za-z0-9_.*-]+)\s*:\s*(.*)$`)

var colonDirectives = map[string]bool{
	"unavailable_after": true, "max-snippet": true, "max-image-preview": true, "max-video-preview": true,
}

// readRobots reads <meta name="robots"> (and name="creatorscout") and every
// X-Robots-Tag header. Directives addressed to another crawler by name are
// not ours. noindex and none opt out of indexing; nofollow and none out of
// following; noai and noimageai opt out of AI training, which we do not do,
// so they change nothing here.
func readRobots(doc *goquery.Document, h http.Header) robotsDirectives {
	var rd robotsDirectives
	apply := func(list string) {
		for _, d := range strings.Split(strings.ToLower(list), ",") {
			switch strings.TrimSpace(d) {
			case "noindex":
				rd.noindex = true
			case "nofollow":
				rd.nofollow = true
			case "none":
				rd.noindex, rd.nofollow = true, true
			}
		}
	}
	doc.Find("meta[name]").Each(func(_ int, s *goquery.Selection) {
		name := strings.ToLower(strings.TrimSpace(s.AttrOr("name", "")))
		if name == "robots" || name == botName {
			apply(s.AttrOr("content", ""))
		}
	})
	for _, v := range h.Values("X-Robots-Tag") {
		if m := uaPrefix.FindStringSubmatch(v); m != nil && !colonDirectives[strings.ToLower(m[1])] {
			if ua := strings.ToLower(m[1]); ua == botName || ua == "*" {
				apply(m[2])
			}
			continue
		}
		apply(v)
	}
	return rd
}
