package html

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/creatorscout/creatorscout/creator"
)

// networkHosts maps a network's web host (without "www." or "m.") to its
// platform.
var networkHosts = map[string]string{
	"bsky.app":      creator.Bluesky,
	"instagram.com": creator.Instagram,
	"tiktok.com":    creator.TikTok,
	"youtube.com":   creator.YouTube,
}

// mastodonHosts are well-known instances; any other host is read as
// Mastodon when its /@user page carries Mastodon markers.
var mastodonHosts = map[string]bool{
	"fosstodon.org":      true,
	"hachyderm.io":       true,
	"infosec.exchange":   true,
	"mas.to":             true,
	"mastodon.art":       true,
	"mastodon.online":    true,
	"mastodon.social":    true,
	"mastodon.world":     true,
	"mstdn.jp":           true,
	"mstdn.social":       true,
	"pixelfed.social":    true,
	"social.vivaldi.net": true,
	"techhub.social":     true,
	"universeodon.com":   true,
}

// instagramReserved are first path segments on instagram.com that are not
// usernames.
var instagramReserved = map[string]bool{
	"accounts": true, "direct": true, "explore": true, "p": true, "reel": true,
	"reels": true, "stories": true, "tv": true, "about": true, "legal": true,
	"developer": true, "web": true,
}

var (
	// mastodonPath is /@user or /@user@remote.host.
	mastodonPath = regexp.MustCompile(`^/@([\pL\pN_.-]{1,64})(?:@([A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?))?/?$`)
	// userPath is a generic profile path on a web host.
	userPath = regexp.MustCompile(`^/(?:u|user|users|profile|profiles|people|creator|creators|c|author|authors)/([\pL\pN_.-]{1,64})/?$`)
	// tagPath is a hashtag page.
	tagPath    = regexp.MustCompile(`^/(?:tags?|hashtag|hashtags|explore/tags|discover/tags)/([^/]{1,100})/?$`)
	handleRe   = regexp.MustCompile(`^[\pL\pN_.-]{1,64}(?:@[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?)?$`)
	igHandleRe = regexp.MustCompile(`^[A-Za-z0-9._]{1,30}$`)
)

// hostPlatform returns the network a host belongs to, or "".
func hostPlatform(host string) string {
	h := strings.ToLower(host)
	if hn, _, err := net.SplitHostPort(h); err == nil {
		h = hn
	}
	for _, p := range []string{"www.", "m.", "mobile."} {
		h = strings.TrimPrefix(h, p)
	}
	return networkHosts[h]
}

// platform decides the page's platform from its host, the configured hosts
// and, for /@user paths only, Mastodon markers in the page.
func (pg *page) platform() string {
	host := strings.ToLower(pg.url.Host)
	if p := pg.src.hosts[host]; p != "" {
		return p
	}
	if p := hostPlatform(host); p != "" {
		return p
	}
	if mastodonPath.MatchString(pg.url.Path) {
		hn := pg.url.Hostname()
		if mastodonHosts[strings.ToLower(hn)] || pg.mastodonMarkers() {
			return creator.Mastodon
		}
	}
	return creator.Web
}

// mastodonMarkers reports the marks Mastodon-compatible servers leave in a
// profile page: an ActivityPub alternate link, the app mount point, the
// initial-state script, or a generator meta naming a fediverse server.
func (pg *page) mastodonMarkers() bool {
	if pg.doc.Find(`link[rel~="alternate"][type="application/activity+json"]`).Length() > 0 {
		return true
	}
	if pg.doc.Find(`#mastodon, script#initial-state`).Length() > 0 {
		return true
	}
	gen := strings.ToLower(pg.doc.Find(`meta[name="generator"]`).AttrOr("content", ""))
	for _, s := range []string{"mastodon", "pleroma", "akkoma", "gotosocial", "misskey", "glitch"} {
		if strings.Contains(gen, s) {
			return true
		}
	}
	return false
}

// hostKey is the host as it goes into a handle: lower case, no "www.",
// port kept only when it is not the default.
func hostKey(u *url.URL) string {
	h := strings.ToLower(u.Host)
	h = strings.TrimSuffix(strings.TrimSuffix(h, ":443"), ":80")
	return strings.TrimPrefix(h, "www.")
}

// identity returns the platform and handle of the profile on this page.
// The URL path is authoritative on the networks; a handle a signal gives
// (alternateName, nickname, uniqueId, og "(@handle)") comes second.
func (pg *page) identity(f *facts) (platform, handle string, err error) {
	platform = pg.platform()
	path := pg.url.Path
	segs := strings.Split(strings.Trim(path, "/"), "/")
	given := strings.TrimPrefix(strings.TrimSpace(f.handle), "@")
	if !handleRe.MatchString(given) {
		given = ""
	}

	switch platform {
	case creator.Instagram:
		if len(segs) >= 1 && igHandleRe.MatchString(segs[0]) && !instagramReserved[strings.ToLower(segs[0])] {
			return platform, segs[0], nil
		}
		if igHandleRe.MatchString(given) {
			return platform, given, nil
		}
	case creator.TikTok, creator.YouTube:
		if len(segs) >= 1 && strings.HasPrefix(segs[0], "@") && handleRe.MatchString(segs[0][1:]) && !strings.Contains(segs[0][1:], "@") {
			return platform, segs[0][1:], nil
		}
		if given != "" && !strings.Contains(given, "@") {
			return platform, given, nil
		}
	case creator.Bluesky:
		if len(segs) >= 2 && segs[0] == "profile" && handleRe.MatchString(segs[1]) && !strings.HasPrefix(segs[1], "did:") {
			return platform, segs[1], nil
		}
		if given != "" && !strings.Contains(given, "@") {
			return platform, given, nil
		}
	case creator.Mastodon:
		// An account of another server (/@user@remote, or a handle naming
		// one) is only that server's copy here, and any page can say it is
		// a fediverse profile: it is read from its own server, never
		// stored from this page, which would let a page on any host write
		// into user@remote's record.
		local := hostKey(pg.url)
		if m := mastodonPath.FindStringSubmatch(path); m != nil {
			if m[2] != "" && !strings.EqualFold(m[2], local) {
				return platform, "", fmt.Errorf("%w: %s shows %s@%s, an account of another server", errRemoteAccount, local, m[1], m[2])
			}
			return platform, m[1] + "@" + local, nil
		}
		if given != "" {
			user, host, remote := strings.Cut(given, "@")
			if remote && !strings.EqualFold(host, local) {
				return platform, "", fmt.Errorf("%w: %s names %s, an account of another server", errRemoteAccount, local, given)
			}
			return platform, user + "@" + local, nil
		}
	default: // web: user@host, or host/path for a personal site
		if m := mastodonPath.FindStringSubmatch(path); m != nil && m[2] == "" {
			return platform, m[1] + "@" + hostKey(pg.url), nil
		}
		if m := userPath.FindStringSubmatch(path); m != nil {
			return platform, m[1] + "@" + hostKey(pg.url), nil
		}
		if given != "" && !strings.Contains(given, "@") {
			return platform, given + "@" + hostKey(pg.url), nil
		}
		h := hostKey(pg.url)
		p := strings.Trim(path, "/")
		if strings.IndexFunc(p, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
			// A decoded %0D%0A or %00 would put a line break or a NUL
			// into the id (or, cleaned away, make two pages one creator):
			// such a path is kept escaped.
			p = strings.Trim(pg.url.EscapedPath(), "/")
		}
		if p != "" {
			h += "/" + p
		}
		if h != "" && !hasTemplate(h) {
			return platform, clean(h, maxField), nil
		}
	}
	return platform, "", fmt.Errorf("%w for %s page %s", errNoHandle, platform, pg.sourceURL)
}
