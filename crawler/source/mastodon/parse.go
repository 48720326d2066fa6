package mastodon

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/creator"
)

// parser holds what one Parse call needs.
type parser struct {
	s      *Source
	page   *source.Page
	pe     *source.ParseError
	res    *source.Result
	host   string // host of the instance that served the page, lower case
	srcURL string
	opted  map[string]bool
}

// Parse reads an Account, a list of Accounts, or a list of Statuses,
// chosen by the URL path or, when that says nothing, by the body.
func (s *Source) Parse(p *source.Page) (*source.Result, error) {
	res := &source.Result{Creators: []creator.Creator{}, Posts: []creator.Post{}}
	if p == nil {
		return res, fmt.Errorf("mastodon: no page: %w", source.ErrNotThisFormat)
	}
	ps := &parser{s: s, page: p, res: res, opted: map[string]bool{}}
	if p.URL != nil {
		ps.srcURL = p.URL.String()
		ps.host = strings.ToLower(p.URL.Host)
	}
	ps.pe = &source.ParseError{Source: Name, URL: ps.srcURL}

	c := firstByte(p.Body)
	if c != '{' && c != '[' {
		return res, fmt.Errorf("mastodon: %s: body is not JSON: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	tree, err := readTree(p.Body)
	if err != nil {
		ps.pe.Add("%v", err)
	}
	if tree == nil {
		return res, ps.pe.Err()
	}
	if ps.apiError(tree) {
		return res, ps.pe.Err()
	}

	kind := kindUnknown
	if p.URL != nil {
		kind = kindOf(p.URL.Path)
	}
	if kind == kindUnknown {
		kind = sniffTree(tree)
	}
	switch kind {
	case kindAccount:
		if f, ok := objectAt(tree, "account", ps.pe); ok {
			ps.account(f, true)
		}
	case kindAccounts:
		for i, item := range arrayAt(tree, "accounts", ps.pe) {
			if f, ok := objectAt(item, fmt.Sprintf("accounts[%d]", i), ps.pe); ok {
				ps.account(f, true)
			}
		}
	case kindStatuses, kindTimeline:
		ps.statuses(tree, kind == kindTimeline)
	default:
		return res, fmt.Errorf("mastodon: %s: neither an Account nor a Status list: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	ps.dropOptedOut()
	return res, ps.pe.Err()
}

// apiError reports an error entity ({"error": "..."}) or an HTTP error
// status as an issue.
func (ps *parser) apiError(tree any) bool {
	if m, ok := tree.(map[string]any); ok && m["error"] != nil && m["acct"] == nil {
		ps.pe.Add("API error (HTTP %d): %s", ps.page.Status, clip(fmt.Sprint(m["error"])))
		return true
	}
	if ps.page.Status >= 400 {
		ps.pe.Add("HTTP status %d", ps.page.Status)
		return true
	}
	return false
}

// account is what is read of one Account entity.
type account struct {
	f      fields
	id     string
	handle string // user@host, lower case
	opted  bool
}

// readAccount reads the identity and opt-out state of an Account. ok is
// false when it names nobody (no usable acct).
func (ps *parser) readAccount(f fields) (a account, ok bool) {
	a.f = f
	if _, isString := f.m["id"].(string); isString {
		a.id = f.str("id")
	} else if n := f.count("id"); n != nil { // some servers send numeric ids
		a.id = strconv.FormatInt(*n, 10)
	}
	acct := f.str("acct")
	if acct == "" {
		acct = f.str("username")
	}
	h, ok := ps.fullAcct(acct, f.str("url"))
	switch {
	case !ok && acct != "":
		ps.pe.Add("%s: acct %q does not name an account", f.at("acct"), clip(acct))
		return a, false
	case !ok && !f.has("acct") && !f.has("username"):
		ps.pe.Add("%s: no acct", f.path)
		return a, false
	case !ok:
		return a, false // the wrong type is already an issue
	}
	a.handle = h

	disc, discState := f.boolean("discoverable")
	noindex, noindexState := f.boolean("noindex")
	indexable, indexState := f.boolean("indexable")
	a.opted = (discState == boolOK && !disc) || discState == boolBad ||
		(noindexState == boolOK && noindex) || noindexState == boolBad ||
		indexState != boolOK || !indexable
	if !a.opted {
		for _, t := range hashtagsIn(htmlText(f.str("note"))) {
			if t == "nobot" || t == "noindex" {
				a.opted = true
			}
		}
	}
	return a, true
}

// fullAcct qualifies a local acct with the page's host (or, when the page
// URL is unknown, the host of the account's own URL) and lower-cases it.
func (ps *parser) fullAcct(acct, accountURL string) (string, bool) {
	acct = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(acct), "@"))
	user, host, remote := strings.Cut(acct, "@")
	if !remote {
		host = ps.host
		if host == "" {
			if u, err := url.Parse(accountURL); err == nil {
				host = strings.ToLower(u.Host)
			}
		}
	}
	if !validUser(user) || !validHost(host) {
		return "", false
	}
	return user + "@" + host, true
}

// optOut records an opted-out account once.
func (ps *parser) optOut(handle string) {
	id := creator.MakeID(creator.Mastodon, handle)
	if !ps.opted[id] {
		ps.opted[id] = true
		ps.res.OptedOut = append(ps.res.OptedOut, id)
	}
}

// account reads one Account into a creator, and with wantPosts asks for its
// statuses on the same instance.
func (ps *parser) account(f fields, wantPosts bool) {
	a, ok := ps.readAccount(f)
	if !ok {
		return
	}
	if a.opted {
		ps.optOut(a.handle)
		return
	}
	c := ps.creator(a)
	ps.res.Creators = append(ps.res.Creators, c)
	if !wantPosts || ps.page.URL == nil {
		return
	}
	if a.id == "" || strings.ContainsAny(a.id, "/?#") {
		ps.pe.Add("%s: no usable account id, so its statuses cannot be asked for", f.at("id"))
		return
	}
	meta := map[string]string{metaCreatorID: c.ID, metaHandle: a.handle}
	if tag := ps.page.Meta[metaTag]; tag != "" {
		meta[metaTag] = tag
	}
	ps.res.Next = append(ps.res.Next, source.Request{
		URL: ps.s.origin(ps.page.URL.Host, ps.page.URL) + "/api/v1/accounts/" + url.PathEscape(a.id) +
			"/statuses?limit=" + strconv.Itoa(ps.s.limit) + "&exclude_reblogs=true",
		Kind: source.KindPosts,
		Meta: meta,
	})
}

// locationFields are profile field names that hold where someone is.
var locationFields = []string{"based in", "city", "location", "lieu", "lives in", "ort", "standort", "ubicación", "where"}

// creator builds the Creator of an account that did not opt out.
func (ps *parser) creator(a account) creator.Creator {
	f := a.f
	user, host, _ := strings.Cut(a.handle, "@")
	c := creator.Creator{
		ID:          creator.MakeID(creator.Mastodon, a.handle),
		Platform:    creator.Mastodon,
		Handle:      a.handle,
		PlatformID:  f.str("uri"),
		DisplayName: strings.TrimSpace(f.str("display_name")),
		Followers:   f.count("followers_count"),
		Following:   f.count("following_count"),
		PostsCount:  f.count("statuses_count"),
		FetchedAt:   ps.page.FetchedAt,
		SourceURL:   ps.srcURL,
	}
	if c.PlatformID == "" {
		c.PlatformID = a.id
	}
	rawURL := f.str("url")
	if c.URL = publicURL(rawURL); c.URL == "" {
		if rawURL != "" {
			ps.pe.Add("%s: %q is not a profile URL", f.at("url"), clip(rawURL))
		}
		c.URL = ps.s.origin(host, ps.page.URL) + "/@" + user
	}
	note := f.str("note")
	c.Bio = htmlText(note)

	var fieldLinks, verifiedLinks, noteLinks []string
	for i, raw := range f.arr("fields") {
		ff, ok := objectAt(raw, f.at(fmt.Sprintf("fields[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(htmlText(ff.str("name"))))
		value := ff.str("value")
		text := htmlText(value)
		links := htmlLinks(value)
		if len(links) == 0 {
			links = linksIn(text)
		}
		for _, l := range links {
			if mail, ok := strings.CutPrefix(l, "mailto:"); ok {
				if c.Email == "" && isEmail(mail) {
					c.Email = strings.ToLower(mail)
				}
				continue
			}
			fieldLinks = append(fieldLinks, l)
			if ff.has("verified_at") {
				verifiedLinks = append(verifiedLinks, l)
			}
		}
		if c.Email == "" {
			c.Email = emailIn(text)
		}
		for _, lf := range locationFields {
			if name == lf && text != "" && c.Location == nil {
				c.Location = &creator.Location{Raw: text}
			}
		}
	}
	for _, l := range htmlLinks(note) {
		if mail, ok := strings.CutPrefix(l, "mailto:"); ok {
			if c.Email == "" && isEmail(mail) {
				c.Email = strings.ToLower(mail)
			}
			continue
		}
		noteLinks = append(noteLinks, l)
	}
	if c.Email == "" {
		c.Email = emailIn(c.Bio)
	}
	c.Links = dedupe(append(append(fieldLinks, noteLinks...), linksIn(c.Bio)...))
	switch {
	case len(verifiedLinks) > 0:
		c.Website = verifiedLinks[0]
	case len(fieldLinks) > 0:
		c.Website = fieldLinks[0]
	case len(c.Links) > 0:
		c.Website = c.Links[0]
	}
	return c
}

// statuses reads a list of Statuses. On a timeline every author other than
// opted-out ones becomes a profile request on its home instance.
func (ps *parser) statuses(tree any, timeline bool) {
	asked := map[string]bool{}
	tag := ""
	if timeline && ps.page.URL != nil {
		if t, ok := strings.CutPrefix(strings.TrimRight(ps.page.URL.Path, "/"), "/api/v1/timelines/tag/"); ok {
			tag = normTag(t)
		}
	}
	for i, item := range arrayAt(tree, "statuses", ps.pe) {
		f, ok := objectAt(item, fmt.Sprintf("statuses[%d]", i), ps.pe)
		if !ok {
			continue
		}
		post, author, ok := ps.status(f)
		if !ok {
			continue
		}
		ps.res.Posts = append(ps.res.Posts, post)
		if timeline && !asked[author.handle] {
			asked[author.handle] = true
			user, host, _ := strings.Cut(author.handle, "@")
			ps.res.Next = append(ps.res.Next, ps.s.lookupRequest(user, host, ps.page.URL, tag))
		}
	}
}

// status reads one Status. ok is false for boosts, non-public statuses,
// statuses of opted-out or unreadable authors, and statuses with no id.
func (ps *parser) status(f fields) (post creator.Post, author account, ok bool) {
	if f.has("reblog") {
		return post, author, false // a boost is someone else's post
	}
	switch vis := f.str("visibility"); vis {
	case "private", "direct", "limited":
		return post, author, false
	}
	af, hasAccount := objectAt(f.m["account"], f.at("account"), ps.pe)
	if !hasAccount {
		ps.pe.Add("%s: no author, so its opt-out cannot be checked; skipped", f.path)
		return post, author, false
	}
	author, ok = ps.readAccount(af)
	if !ok {
		return post, author, false
	}
	if author.opted {
		ps.optOut(author.handle)
		return post, author, false
	}

	uri, id := f.str("uri"), f.str("id")
	switch {
	case uri != "":
		post.ID = creator.Mastodon + ":" + uri
	case id != "" && ps.host != "":
		post.ID = creator.Mastodon + ":" + ps.host + "/" + id
	default:
		ps.pe.Add("%s: neither uri nor id; skipped", f.path)
		return post, author, false
	}
	post.CreatorID = creator.MakeID(creator.Mastodon, author.handle)
	post.URL = publicURL(f.str("url"))
	if post.URL == "" {
		post.URL = publicURL(uri)
	}
	post.PublishedAt = f.time("created_at")
	content := f.str("content")
	post.Caption = htmlText(content)
	if cw := strings.TrimSpace(f.str("spoiler_text")); cw != "" {
		post.Caption = strings.TrimSpace(cw + "\n\n" + post.Caption)
	}
	post.Likes = f.count("favourites_count")
	post.Comments = f.count("replies_count")
	post.Shares = f.count("reblogs_count")
	// Mastodon has no view counts: Views stays nil.

	var tags []string
	for i, raw := range f.arr("tags") {
		if tf, ok := objectAt(raw, f.at(fmt.Sprintf("tags[%d]", i)), ps.pe); ok {
			tags = append(tags, normTag(tf.str("name")))
		}
	}
	post.Hashtags = dedupe(append(tags, hashtagsIn(post.Caption)...))

	var mentions []string
	for i, raw := range f.arr("mentions") {
		mf, ok := objectAt(raw, f.at(fmt.Sprintf("mentions[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		acct := mf.str("acct")
		if h, ok := ps.fullAcct(acct, mf.str("url")); ok {
			mentions = append(mentions, h)
		} else if acct != "" {
			ps.pe.Add("%s: acct %q does not name an account", mf.at("acct"), clip(acct))
		}
	}
	post.Mentions = dedupe(mentions)
	post.FetchedAt = ps.page.FetchedAt
	post.SourceURL = ps.srcURL
	return post, author, true
}

// dropOptedOut removes everything of an account that opted out anywhere on
// the page: the same account can appear more than once, and an opt-out seen
// once wins over copies that lack it.
func (ps *parser) dropOptedOut() {
	if len(ps.opted) == 0 {
		return
	}
	r := ps.res
	r.Creators = slices.DeleteFunc(r.Creators, func(c creator.Creator) bool { return ps.opted[c.ID] })
	r.Posts = slices.DeleteFunc(r.Posts, func(p creator.Post) bool { return ps.opted[p.CreatorID] })
	r.Next = slices.DeleteFunc(r.Next, func(n source.Request) bool {
		return ps.opted[creator.MakeID(creator.Mastodon, n.Meta[metaHandle])] || ps.opted[n.Meta[metaCreatorID]]
	})
}
