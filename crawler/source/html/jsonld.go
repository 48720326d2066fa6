package html

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source/internal/count"
	"github.com/creatorscout/creatorscout/crawler/source/internal/jsontree"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
	"github.com/creatorscout/creatorscout/creator"
)

// node is one JSON-LD object.
type node = map[string]any

// maxDepth bounds recursion into nested JSON-LD.
const maxDepth = 24

// ldData is everything the page's JSON-LD said.
type ldData struct {
	nodes  []node          // every object, in document order
	byID   map[string]node // objects with more than an @id, by @id
	person node            // the profile's main entity, or nil
	list   []string        // profile URLs of an ItemList, in position order
	coll   bool            // the page is a CollectionPage
}

// readJSONLD decodes every application/ld+json script. A script that does
// not decode is reported and skipped; the others still count.
func (pg *page) readJSONLD() *ldData {
	ld := &ldData{byID: map[string]node{}}
	pg.doc.Find(`script[type]`).Each(func(i int, s *goquery.Selection) {
		typ := strings.ToLower(strings.TrimSpace(strings.Split(s.AttrOr("type", ""), ";")[0]))
		if typ != "application/ld+json" {
			return
		}
		raw := strings.TrimSpace(s.Text())
		raw = strings.TrimPrefix(raw, "<!--")
		raw = strings.TrimSuffix(raw, "-->")
		raw = strings.TrimPrefix(strings.TrimSpace(raw), "//<![CDATA[")
		raw = strings.TrimSuffix(strings.TrimSpace(raw), "//]]>")
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return
		}
		v, err := jsontree.Decode(raw)
		if err != nil {
			pg.perr.Add("json-ld script %d: %s", i+1, jsonErr(err, raw))
			return
		}
		ld.collect(v, 0)
	})
	for _, n := range ld.nodes {
		if id := strVal(n["@id"]); id != "" && len(n) > 1 {
			if _, dup := ld.byID[id]; !dup {
				ld.byID[id] = n
			}
		}
	}
	ld.findPerson(pg)
	ld.findList(pg)
	return ld
}

// jsonErr describes a JSON syntax error with its offset.
func jsonErr(err error, raw string) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("invalid JSON at byte %d of %d: %v", se.Offset, len(raw), se)
	}
	return "invalid JSON: " + err.Error()
}

func (ld *ldData) collect(v any, depth int) {
	if depth > maxDepth {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			ld.collect(e, depth+1)
		}
	case node:
		ld.nodes = append(ld.nodes, t)
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // map order is random; document order is not known, keep it stable
		for _, k := range keys {
			if k == "@context" {
				continue
			}
			switch t[k].(type) {
			case node, []any:
				ld.collect(t[k], depth+1)
			}
		}
	}
}

// types returns a node's @type values without a schema.org prefix.
func types(n node) []string {
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok {
			out = append(out, bareTerm(s))
		}
	}
	switch t := n["@type"].(type) {
	case []any:
		for _, e := range t {
			add(e)
		}
	default:
		add(t)
	}
	return out
}

// bareTerm turns "https://schema.org/FollowAction" or "schema:FollowAction"
// into "FollowAction".
func bareTerm(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, "/:#"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func hasType(n node, want ...string) bool {
	for _, t := range types(n) {
		for _, w := range want {
			if strings.EqualFold(t, w) {
				return true
			}
		}
	}
	return false
}

// resolve follows an {"@id": ...} reference to the node it names.
func (ld *ldData) resolve(v any) node {
	switch t := v.(type) {
	case node:
		if id := strVal(t["@id"]); id != "" && len(t) == 1 {
			if full, ok := ld.byID[id]; ok {
				return full
			}
		}
		return t
	case []any:
		for _, e := range t {
			if n := ld.resolve(e); n != nil {
				return n
			}
		}
	case string:
		if full, ok := ld.byID[t]; ok {
			return full
		}
	}
	return nil
}

// findPerson picks the profile's main entity: ProfilePage.mainEntity, or a
// Person/Organization whose url, @id or mainEntityOfPage is the page
// itself. mainEntityOfPage may name the page by a node ({"@id": ...}, as
// Yoast's and All in One SEO's author archives do, whose ProfilePage has
// no mainEntity), and an @id may carry a fragment ("#webpage").
func (ld *ldData) findPerson(pg *page) {
	for _, n := range ld.nodes {
		if !hasType(n, "ProfilePage") {
			continue
		}
		for _, key := range []string{"mainEntity", "about"} {
			if p := ld.resolve(n[key]); p != nil && hasType(p, "Person", "Organization") {
				ld.person = p
				return
			}
		}
		if n["mainEntity"] != nil {
			pg.perr.Add("json-ld ProfilePage: mainEntity is not a Person or Organization")
		}
	}
	self := normURL(pg.url.String())
	for _, n := range ld.nodes {
		if !hasType(n, "Person", "Organization") {
			continue
		}
		for _, s := range []string{strVal(n["url"]), strVal(n["@id"]), pageRef(n["mainEntityOfPage"])} {
			if s != "" && normURL(pg.abs(s)) == self {
				ld.person = n
				return
			}
		}
	}
}

// pageRef is the page a mainEntityOfPage value names: a URL, or the @id
// (else the url) of a node, the first of a list that names one.
func pageRef(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case node:
		if id := strVal(t["@id"]); id != "" {
			return id
		}
		return strVal(t["url"])
	case []any:
		for _, e := range t {
			if s := pageRef(e); s != "" {
				return s
			}
		}
	}
	return ""
}

// findList reads a CollectionPage's ItemList of profile URLs.
func (ld *ldData) findList(pg *page) {
	type item struct {
		pos int
		url string
	}
	var items []item
	lists := []node{}
	for _, n := range ld.nodes {
		if hasType(n, "CollectionPage", "SearchResultsPage") {
			ld.coll = true
			if l := ld.resolve(n["mainEntity"]); l != nil && hasType(l, "ItemList") {
				lists = append(lists, l)
			}
		}
	}
	if len(lists) == 0 {
		for _, n := range ld.nodes {
			if hasType(n, "ItemList") {
				lists = append(lists, n)
			}
		}
	}
	for _, l := range lists {
		elems, _ := l["itemListElement"].([]any)
		if e, ok := l["itemListElement"].(node); ok {
			elems = []any{e}
		}
		for i, e := range elems {
			var u string
			pos := i + 1
			switch t := e.(type) {
			case string:
				u = t
			case node:
				u = strVal(t["url"])
				if u == "" {
					if it := ld.resolve(t["item"]); it != nil {
						u = strVal(it["url"])
						if u == "" {
							u = strVal(it["@id"])
						}
					} else {
						u = strVal(t["item"])
					}
				}
				if p, ok := intVal(t["position"]); ok {
					pos = int(p)
				}
			}
			if a := pg.abs(u); a != "" && !hasTemplate(a) {
				items = append(items, item{pos, a})
			} else if u != "" {
				pg.perr.Add("json-ld ItemList item %d: %q is not a URL", i+1, clean(u, 80))
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].pos < items[j].pos })
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.url] {
			seen[it.url] = true
			ld.list = append(ld.list, it.url)
		}
	}
}

// strVal reads a string, the first string of an array, or an @value.
func strVal(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		for _, e := range t {
			if s := strVal(e); s != "" {
				return s
			}
		}
	case node:
		if s, ok := t["@value"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// strList reads a string or an array of strings (or of objects with url).
func strList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{strings.TrimSpace(t)}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, strList(e)...)
		}
		return out
	case node:
		if s := strVal(t["url"]); s != "" {
			return []string{s}
		}
		if s := strVal(t["@id"]); s != "" {
			return []string{s}
		}
	}
	return nil
}

func intVal(v any) (int64, bool) {
	switch t := v.(type) {
	case json.Number:
		n, err := t.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// countVal reads a count from a JSON number or a localized string. It
// returns nil with an issue for anything else; never 0 for unknown.
func (pg *page) countVal(what string, v any) *int64 {
	switch t := v.(type) {
	case nil:
		return nil
	case json.Number:
		if n, err := t.Int64(); err == nil {
			if n < 0 {
				pg.perr.Add("%s: %s is negative", what, t)
				return nil
			}
			return &n
		}
		f, err := t.Float64()
		if err != nil || f < 0 || f != math.Trunc(f) || f > 1e15 {
			pg.perr.Add("%s: %s is not a count", what, clean(t.String(), 40))
			return nil
		}
		n := int64(f)
		return &n
	case string:
		if hasTemplate(t) {
			pg.perr.Add("%s: %q is an unrendered template", what, clean(t, 80))
			return nil
		}
		n, err := count.Parse(t)
		if err != nil {
			pg.perr.Add("%s: %v", what, err)
			return nil
		}
		return &n
	default:
		pg.perr.Add("%s: %s is not a count", what, jsonType(v))
		return nil
	}
}

// jsonType names a decoded JSON value's type for messages, with article.
func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case node:
		return "an object"
	case []any:
		return "an array"
	case nil:
		return "null"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	}
	return fmt.Sprintf("a %T", v)
}

// textVal reads a text property, reporting a wrong type.
func (pg *page) textVal(what string, v any, max int) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string, []any:
		return pg.text("json-ld", what, strVal(t), max)
	case node:
		if s := strVal(t); s != "" {
			return pg.text("json-ld", what, s, max)
		}
	}
	pg.perr.Add("json-ld %s: %s is not text", what, jsonType(v))
	return ""
}

// stats reads interactionStatistic or agentInteractionStatistic into a map
// from action name (FollowAction, ...) to count.
func (ld *ldData) stats(pg *page, owner string, v any) map[string]*int64 {
	out := map[string]*int64{}
	var list []any
	switch t := v.(type) {
	case nil:
		return out
	case []any:
		list = t
	case node:
		list = []any{t}
	default:
		pg.perr.Add("json-ld %s: %s is not an InteractionCounter", owner, jsonType(v))
		return out
	}
	for _, e := range list {
		n := ld.resolve(e)
		if n == nil {
			continue
		}
		var action string
		switch it := n["interactionType"].(type) {
		case string:
			action = bareTerm(it)
		case node:
			if ts := types(it); len(ts) > 0 {
				action = ts[0]
			} else {
				action = bareTerm(strVal(it["@id"]))
			}
		}
		if action == "" {
			continue
		}
		c := pg.countVal(fmt.Sprintf("json-ld %s %s", owner, action), n["userInteractionCount"])
		if c != nil {
			if _, dup := out[action]; !dup {
				out[action] = c
			}
		}
	}
	return out
}

// profileFacts reads the main entity; nil when there is none.
func (ld *ldData) profileFacts(pg *page) *facts {
	p := ld.person
	if p == nil {
		return nil
	}
	f := &facts{}
	f.name = pg.textVal("name", p["name"], maxField)
	if alt := pg.textVal("alternateName", p["alternateName"], maxField); strings.HasPrefix(alt, "@") {
		f.handle = alt
	} else if alt != "" && handleRe.MatchString(alt) {
		f.handle = alt
	}
	f.bio = pg.textVal("description", p["description"], maxText)
	switch id := p["identifier"].(type) {
	case string:
		f.platformID = pg.text("json-ld", "identifier", id, maxField)
	case json.Number:
		f.platformID = id.String()
	case node:
		switch v := id["value"].(type) {
		case string:
			f.platformID = pg.text("json-ld", "identifier", v, maxField)
		case json.Number:
			f.platformID = v.String()
		}
	}
	f.url = pg.abs(strVal(p["url"]))
	f.website = f.url
	f.email = strings.TrimPrefix(pg.textVal("email", p["email"], maxField), "mailto:")
	for _, s := range strList(p["sameAs"]) {
		f.links = append(f.links, s)
	}

	in := ld.stats(pg, "interactionStatistic", p["interactionStatistic"])
	agent := ld.stats(pg, "agentInteractionStatistic", p["agentInteractionStatistic"])
	f.followers = in["FollowAction"]
	f.following = agent["FollowAction"]
	f.posts = agent["WriteAction"]
	if f.posts == nil {
		f.posts = in["WriteAction"]
	}

	for _, k := range []string{"homeLocation", "address", "location", "workLocation"} {
		if loc := ld.location(pg, p[k]); loc != nil {
			f.location = loc
			break
		}
	}
	return f
}

// location reads a Place, PostalAddress or plain text.
func (ld *ldData) location(pg *page, v any) *creator.Location {
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		s = pg.text("json-ld", "address", s, maxField)
		if s == "" {
			return nil
		}
		return &creator.Location{Raw: s}
	}
	n := ld.resolve(v)
	if n == nil {
		return nil
	}
	loc := &creator.Location{}
	if hasType(n, "Place", "City", "Country", "AdministrativeArea") || n["geo"] != nil || n["address"] != nil {
		if a := ld.location(pg, n["address"]); a != nil {
			*loc = *a
		}
		if g := ld.resolve(n["geo"]); g != nil {
			loc.Lat = pg.coord("latitude", g["latitude"], 90)
			loc.Lon = pg.coord("longitude", g["longitude"], 180)
		}
		if loc.Raw == "" {
			loc.Raw = pg.textVal("place name", n["name"], maxField)
		}
	} else {
		loc.City = pg.textVal("addressLocality", n["addressLocality"], maxField)
		loc.Region = pg.textVal("addressRegion", n["addressRegion"], maxField)
		country := ""
		switch c := n["addressCountry"].(type) {
		case string:
			country = pg.text("json-ld", "addressCountry", c, maxField)
		case node:
			country = pg.textVal("addressCountry", c["name"], maxField)
			if country == "" {
				country = pg.textVal("addressCountry", c["identifier"], maxField)
			}
		}
		if len(country) == 2 && isAlpha(country) {
			loc.Country = strings.ToUpper(country)
		}
		var parts []string
		for _, s := range []string{loc.City, loc.Region, country} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		loc.Raw = strings.Join(parts, ", ")
	}
	if loc.Raw == "" && loc.Lat == nil {
		return nil
	}
	return loc
}

func isAlpha(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (pg *page) coord(what string, v any, limit float64) *float64 {
	var f float64
	var err error
	switch t := v.(type) {
	case nil:
		return nil
	case json.Number:
		f, err = t.Float64()
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(t), 64)
	default:
		err = fmt.Errorf("%s", jsonType(v))
	}
	if err != nil || math.IsNaN(f) || math.Abs(f) > limit {
		pg.perr.Add("json-ld geo %s: %v is not a coordinate", what, clean(fmt.Sprint(v), 40))
		return nil
	}
	return &f
}

// posts reads the SocialMediaPosting objects the main entity authored.
func (ld *ldData) posts(pg *page, platform string) []creator.Post {
	if ld.person == nil {
		return nil
	}
	pid := strVal(ld.person["@id"])
	purl := normURL(pg.abs(strVal(ld.person["url"])))
	var out []creator.Post
	for _, n := range ld.nodes {
		if !hasType(n, "SocialMediaPosting", "BlogPosting", "DiscussionForumPosting", "VideoObject") {
			continue
		}
		a := ld.resolve(n["author"])
		if a == nil {
			continue
		}
		mine := (pid != "" && strVal(a["@id"]) == pid) ||
			(purl != "" && normURL(pg.abs(strVal(a["url"]))) == purl)
		if !mine {
			continue
		}
		if p, ok := ld.post(pg, platform, n); ok {
			out = append(out, p)
		}
	}
	return out
}

func (ld *ldData) post(pg *page, platform string, n node) (creator.Post, bool) {
	var p creator.Post
	p.URL = pg.abs(strVal(n["url"]))
	native := ""
	switch id := n["identifier"].(type) {
	case string:
		native = strings.TrimSpace(id)
	case json.Number:
		native = id.String()
	}
	if hasTemplate(native) || strings.ContainsAny(native, " /") {
		native = ""
	}
	switch {
	case platform == creator.Web || platform == creator.Mastodon:
		// Site-local ids are not unique across hosts: key by URL.
		if p.URL != "" {
			native = nativeFromURL(platform, p.URL)
		} else if native != "" {
			native = hostKey(pg.url) + "/" + native
		}
	case native == "":
		native = nativeFromURL(platform, p.URL)
	}
	if native == "" {
		pg.perr.Add("json-ld post: no url or identifier")
		return p, false
	}
	p.ID = platform + ":" + clean(native, maxField)
	for _, k := range []string{"articleBody", "text", "headline", "description", "name"} {
		if s := pg.textVal("post "+k, n[k], maxText); s != "" {
			p.Caption = s
			break
		}
	}
	if d := strVal(n["datePublished"]); d != "" {
		if t, ok := parseTime(d); ok {
			p.PublishedAt = &t
		} else {
			pg.perr.Add("json-ld post %s datePublished: %q is not a date", native, clean(d, 60))
		}
	}
	st := ld.stats(pg, "post "+native, n["interactionStatistic"])
	p.Likes = st["LikeAction"]
	p.Comments = st["CommentAction"]
	if p.Comments == nil && n["commentCount"] != nil {
		p.Comments = pg.countVal("json-ld post "+native+" commentCount", n["commentCount"])
	}
	p.Shares = st["ShareAction"]
	p.Views = st["WatchAction"]
	if p.Views == nil {
		p.Views = st["ViewAction"]
	}
	p.Hashtags = tags.Hashtags(p.Caption)
	var kw []string
	switch k := n["keywords"].(type) {
	case string:
		kw = strings.Split(k, ",")
	case []any:
		kw = strList(k)
	}
	for _, k := range kw {
		k = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(k), "#"))
		if k == "" || strings.ContainsAny(k, " \t#@") || hasTemplate(k) || contains(p.Hashtags, k) {
			continue
		}
		p.Hashtags = append(p.Hashtags, k)
	}
	p.Mentions = tags.Mentions(p.Caption)
	return p, true
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// nativeFromURL derives a post id from its URL: the network's own id where
// the URL carries one, else host and path.
func nativeFromURL(platform, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch platform {
	case creator.Instagram:
		if len(segs) >= 2 && (segs[0] == "p" || segs[0] == "reel" || segs[0] == "tv") {
			return segs[1]
		}
	case creator.TikTok:
		if len(segs) >= 3 && segs[1] == "video" {
			return segs[2]
		}
	case creator.YouTube:
		if v := u.Query().Get("v"); v != "" {
			return v
		}
		if len(segs) >= 2 && segs[0] == "shorts" {
			return segs[1]
		}
	}
	s := hostKey(u) + u.EscapedPath()
	return strings.TrimSuffix(s, "/")
}

// parseTime reads the date formats JSON-LD and page metadata use.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1990 || t.Year() > 2200 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
