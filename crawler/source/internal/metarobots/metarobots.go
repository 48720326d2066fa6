// Package metarobots reads a page's own robots directives: <meta
// name="robots"> (and name="creatorscout") and the X-Robots-Tag header,
// which every source that reads web pages must honour.
package metarobots

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Directives are the page-level opt-outs that concern us.
type Directives struct {
	NoIndex  bool // keep nothing read from this page
	NoFollow bool // do not queue the page's links
}

// botName is the user agent token a page can address directives to.
const botName = "creatorscout"

// uaPrefix matches "googlebot: noindex" in X-Robots-Tag; the known
// directives that carry a colon themselves are not user agents.
var uaPrefix = regexp.MustCompile(`^\s*([A-Za-z0-9_.*-]+)\s*:\s*(.*)$`)

var colonDirectives = map[string]bool{
	"unavailable_after": true, "max-snippet": true, "max-image-preview": true, "max-video-preview": true,
}

// Read reads <meta name="robots"> (and name="creatorscout") and every
// X-Robots-Tag header. Directives addressed to another crawler by name are
// not ours. noindex and none opt out of indexing; nofollow and none out of
// following; noai and noimageai opt out of AI training, which we do not do,
// so they change nothing here.
func Read(doc *goquery.Document, h http.Header) Directives {
	var rd Directives
	apply := func(list string) {
		for _, d := range strings.Split(strings.ToLower(list), ",") {
			switch strings.TrimSpace(d) {
			case "noindex":
				rd.NoIndex = true
			case "nofollow":
				rd.NoFollow = true
			case "none":
				rd.NoIndex, rd.NoFollow = true, true
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
