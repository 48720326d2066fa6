package html

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/creatorscout/creatorscout/crawler/source/internal/count"
	"github.com/creatorscout/creatorscout/creator"
)

// ogData is what OpenGraph and Twitter meta say. profile is true when the
// meta describe a profile rather than any page (og:type profile, counts,
// a "(@handle)", profile:username, or a network host).
type ogData struct {
	facts
	profile bool
}

// Count labels in the languages Instagram and TikTok print them in. Sorted
// data: a new language is a one-line diff.
var (
	followerLabels  = []string{"abonnenten", "abonnés", "abonnes", "followers", "follower", "obserwujących", "seguidores", "seguidoras", "takipçi", "volgers", "подписчиков", "подписчика", "подписчики", "フォロワー", "粉丝", "粉絲", "팔로워"}
	followingLabels = []string{"abonnements", "following", "gefolgt", "obserwowanych", "seguidos", "seguindo", "seguiti", "takip", "volgend", "подписок", "подписки", "フォロー中", "关注", "關注", "팔로잉"}
	postLabels      = []string{"beiträge", "beitrag", "berichten", "gönderi", "posts", "post", "posty", "publicaciones", "publicações", "publications", "publication", "публикаций", "публикации", "投稿", "帖子", "貼文", "게시물"}
)

// numPat is a printed count: digits with separators and an optional unit.
const numPat = `(\d[\d.,'\x{00A0}\x{202F}\x{2009} ]*(?:\s?(?:Mio\.?|Mrd\.?|Tsd\.?|mln|mil|mi|млн|тыс\.?|[KkMmBb]|[万萬亿億千만천억]))?)`

var (
	countRe      = regexp.MustCompile(`(?i)` + numPat + `\s*(` + alt(followerLabels, followingLabels, postLabels) + `)(?:[^\pL]|$)`)
	countFirstRe = regexp.MustCompile(`(?i)(` + alt(followerLabels, followingLabels, postLabels) + `)[:：]?\s*` + numPat)
	atHandleRe   = regexp.MustCompile(`([^()]{0,200}?)\s*\(@([\pL\pN_.]{1,64}(?:@[A-Za-z0-9.-]{1,253})?)\)`)
	fromWords    = []string{" from ", " von ", " de ", " di ", " van ", " od ", " от "} // "videos from Name (@handle)"
)

func alt(lists ...[]string) string {
	var all []string
	for _, l := range lists {
		for _, s := range l {
			all = append(all, regexp.QuoteMeta(s))
		}
	}
	// Longer labels first so "followers" wins over "follower".
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && len(all[j]) > len(all[j-1]); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	return strings.Join(all, "|")
}

func labelKind(label string) string {
	l := strings.ToLower(label)
	for _, s := range followerLabels {
		if l == s {
			return "followers"
		}
	}
	for _, s := range followingLabels {
		if l == s {
			return "following"
		}
	}
	return "posts"
}

// readOG reads og:, profile:, twitter: and description meta.
func (pg *page) readOG() *ogData {
	meta := map[string]string{}
	pg.doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		key := s.AttrOr("property", "")
		if key == "" {
			key = s.AttrOr("name", "")
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if key == "" {
			return
		}
		if _, dup := meta[key]; !dup {
			meta[key] = strings.TrimSpace(s.AttrOr("content", ""))
		}
	})
	og := &ogData{}
	has := false
	for k := range meta {
		if strings.HasPrefix(k, "og:") || strings.HasPrefix(k, "profile:") || strings.HasPrefix(k, "twitter:") {
			has = true
			break
		}
	}
	if !has {
		return nil
	}

	desc := pg.text("og", "og:description", meta["og:description"], maxText)
	if desc == "" {
		desc = pg.text("og", "twitter:description", meta["twitter:description"], maxText)
	}
	descCounted := pg.ogCounts(&og.facts, desc)
	counted := descCounted
	if !counted && meta["description"] != "" {
		counted = pg.ogCounts(&og.facts, pg.text("og", "description", meta["description"], maxText))
	}

	title := pg.text("og", "og:title", meta["og:title"], maxField)
	if title == "" {
		title = pg.text("og", "twitter:title", meta["twitter:title"], maxField)
	}
	for _, s := range []string{title, desc} {
		if !strings.Contains(s, "(@") {
			continue // atHandleRe needs "(@"
		}
		if m := atHandleRe.FindStringSubmatch(s); m != nil {
			og.handle = m[2]
			name := strings.TrimSpace(m[1])
			for _, w := range fromWords {
				if i := strings.LastIndex(name, w); i >= 0 {
					name = strings.TrimSpace(name[i+len(w):])
				}
			}
			if i := strings.LastIndex(name, " - "); i >= 0 {
				name = strings.TrimSpace(name[i+3:])
			}
			og.name = name
			break
		}
	}
	if u := pg.text("og", "profile:username", meta["profile:username"], maxField); u != "" {
		og.handle = u
	}
	typ := strings.ToLower(meta["og:type"])
	if og.name == "" && typ == "profile" {
		og.name = trimSiteName(title, meta["og:site_name"])
		if og.name == "" {
			og.name = strings.TrimSpace(pg.text("og", "profile:first_name", meta["profile:first_name"], maxField) + " " + pg.text("og", "profile:last_name", meta["profile:last_name"], maxField))
		}
	}
	og.url = pg.abs(meta["og:url"])
	og.profile = typ == "profile" || counted || og.handle != "" || pg.platform() != creator.Web
	if og.profile && !descCounted {
		og.bio = desc
	}
	return og
}

// ogCounts reads "12.3K Followers, 512 Following, 845 Posts" in any order
// and the label-first forms CJK pages use. It reports whether any count was
// found (read or not).
func (pg *page) ogCounts(f *facts, s string) bool {
	found := false
	set := func(kind, num string) {
		found = true
		n, err := count.Parse(num)
		if err != nil {
			pg.perr.Add("og %s: %v", kind, err)
			return
		}
		switch kind {
		case "followers":
			if f.followers == nil {
				f.followers = &n
			}
		case "following":
			if f.following == nil {
				f.following = &n
			}
		default:
			if f.posts == nil {
				f.posts = &n
			}
		}
	}
	for _, m := range countRe.FindAllStringSubmatchIndex(s, 10) {
		kind := labelKind(s[m[4]:m[5]])
		if joined(s, m[2]) {
			found = true
			pg.perr.Add("og %s: %q is part of %q, not a count", kind, s[m[2]:m[3]], clean(s[max(0, m[2]-8):m[3]], 40))
			continue
		}
		set(kind, s[m[2]:m[3]])
	}
	if !found {
		for _, m := range countFirstRe.FindAllStringSubmatch(s, 10) {
			set(labelKind(m[1]), m[2])
		}
	}
	return found
}

// joined reports whether the number at s[i:] continues what comes before
// it: a letter, a digit, a sign or a decimal point ("1e400", "-5",
// "v2.5"), so that it is only the tail of something else.
func joined(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+-−.,", r)
}

// trimSiteName drops a " | Site" style suffix naming the site.
func trimSiteName(title, site string) string {
	title = strings.TrimSpace(title)
	if site == "" {
		return title
	}
	for _, sep := range []string{" | ", " • ", " - ", " – ", " — ", " · "} {
		if strings.HasSuffix(strings.ToLower(title), strings.ToLower(sep+site)) {
			return strings.TrimSpace(title[:len(title)-len(sep+site)])
		}
	}
	return title
}
