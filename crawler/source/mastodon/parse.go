package mastodon

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/lenient"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
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

	c := lenient.FirstByte(p.Body)
	if c != '{' && c != '[' {
		return res, fmt.Errorf("mastodon: %s: body is not JSON: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	tree, err := lenient.ReadTree(p.Body)
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
		if kind == kindStatuses && manyAuthors(tree) {
			kind = kindTimeline // one account's statuses have one author
		}
	}
	switch kind {
	case kindAccount:
		if f, ok := lenient.ObjectAt(tree, "account", ps.pe); ok {
			ps.account(f, true)
		}
	case kindAccounts:
		for i, item := range lenient.ArrayAt(tree, "accounts", ps.pe) {
			if f, ok := lenient.ObjectAt(item, fmt.Sprintf("accounts[%d]", i), ps.pe); ok {
				ps.account(f, true)
			}
		}
	case kindStatuses, kindTimeline:
		ps.statuses(tree, kind == kindTimeline)
		if kind == kindStatuses {
			ps.mentionRequests()
		}
	default:
		return res, fmt.Errorf("mastodon: %s: neither an Account nor a Status list: %w", ps.srcURL, source.ErrNotThisFormat)
	}
	ps.dropOptedOut()
	return res, ps.pe.Err()
}

// manyAuthors reports whether a list of statuses has more than one author
// (by acct), as a timeline has and an account's statuses do not.
func manyAuthors(tree any) bool {
	list, _ := tree.([]any)
	first := ""
	for _, v := range list {
		st, _ := v.(map[string]any)
		acct, _ := st["account"].(map[string]any)
		a, _ := acct["acct"].(string)
		switch a = strings.ToLower(a); {
		case a == "":
		case first == "":
			first = a
		case a != first:
			return true
		}
	}
	return false
}

// apiError reports an error entity ({"error": "..."}) or an HTTP error
// status as an issue.
func (ps *parser) apiError(tree any) bool {
	if m, ok := tree.(map[string]any); ok && m["error"] != nil && m["acct"] == nil {
		msg := fmt.Sprint(m["error"])
		if d, _ := m["error_description"].(string); d != "" {
			msg += ": " + d // OAuth errors: "invalid_token: The access token is invalid"
		}
		ps.pe.Add("API error (HTTP %d): %s", ps.page.Status, lenient.Message(msg))
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
	f      lenient.Fields
	id     string
	handle string // user@host, lower case
	opted  bool
}

// readAccount reads the identity and opt-out state of an Account. ok is
// false when it names nobody (no usable acct).
func (ps *parser) readAccount(f lenient.Fields) (a account, ok bool) {
	a.f = f
	if _, isString := f.Value("id").(string); isString {
		a.id = f.Str("id")
	} else if n := f.Count("id"); n != nil { // some servers send numeric ids
		a.id = strconv.FormatInt(*n, 10)
	}
	acct := f.Str("acct")
	if acct == "" {
		acct = f.Str("username")
	}
	h, ok := ps.fullAcct(acct, f.Str("url"))
	switch {
	case !ok && acct != "":
		ps.pe.Add("%s: acct %q does not name an account", f.At("acct"), lenient.Clip(acct))
		return a, false
	case !ok && !f.Has("acct") && !f.Has("username"):
		ps.pe.Add("%s: no acct", f.Path())
		return a, false
	case !ok:
		return a, false // the wrong type is already an issue
	}
	a.handle = h

	disc, discState := f.Bool("discoverable")
	noindex, noindexState := f.Bool("noindex")
	indexable, indexState := f.Bool("indexable")
	a.opted = (discState == lenient.BoolOK && !disc) || discState == lenient.BoolBad ||
		(noindexState == lenient.BoolOK && noindex) || noindexState == lenient.BoolBad ||
		indexState != lenient.BoolOK || !indexable
	if !a.opted {
		for _, t := range tags.StrictHashtags(htmlText(f.Str("note"))) {
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
func (ps *parser) account(f lenient.Fields, wantPosts bool) {
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
		ps.pe.Add("%s: no usable account id, so its statuses cannot be asked for", f.At("id"))
		return
	}
	meta := map[string]string{metaCreatorID: c.ID, metaHandle: a.handle}
	if tag := ps.page.Meta[metaTag]; tag != "" {
		meta[metaTag] = tag
	}
	source.CarrySnowball(meta, ps.page.Meta)
	ps.res.Next = append(ps.res.Next, source.Request{
		URL: ps.s.origin(ps.page.URL.Host, ps.page.URL) + "/api/v1/accounts/" + url.PathEscape(a.id) +
			"/statuses?limit=" + strconv.Itoa(ps.s.limit) + "&exclude_reblogs=true",
		Kind: source.KindPosts,
		Meta: meta,
	})
}

// locationFields are profile field names that hold where someone is.
var locationFields = []string{"based in", "city", "location", "lieu", "lives in", "ort", "standort", "ubicación", "where"}

// hiddenCount reads a count the account may have hidden, which servers
// send as a number that is not the count: Mastodon forks that let an
// account hide its followers (kmyblue, fedibird) send -1, and Pleroma and
// Akkoma send 0 when pleroma.hide_followers_count and hide_followers (or
// the follows pair) are set. Either is unknown, not a figure; a 0 beside
// one of those flags is read as hidden too, since it cannot be told apart.
func hiddenCount(f lenient.Fields, key string, flags ...string) *int64 {
	if n, ok := f.Value(key).(json.Number); ok && n == "-1" {
		return nil
	}
	c := f.Count(key)
	if c == nil || *c != 0 {
		return c
	}
	pl := f.Obj("pleroma")
	for _, flag := range flags {
		if hidden, state := pl.Bool(flag); state == lenient.BoolOK && hidden {
			return nil
		}
	}
	return c
}

// creator builds the Creator of an account that did not opt out.
func (ps *parser) creator(a account) creator.Creator {
	f := a.f
	user, host, _ := strings.Cut(a.handle, "@")
	c := creator.Creator{
		ID:          creator.MakeID(creator.Mastodon, a.handle),
		Platform:    creator.Mastodon,
		Handle:      a.handle,
		PlatformID:  f.Str("uri"),
		DisplayName: strings.TrimSpace(f.Str("display_name")),
		Followers:   hiddenCount(f, "followers_count", "hide_followers_count", "hide_followers"),
		Following:   hiddenCount(f, "following_count", "hide_follows_count", "hide_follows"),
		PostsCount:  f.Count("statuses_count"),
		FetchedAt:   ps.page.FetchedAt,
		SourceURL:   ps.srcURL,
	}
	if c.PlatformID == "" {
		c.PlatformID = a.id
	}
	rawURL := f.Str("url")
	if c.URL = tags.PublicURL(rawURL); c.URL == "" {
		if rawURL != "" {
			ps.pe.Add("%s: %q is not a profile URL", f.At("url"), lenient.Clip(rawURL))
		}
		c.URL = ps.s.origin(host, ps.page.URL) + "/@" + user
	}
	note := f.Str("note")
	c.Bio = htmlText(note)

	var fieldLinks, verifiedLinks, noteLinks []string
	for i, raw := range f.Arr("fields") {
		ff, ok := lenient.ObjectAt(raw, f.At(fmt.Sprintf("fields[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(htmlText(ff.Str("name"))))
		value := ff.Str("value")
		text := htmlText(value)
		links := htmlLinks(value)
		if len(links) == 0 {
			links = tags.Links(text)
		}
		for _, l := range links {
			if mail, ok := strings.CutPrefix(l, "mailto:"); ok {
				if c.Email == "" && tags.IsEmail(mail) {
					c.Email = strings.ToLower(mail)
				}
				continue
			}
			fieldLinks = append(fieldLinks, l)
			if ff.Has("verified_at") {
				verifiedLinks = append(verifiedLinks, l)
			}
		}
		if c.Email == "" {
			c.Email = tags.Email(text)
		}
		for _, lf := range locationFields {
			if name == lf && text != "" && c.Location == nil {
				c.Location = &creator.Location{Raw: text}
			}
		}
	}
	for _, l := range htmlLinks(note) {
		if mail, ok := strings.CutPrefix(l, "mailto:"); ok {
			if c.Email == "" && tags.IsEmail(mail) {
				c.Email = strings.ToLower(mail)
			}
			continue
		}
		noteLinks = append(noteLinks, l)
	}
	if c.Email == "" {
		c.Email = tags.Email(c.Bio)
	}
	c.Links = tags.Dedupe(append(append(fieldLinks, noteLinks...), tags.Links(c.Bio)...))
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

// maxMentionRequests bounds the snowball requests one page may make.
const maxMentionRequests = 50

// statuses reads a list of Statuses. On a timeline every author other than
// opted-out ones becomes a profile request on its home instance. On an
// account's own statuses every account it @mentions becomes a snowball
// profile request (source.MetaSnowball) on its home instance.
func (ps *parser) statuses(tree any, timeline bool) {
	asked := map[string]bool{}
	tag := ""
	if timeline && ps.page.URL != nil {
		if t, ok := strings.CutPrefix(strings.TrimRight(ps.page.URL.Path, "/"), "/api/v1/timelines/tag/"); ok {
			tag = tags.Normalize(t)
		}
	}
	for i, item := range lenient.ArrayAt(tree, "statuses", ps.pe) {
		f, ok := lenient.ObjectAt(item, fmt.Sprintf("statuses[%d]", i), ps.pe)
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

// mentionRequests asks for the accounts the page's posts @mention, other
// than their authors, each once.
func (ps *parser) mentionRequests() {
	if ps.page.URL == nil {
		return
	}
	asked := map[string]bool{}
	for _, p := range ps.res.Posts {
		asked[p.CreatorID] = true
	}
	n := 0
	for _, p := range ps.res.Posts {
		for _, m := range p.Mentions {
			id := creator.MakeID(creator.Mastodon, m)
			user, host, ok := strings.Cut(m, "@")
			if asked[id] || !ok || n >= maxMentionRequests {
				continue
			}
			asked[id] = true
			n++
			r := ps.s.lookupRequest(user, host, ps.page.URL, "")
			for k, v := range source.MentionMeta(ps.page.Meta, id) {
				r.Meta[k] = v
			}
			ps.res.Next = append(ps.res.Next, r)
		}
	}
}

// status reads one Status. ok is false for boosts, non-public statuses,
// statuses of opted-out or unreadable authors, and statuses with no id.
func (ps *parser) status(f lenient.Fields) (post creator.Post, author account, ok bool) {
	if f.Has("reblog") {
		return post, author, false // a boost is someone else's post
	}
	switch vis := f.Str("visibility"); vis {
	case "private", "direct", "limited":
		return post, author, false
	}
	af, hasAccount := lenient.ObjectAt(f.Value("account"), f.At("account"), ps.pe)
	if !hasAccount {
		ps.pe.Add("%s: no author, so its opt-out cannot be checked; skipped", f.Path())
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

	uri, id := f.Str("uri"), f.Str("id")
	switch {
	case uri != "":
		post.ID = creator.Mastodon + ":" + uri
	case id != "" && ps.host != "":
		post.ID = creator.Mastodon + ":" + ps.host + "/" + id
	default:
		ps.pe.Add("%s: neither uri nor id; skipped", f.Path())
		return post, author, false
	}
	post.CreatorID = creator.MakeID(creator.Mastodon, author.handle)
	post.URL = tags.PublicURL(f.Str("url"))
	if post.URL == "" {
		post.URL = tags.PublicURL(uri)
	}
	post.PublishedAt = f.Time("created_at")
	content := f.Str("content")
	post.Caption = htmlText(content)
	if cw := strings.TrimSpace(f.Str("spoiler_text")); cw != "" {
		post.Caption = strings.TrimSpace(cw + "\n\n" + post.Caption)
	}
	post.Likes = f.Count("favourites_count")
	post.Comments = f.Count("replies_count")
	post.Shares = f.Count("reblogs_count")
	// Mastodon has no view counts: Views stays nil.

	var hashtags []string
	for i, raw := range f.Arr("tags") {
		if tf, ok := lenient.ObjectAt(raw, f.At(fmt.Sprintf("tags[%d]", i)), ps.pe); ok {
			hashtags = append(hashtags, tags.Normalize(tf.Str("name")))
		}
	}
	post.Hashtags = tags.Dedupe(append(hashtags, tags.StrictHashtags(post.Caption)...))

	var mentions []string
	for i, raw := range f.Arr("mentions") {
		mf, ok := lenient.ObjectAt(raw, f.At(fmt.Sprintf("mentions[%d]", i)), ps.pe)
		if !ok {
			continue
		}
		acct := mf.Str("acct")
		if h, ok := ps.fullAcct(acct, mf.Str("url")); ok {
			mentions = append(mentions, h)
		} else if acct != "" {
			ps.pe.Add("%s: acct %q does not name an account", mf.At("acct"), lenient.Clip(acct))
		}
	}
	post.Mentions = tags.Dedupe(mentions)
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

// readTree is lenient.ReadTree, under the name mastodon.go uses.
func readTree(data []byte) (any, error) { return lenient.ReadTree(data) }
