package simnet_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/creatorscout/creatorscout/simnet"
)

// Structs modelled on the published shapes. Where the real API sends a
// string, so do these, so decoding fails if simnet sends a number.

type mastoAccount struct {
	ID              string    `json:"id"`
	Username        string    `json:"username"`
	Acct            string    `json:"acct"`
	DisplayName     string    `json:"display_name"`
	Locked          bool      `json:"locked"`
	Bot             bool      `json:"bot"`
	Discoverable    *bool     `json:"discoverable"`
	Indexable       *bool     `json:"indexable"`
	Noindex         *bool     `json:"noindex"`
	Group           bool      `json:"group"`
	CreatedAt       time.Time `json:"created_at"`
	Note            string    `json:"note"`
	URL             string    `json:"url"`
	URI             string    `json:"uri"`
	FollowersCount  int64     `json:"followers_count"`
	FollowingCount  int64     `json:"following_count"`
	StatusesCount   int64     `json:"statuses_count"`
	LastStatusAt    *string   `json:"last_status_at"`
	HideCollections *bool     `json:"hide_collections"`
	Emojis          []struct {
		Shortcode string `json:"shortcode"`
		URL       string `json:"url"`
	} `json:"emojis"`
	Fields []struct {
		Name       string     `json:"name"`
		Value      string     `json:"value"`
		VerifiedAt *time.Time `json:"verified_at"`
	} `json:"fields"`
}

type mastoStatus struct {
	ID               string       `json:"id"`
	CreatedAt        time.Time    `json:"created_at"`
	InReplyToID      *string      `json:"in_reply_to_id"`
	Visibility       string       `json:"visibility"`
	Language         string       `json:"language"`
	URI              string       `json:"uri"`
	URL              string       `json:"url"`
	RepliesCount     int64        `json:"replies_count"`
	ReblogsCount     int64        `json:"reblogs_count"`
	FavouritesCount  int64        `json:"favourites_count"`
	Content          string       `json:"content"`
	Reblog           *mastoStatus `json:"reblog"`
	Account          mastoAccount `json:"account"`
	MediaAttachments []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"media_attachments"`
	Mentions []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		URL      string `json:"url"`
		Acct     string `json:"acct"`
	} `json:"mentions"`
	Tags []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"tags"`
	Card any `json:"card"`
	Poll any `json:"poll"`
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.body[:min(len(r.body), 400)])
	}
}

func hasKeys(t *testing.T, what string, raw []byte, keys ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q field", what, k)
		}
	}
}

func TestMastodonShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 21, Creators: 600})
	cs := n.Creators()
	c := pick(t, cs, func(c simnet.Creator) bool { return c.Platform == simnet.Mastodon && !c.OptedOut && len(c.Posts) > 0 })
	r := get(t, c.FetchURL)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json; charset=utf-8") {
		t.Fatalf("lookup: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var acc mastoAccount
	decode(t, r, &acc)
	hasKeys(t, "account", r.body, "id", "username", "acct", "display_name", "locked", "bot", "discoverable", "indexable", "group", "noindex",
		"created_at", "note", "url", "uri", "avatar", "avatar_static", "header", "header_static", "followers_count", "following_count",
		"statuses_count", "last_status_at", "hide_collections", "emojis", "roles", "fields")
	if _, err := strconv.ParseUint(acc.ID, 10, 64); err != nil || acc.Acct != acc.Username || acc.Username+"@"+c.Host != c.Handle {
		t.Errorf("account id %q acct %q username %q, truth handle %q", acc.ID, acc.Acct, acc.Username, c.Handle)
	}
	if acc.FollowersCount != *c.Followers || acc.URL != c.URL {
		t.Errorf("followers %d url %s, truth %d %s", acc.FollowersCount, acc.URL, *c.Followers, c.URL)
	}
	if strings.Contains(string(r.body), "<p>") || !strings.Contains(string(r.body), `\u003cp\u003e`) {
		t.Error("note HTML is not \\u003c-escaped as Mastodon sends it")
	}
	st := get(t, "http://"+c.Host+"/api/v1/accounts/"+acc.ID+"/statuses?limit=40&exclude_reblogs=true")
	var statuses []mastoStatus
	decode(t, st, &statuses)
	if len(statuses) != len(c.Posts) {
		t.Fatalf("%d statuses, truth has %d posts", len(statuses), len(c.Posts))
	}
	hasKeys(t, "status", mustIndex(t, st.body, 0), "id", "created_at", "in_reply_to_id", "sensitive", "spoiler_text", "visibility", "language",
		"uri", "url", "replies_count", "reblogs_count", "favourites_count", "edited_at", "content", "reblog", "application", "account",
		"media_attachments", "mentions", "tags", "emojis", "card", "poll")
	for i, sx := range statuses {
		p := c.Posts[i]
		if sx.ID != p.NativeID || sx.Account.ID != acc.ID || sx.FavouritesCount != *p.Likes || sx.RepliesCount != *p.Comments || sx.ReblogsCount != *p.Shares {
			t.Errorf("status %s: id/account/counts do not match truth %+v", sx.ID, p)
		}
		var tags []string
		for _, tg := range sx.Tags {
			tags = append(tags, tg.Name)
		}
		if !sameSet(tags, p.Hashtags) {
			t.Errorf("status %s tags %v, truth %v", sx.ID, tags, p.Hashtags)
		}
		for _, m := range sx.Mentions {
			full := m.Acct
			if !strings.Contains(full, "@") {
				full += "@" + c.Host
			}
			if !contains(p.Mentions, strings.ToLower(full)) {
				t.Errorf("status %s mentions %s, not in truth %v", sx.ID, full, p.Mentions)
			}
		}
	}
	if link := st.header.Get("Link"); !strings.Contains(link, `rel="next"`) || !strings.Contains(link, "max_id=") {
		t.Errorf("statuses Link header %q", link)
	}

	// A tag timeline mixes local and remote authors.
	tag := n.Hashtags()[0]
	local, remote := 0, 0
	hosts := map[string]bool{}
	for _, b := range s.BaseURLs()["mastodon"] {
		hosts[hostOf(b)] = true
	}
	for _, b := range s.BaseURLs()["mastodon"] {
		var tl []mastoStatus
		decode(t, get(t, b+"/api/v1/timelines/tag/"+tag+"?limit=40"), &tl)
		for _, sx := range tl {
			user, dom, isRemote := strings.Cut(sx.Account.Acct, "@")
			if isRemote {
				remote++
				if !hosts[dom] || dom == hostOf(b) || user != sx.Account.Username {
					t.Errorf("remote acct %q on %s", sx.Account.Acct, b)
				}
			} else {
				local++
			}
			found := false
			for _, tg := range sx.Tags {
				found = found || tg.Name == tag
			}
			if !found {
				t.Errorf("status %s in #%s timeline lacks the tag", sx.ID, tag)
			}
		}
	}
	if local == 0 || remote == 0 {
		t.Errorf("tag timelines: %d local, %d remote statuses; want both", local, remote)
	}

	// The directory lists only discoverable accounts.
	var dir []mastoAccount
	decode(t, get(t, baseOf(s, "mastodon")+"/api/v1/directory?local=true&order=active&limit=80"), &dir)
	if len(dir) == 0 {
		t.Fatal("empty directory")
	}
	for _, a := range dir {
		if a.Discoverable == nil || !*a.Discoverable || strings.Contains(a.Acct, "@") {
			t.Errorf("directory lists %s (discoverable %v)", a.Acct, a.Discoverable)
		}
	}

	// Every opt-out signal reads as the real field.
	for _, c := range cs {
		if c.Platform != simnet.Mastodon || !c.OptedOut {
			continue
		}
		r := get(t, c.FetchURL)
		var a mastoAccount
		decode(t, r, &a)
		var ok bool
		switch c.OptOutSignal {
		case simnet.OptOutUndiscoverable:
			ok = a.Discoverable != nil && !*a.Discoverable
		case simnet.OptOutNoindex:
			ok = a.Noindex != nil && *a.Noindex
			if h := get(t, c.URL); !strings.Contains(string(h.body), `content="noindex`) {
				t.Errorf("%s: HTML profile of a noindex account has no robots meta", c.ID)
			}
		case simnet.OptOutNotIndexable:
			ok = a.Indexable != nil && !*a.Indexable
		case simnet.OptOutIndexableAbsent:
			ok = a.Indexable == nil && !strings.Contains(string(r.body), `"indexable"`)
		}
		if !ok {
			t.Errorf("%s: signal %s not in %s", c.ID, c.OptOutSignal, r.body[:300])
		}
	}
}

func mustIndex(t *testing.T, raw []byte, i int) []byte {
	var xs []json.RawMessage
	if err := json.Unmarshal(raw, &xs); err != nil || len(xs) <= i {
		t.Fatalf("not an array with %d items: %v", i+1, err)
	}
	return xs[i]
}

func sameSet(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type bskyProfile struct {
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	DisplayName    string `json:"displayName"`
	Description    string `json:"description"`
	FollowersCount int64  `json:"followersCount"`
	FollowsCount   int64  `json:"followsCount"`
	PostsCount     int64  `json:"postsCount"`
	IndexedAt      string `json:"indexedAt"`
	CreatedAt      string `json:"createdAt"`
	Labels         []struct {
		Src string `json:"src"`
		URI string `json:"uri"`
		Val string `json:"val"`
		Cts string `json:"cts"`
	} `json:"labels"`
}

type bskyPost struct {
	URI    string      `json:"uri"`
	CID    string      `json:"cid"`
	Author bskyProfile `json:"author"`
	Record struct {
		Type      string   `json:"$type"`
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
		Tags      []string `json:"tags"`
		Facets    []struct {
			Index struct {
				ByteStart int `json:"byteStart"`
				ByteEnd   int `json:"byteEnd"`
			} `json:"index"`
			Features []struct {
				Type string `json:"$type"`
				Tag  string `json:"tag"`
				DID  string `json:"did"`
			} `json:"features"`
		} `json:"facets"`
	} `json:"record"`
	ReplyCount  int64 `json:"replyCount"`
	RepostCount int64 `json:"repostCount"`
	LikeCount   int64 `json:"likeCount"`
	QuoteCount  int64 `json:"quoteCount"`
}

func TestBlueskyShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 22, Creators: 700})
	cs := n.Creators()
	base := baseOf(s, "bluesky")
	byDID := map[string]simnet.Creator{}
	for _, c := range cs {
		if c.Platform == simnet.Bluesky {
			byDID[c.PlatformID] = c
		}
	}
	reposts, labelled, outlined := 0, 0, 0
	checked := 0
	for _, c := range cs {
		if c.Platform != simnet.Bluesky || c.Brand != "" {
			continue
		}
		var p bskyProfile
		decode(t, get(t, c.FetchURL), &p)
		if p.DID != c.PlatformID || p.Handle != c.Handle || p.FollowersCount != *c.Followers {
			t.Errorf("%s: profile %+v", c.ID, p)
		}
		hasLabel := false
		for _, l := range p.Labels {
			hasLabel = hasLabel || l.Val == "!no-unauthenticated"
		}
		if hasLabel != (c.OptOutSignal == simnet.OptOutNoUnauthenticated) {
			t.Errorf("%s: label %v, truth opt-out %q", c.ID, hasLabel, c.OptOutSignal)
		}
		if hasLabel {
			labelled++
		}
		if checked++; checked > 60 && labelled > 0 {
			continue
		}
		var feed struct {
			Cursor string `json:"cursor"`
			Feed   []struct {
				Post   bskyPost `json:"post"`
				Reason *struct {
					Type string `json:"$type"`
				} `json:"reason"`
			} `json:"feed"`
		}
		decode(t, get(t, base+"/xrpc/app.bsky.feed.getAuthorFeed?actor="+url.QueryEscape(c.PlatformID)+"&limit=30&filter=posts_no_replies"), &feed)
		own := 0
		for _, it := range feed.Feed {
			if it.Reason != nil {
				if it.Reason.Type != "app.bsky.feed.defs#reasonRepost" || it.Post.Author.DID == c.PlatformID {
					t.Errorf("%s: odd repost %+v", c.ID, it.Reason)
				}
				reposts++
				continue
			}
			own++
			checkFacets(t, it.Post, byDID)
			rkey := it.Post.URI[strings.LastIndexByte(it.Post.URI, '/')+1:]
			for _, p := range c.Posts {
				if p.NativeID != rkey {
					continue
				}
				for _, tg := range it.Post.Record.Tags {
					outlined++
					if !contains(p.Hashtags, tg) {
						t.Errorf("%s: outline tag %q not in truth %v", p.ID, tg, p.Hashtags)
					}
				}
			}
		}
		if own != len(c.Posts) {
			t.Errorf("%s: %d own posts in the feed, truth %d", c.ID, own, len(c.Posts))
		}
	}
	if reposts == 0 || labelled == 0 || outlined == 0 {
		t.Errorf("saw %d reposts, %d labelled profiles, %d outline tags; want some of each", reposts, labelled, outlined)
	}
	var sr struct {
		Cursor    string     `json:"cursor"`
		HitsTotal int        `json:"hitsTotal"`
		Posts     []bskyPost `json:"posts"`
	}
	tag := n.Hashtags()[0]
	decode(t, get(t, base+"/xrpc/app.bsky.feed.searchPosts?q=%23"+tag+"&limit=25"), &sr)
	if len(sr.Posts) == 0 || sr.HitsTotal < len(sr.Posts) {
		t.Fatalf("searchPosts #%s: %d posts of %d", tag, len(sr.Posts), sr.HitsTotal)
	}
	for _, p := range sr.Posts {
		checkFacets(t, p, byDID)
	}
}

// checkFacets proves facet offsets are UTF-8 byte offsets into the text.
func checkFacets(t *testing.T, p bskyPost, byDID map[string]simnet.Creator) {
	t.Helper()
	text := p.Record.Text
	for _, f := range p.Record.Facets {
		i, j := f.Index.ByteStart, f.Index.ByteEnd
		if i < 0 || j > len(text) || i >= j {
			t.Errorf("%s: facet [%d,%d) outside text of %d bytes", p.URI, i, j, len(text))
			continue
		}
		span := text[i:j]
		for _, ft := range f.Features {
			switch ft.Type {
			case "app.bsky.richtext.facet#tag":
				if span != "#"+ft.Tag {
					t.Errorf("%s: tag facet %q covers %q", p.URI, ft.Tag, span)
				}
			case "app.bsky.richtext.facet#mention":
				m, ok := byDID[ft.DID]
				if !ok || span != "@"+m.Handle {
					t.Errorf("%s: mention facet %s covers %q", p.URI, ft.DID, span)
				}
			default:
				t.Errorf("%s: unknown facet %s", p.URI, ft.Type)
			}
		}
	}
}

type ytChannelList struct {
	Kind     string `json:"kind"`
	Etag     string `json:"etag"`
	PageInfo struct {
		TotalResults   int `json:"totalResults"`
		ResultsPerPage int `json:"resultsPerPage"`
	} `json:"pageInfo"`
	Items []struct {
		Kind    string `json:"kind"`
		Etag    string `json:"etag"`
		ID      string `json:"id"`
		Snippet struct {
			Title       string    `json:"title"`
			Description string    `json:"description"`
			CustomURL   string    `json:"customUrl"`
			PublishedAt time.Time `json:"publishedAt"`
			Country     string    `json:"country"`
		} `json:"snippet"`
		ContentDetails struct {
			RelatedPlaylists struct {
				Uploads string `json:"uploads"`
			} `json:"relatedPlaylists"`
		} `json:"contentDetails"`
		Statistics struct {
			ViewCount             string  `json:"viewCount"`
			SubscriberCount       *string `json:"subscriberCount"`
			HiddenSubscriberCount bool    `json:"hiddenSubscriberCount"`
			VideoCount            string  `json:"videoCount"`
		} `json:"statistics"`
	} `json:"items"`
}

type ytVideoList struct {
	Kind  string `json:"kind"`
	Items []struct {
		ID      string `json:"id"`
		Snippet struct {
			PublishedAt time.Time `json:"publishedAt"`
			ChannelID   string    `json:"channelId"`
			Title       string    `json:"title"`
			Description string    `json:"description"`
			Tags        []string  `json:"tags"`
		} `json:"snippet"`
		Statistics struct {
			ViewCount    string  `json:"viewCount"`
			LikeCount    *string `json:"likeCount"`
			CommentCount *string `json:"commentCount"`
		} `json:"statistics"`
		PaidProductPlacementDetails struct {
			HasPaidProductPlacement bool `json:"hasPaidProductPlacement"`
		} `json:"paidProductPlacementDetails"`
	} `json:"items"`
}

func TestYouTubeShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 23, Creators: 900})
	base := baseOf(s, "youtube")
	hidden, noComments, paid := 0, 0, 0
	for _, c := range n.Creators() {
		if c.Platform != simnet.YouTube {
			continue
		}
		var ch ytChannelList
		decode(t, get(t, withKey(c, c.FetchURL)), &ch)
		if ch.Kind != "youtube#channelListResponse" || len(ch.Items) != 1 || ch.Items[0].ID != c.PlatformID || ch.Items[0].Snippet.CustomURL != "@"+c.Handle {
			t.Fatalf("%s: channel list %+v", c.ID, ch)
		}
		item := ch.Items[0]
		if c.Followers == nil {
			hidden++
			if !item.Statistics.HiddenSubscriberCount || item.Statistics.SubscriberCount != nil {
				t.Errorf("%s: hidden subscribers but statistics %+v", c.ID, item.Statistics)
			}
		} else if item.Statistics.SubscriberCount == nil || *item.Statistics.SubscriberCount != strconv.FormatInt(*c.Followers, 10) {
			t.Errorf("%s: subscriberCount %v, truth %d", c.ID, item.Statistics.SubscriberCount, *c.Followers)
		}
		pl := get(t, base+"/youtube/v3/playlistItems?part=contentDetails&playlistId="+item.ContentDetails.RelatedPlaylists.Uploads+"&maxResults=20&key=simnet-key")
		var items struct {
			Items []struct {
				ContentDetails struct {
					VideoID string `json:"videoId"`
				} `json:"contentDetails"`
			} `json:"items"`
		}
		decode(t, pl, &items)
		var ids []string
		for _, it := range items.Items {
			ids = append(ids, it.ContentDetails.VideoID)
		}
		if len(ids) != len(c.Posts) {
			t.Fatalf("%s: %d uploads, truth %d", c.ID, len(ids), len(c.Posts))
		}
		var vl ytVideoList
		decode(t, get(t, base+"/youtube/v3/videos?part=snippet,statistics,paidProductPlacementDetails&id="+strings.Join(ids, ",")+"&key=simnet-key"), &vl)
		for i, v := range vl.Items {
			p := c.Posts[i]
			if v.ID != p.NativeID || v.Snippet.ChannelID != c.PlatformID || v.Statistics.ViewCount != strconv.FormatInt(*p.Views, 10) {
				t.Errorf("%s: video %s does not match truth", c.ID, v.ID)
			}
			if (v.Statistics.CommentCount == nil) != (p.Comments == nil) || (v.Statistics.LikeCount == nil) != (p.Likes == nil) {
				t.Errorf("%s: video %s comment/like presence does not match truth", c.ID, v.ID)
			}
			if v.Statistics.CommentCount == nil {
				noComments++
			}
			if v.PaidProductPlacementDetails.HasPaidProductPlacement != p.PlatformPaid {
				t.Errorf("%s: video %s paid flag %v, truth %v", c.ID, v.ID, v.PaidProductPlacementDetails.HasPaidProductPlacement, p.PlatformPaid)
			}
			if p.PlatformPaid {
				paid++
			}
		}
	}
	if hidden == 0 || noComments == 0 || paid == 0 {
		t.Errorf("hidden subscriber counts %d, videos without commentCount %d, paid placements %d: want some of each", hidden, noComments, paid)
	}
	var sr struct {
		Kind          string `json:"kind"`
		NextPageToken string `json:"nextPageToken"`
		Items         []struct {
			ID struct {
				Kind    string `json:"kind"`
				VideoID string `json:"videoId"`
			} `json:"id"`
			Snippet struct {
				ChannelID string `json:"channelId"`
			} `json:"snippet"`
		} `json:"items"`
	}
	decode(t, get(t, base+"/youtube/v3/search?part=snippet&type=video&q=%23"+n.Hashtags()[0]+"&maxResults=50&key=simnet-key"), &sr)
	if sr.Kind != "youtube#searchListResponse" || len(sr.Items) == 0 || sr.Items[0].ID.Kind != "youtube#video" || sr.Items[0].Snippet.ChannelID == "" {
		t.Errorf("search: %+v", sr)
	}
	var empty ytChannelList
	r := get(t, base+"/youtube/v3/channels?part=snippet&forHandle=@nobody-here&key=simnet-key")
	decode(t, r, &empty)
	if r.status != 200 || empty.PageInfo.TotalResults != 0 || strings.Contains(string(r.body), `"items"`) {
		t.Errorf("unknown handle: %d %s", r.status, r.body)
	}
}

func TestInstagramShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 24, Creators: 800})
	base := baseOf(s, "instagram")
	hiddenSeen := false
	for _, c := range n.Creators() {
		if c.Platform != simnet.Instagram || c.Brand != "" {
			continue
		}
		var bd struct {
			BusinessDiscovery struct {
				ID             string `json:"id"`
				Username       string `json:"username"`
				Name           string `json:"name"`
				Biography      string `json:"biography"`
				FollowersCount int64  `json:"followers_count"`
				FollowsCount   int64  `json:"follows_count"`
				MediaCount     int64  `json:"media_count"`
				Media          struct {
					Data []struct {
						ID            string `json:"id"`
						Caption       string `json:"caption"`
						LikeCount     int64  `json:"like_count"`
						CommentsCount int64  `json:"comments_count"`
						MediaType     string `json:"media_type"`
						Permalink     string `json:"permalink"`
						Timestamp     string `json:"timestamp"`
					} `json:"data"`
					Paging struct {
						Cursors struct {
							After string `json:"after"`
						} `json:"cursors"`
					} `json:"paging"`
				} `json:"media"`
			} `json:"business_discovery"`
			ID string `json:"id"`
		}
		decode(t, get(t, withKey(c, c.FetchURL)), &bd)
		d := bd.BusinessDiscovery
		if d.ID != c.PlatformID || d.Username != c.Handle || d.FollowersCount != *c.Followers || bd.ID != "17841400000000001" {
			t.Fatalf("%s: %+v", c.ID, d)
		}
		if len(d.Media.Data) != len(c.Posts) {
			t.Fatalf("%s: %d media, truth %d", c.ID, len(d.Media.Data), len(c.Posts))
		}
		for i, m := range d.Media.Data {
			p := c.Posts[i]
			ts, err := time.Parse("2006-01-02T15:04:05-0700", m.Timestamp)
			if err != nil || !ts.Equal(p.PublishedAt) || !strings.HasSuffix(m.Timestamp, "+0000") {
				t.Errorf("%s: timestamp %q: %v", c.ID, m.Timestamp, err)
			}
			if p.Likes == nil {
				hiddenSeen = true
				if m.LikeCount != 0 {
					t.Errorf("%s: hidden likes served as %d, want 0", c.ID, m.LikeCount)
				}
			} else if m.LikeCount != *p.Likes {
				t.Errorf("%s: like_count %d, truth %d", c.ID, m.LikeCount, *p.Likes)
			}
			if m.Caption != p.Caption || m.Permalink != p.URL {
				t.Errorf("%s: media %s does not match truth", c.ID, m.ID)
			}
		}
	}
	if !hiddenSeen {
		t.Error("no account hides its likes")
	}
	var hs struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	tag := n.Hashtags()[0]
	decode(t, get(t, base+"/ig_hashtag_search?user_id=17841400000000001&q="+tag+"&access_token=simnet-token"), &hs)
	if len(hs.Data) != 1 {
		t.Fatalf("hashtag search: %+v", hs)
	}
	r := get(t, base+"/"+hs.Data[0].ID+"/recent_media?user_id=17841400000000001&fields=id,caption,media_type,comments_count,like_count,permalink,timestamp&limit=5&access_token=simnet-token")
	var rm struct {
		Data   []map[string]any `json:"data"`
		Paging struct {
			Next string `json:"next"`
		} `json:"paging"`
	}
	decode(t, r, &rm)
	if len(rm.Data) != 5 || rm.Paging.Next == "" {
		t.Fatalf("recent_media: %d items, next %q", len(rm.Data), rm.Paging.Next)
	}
	for _, m := range rm.Data {
		if _, ok := m["username"]; ok {
			t.Error("hashtag media names its author")
		}
		if !strings.Contains(strings.ToLower(m["caption"].(string)), "#"+tag) {
			t.Errorf("recent_media for #%s: %v", tag, m["caption"])
		}
	}
	var next struct {
		Data []map[string]any `json:"data"`
	}
	decode(t, get(t, rm.Paging.Next), &next)
	if len(next.Data) == 0 || next.Data[0]["id"] == rm.Data[0]["id"] {
		t.Error("paging.next does not page on")
	}
}

var ldScript = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)
var metaTag = regexp.MustCompile(`<meta (?:property|name)="([^"]+)" content="([^"]*)"`)

// ldNodes flattens every JSON-LD block of a page into nodes.
func ldNodes(t *testing.T, page []byte) []map[string]any {
	var out []map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			out = append(out, x)
			if g, ok := x["@graph"]; ok {
				walk(g)
			}
		}
	}
	for _, m := range ldScript.FindAllSubmatch(page, -1) {
		var v any
		if err := json.Unmarshal(m[1], &v); err != nil {
			t.Fatalf("JSON-LD does not parse: %v", err)
		}
		walk(v)
	}
	return out
}

func isType(n map[string]any, typ string) bool {
	switch x := n["@type"].(type) {
	case string:
		return x == typ
	case []any:
		for _, y := range x {
			if y == typ {
				return true
			}
		}
	}
	return false
}

var nonDigits = regexp.MustCompile(`[^0-9]`)

func counterValue(n map[string]any, field, action string) (int64, bool) {
	list, _ := n[field].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		it, _ := m["interactionType"].(string)
		if it == action || strings.HasSuffix(it, "/"+action) {
			v, err := strconv.ParseInt(nonDigits.ReplaceAllString(fmt.Sprint(m["userInteractionCount"]), ""), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

func TestHTMLProfileShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 25, Creators: 900, WebHosts: 5})
	styles := map[string]bool{}
	noindex := 0
	for _, c := range n.Creators() {
		if c.Platform != simnet.Web {
			continue
		}
		r := get(t, c.URL)
		if r.status != 200 || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s: %d %s", c.URL, r.status, r.header.Get("Content-Type"))
		}
		nodes := ldNodes(t, r.body)
		byID := map[string]map[string]any{}
		var page map[string]any
		for _, nd := range nodes {
			if id, ok := nd["@id"].(string); ok {
				if _, seen := byID[id]; !seen || len(nd) > 1 {
					byID[id] = nd
				}
			}
			if isType(nd, "ProfilePage") {
				page = nd
			}
		}
		if page == nil {
			t.Fatalf("%s: no ProfilePage", c.URL)
		}
		person, _ := page["mainEntity"].(map[string]any)
		style := "inline"
		if len(person) == 1 {
			style = "by @id"
			person = byID[person["@id"].(string)]
		}
		if _, arr := page["@type"].([]any); arr {
			style += ", @type array"
		}
		styles[style] = true
		if person == nil || !isType(person, "Person") || person["alternateName"] != "@"+c.Handle || person["identifier"] != c.PlatformID {
			t.Fatalf("%s: person %v", c.URL, person)
		}
		if f, ok := counterValue(person, "interactionStatistic", "FollowAction"); !ok || f != *c.Followers {
			t.Errorf("%s: followers %d (%v), truth %d", c.URL, f, ok, *c.Followers)
		}
		if f, ok := counterValue(person, "agentInteractionStatistic", "FollowAction"); !ok || f != *c.Following {
			t.Errorf("%s: following %d, truth %d", c.URL, f, *c.Following)
		}
		posts := 0
		for _, nd := range nodes {
			if isType(nd, "SocialMediaPosting") {
				posts++
				if a, _ := nd["author"].(map[string]any); a["@id"] != person["@id"] {
					t.Errorf("%s: posting author %v", c.URL, a)
				}
			}
		}
		if posts != len(c.Posts) {
			t.Errorf("%s: %d postings, truth %d", c.URL, posts, len(c.Posts))
		}
		meta := map[string]string{}
		for _, m := range metaTag.FindAllSubmatch(r.body, -1) {
			meta[string(m[1])] = string(m[2])
		}
		if meta["og:url"] != c.URL || meta["og:description"] == "" || meta["og:title"] == "" {
			t.Errorf("%s: OpenGraph %v", c.URL, meta)
		}
		if strings.Contains(meta["og:description"], "See Instagram photos") || strings.Contains(meta["og:description"], "Instagram-Fotos") {
			styles["instagram-style og:description"] = true
		}
		hasNoindex := strings.Contains(meta["robots"], "noindex")
		if hasNoindex != c.OptedOut {
			t.Errorf("%s: robots meta %q, truth opted out %v", c.URL, meta["robots"], c.OptedOut)
		}
		if hasNoindex {
			noindex++
		}
		if strings.Contains(string(r.body), `class="h-card"`) {
			styles["h-card"] = true
			if !strings.Contains(string(r.body), `class="p-name u-url u-uid" href="`+c.URL+`" rel="me"`) {
				t.Errorf("%s: representative h-card does not point at the page", c.URL)
			}
		}
	}
	t.Logf("styles seen: %v", styles)
	for _, want := range []string{"inline", "by @id", "by @id, @type array", "instagram-style og:description", "h-card"} {
		if !styles[want] {
			t.Errorf("no page with %s", want)
		}
	}
	if noindex == 0 {
		t.Error("no web profile opts out with noindex")
	}
	_ = s
}

func TestTikTokShapes(t *testing.T) {
	n, s := start(t, simnet.Options{Seed: 26, Creators: 500})
	blob := regexp.MustCompile(`(?s)<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">(.*?)</script>`)
	for _, c := range n.Creators() {
		if c.Platform != simnet.TikTok {
			continue
		}
		r := get(t, c.URL)
		m := blob.FindSubmatch(r.body)
		if r.status != 200 || m == nil {
			t.Fatalf("%s: %d, blob found %v", c.URL, r.status, m != nil)
		}
		var u struct {
			Scope struct {
				Detail struct {
					UserInfo struct {
						User struct {
							ID        string `json:"id"`
							UniqueID  string `json:"uniqueId"`
							Nickname  string `json:"nickname"`
							Signature string `json:"signature"`
							SecUID    string `json:"secUid"`
							Verified  bool   `json:"verified"`
						} `json:"user"`
						Stats struct {
							FollowerCount int64 `json:"followerCount"`
						} `json:"stats"`
						StatsV2 struct {
							FollowerCount  string `json:"followerCount"`
							FollowingCount string `json:"followingCount"`
							VideoCount     string `json:"videoCount"`
						} `json:"statsV2"`
						ItemList []struct {
							ID        string `json:"id"`
							Desc      string `json:"desc"`
							TextExtra []struct {
								Start       int    `json:"start"`
								End         int    `json:"end"`
								HashtagName string `json:"hashtagName"`
								Type        int    `json:"type"`
							} `json:"textExtra"`
							StatsV2 struct {
								DiggCount string `json:"diggCount"`
								PlayCount string `json:"playCount"`
							} `json:"statsV2"`
						} `json:"itemList"`
					} `json:"userInfo"`
					StatusCode int `json:"statusCode"`
				} `json:"webapp.user-detail"`
			} `json:"__DEFAULT_SCOPE__"`
		}
		if err := json.Unmarshal(m[1], &u); err != nil {
			t.Fatalf("%s: %v", c.URL, err)
		}
		ui := u.Scope.Detail.UserInfo
		if ui.User.ID != c.PlatformID || ui.User.UniqueID != c.Handle || ui.StatsV2.FollowerCount != strconv.FormatInt(*c.Followers, 10) {
			t.Errorf("%s: user %+v statsV2 %+v", c.ID, ui.User, ui.StatsV2)
		}
		if ui.Stats.FollowerCount > *c.Followers || (*c.Followers >= 10000 && ui.Stats.FollowerCount == *c.Followers && *c.Followers%1000 != 0) {
			t.Errorf("%s: stats.followerCount %d is not the rounded %d", c.ID, ui.Stats.FollowerCount, *c.Followers)
		}
		if len(ui.ItemList) != len(c.Posts) {
			t.Fatalf("%s: %d items, truth %d", c.ID, len(ui.ItemList), len(c.Posts))
		}
		for i, it := range ui.ItemList {
			if it.ID != c.Posts[i].NativeID || it.StatsV2.DiggCount != strconv.FormatInt(*c.Posts[i].Likes, 10) {
				t.Errorf("%s: item %s does not match truth", c.ID, it.ID)
			}
			desc := utf16.Encode([]rune(it.Desc))
			for _, x := range it.TextExtra {
				if x.Type == 1 && string(utf16.Decode(desc[x.Start:x.End])) != "#"+x.HashtagName {
					t.Errorf("%s: textExtra [%d,%d) is %q, want #%s", c.ID, x.Start, x.End, string(utf16.Decode(desc[x.Start:x.End])), x.HashtagName)
				}
			}
		}
	}
	tag := n.Hashtags()[0]
	r := get(t, baseOf(s, "tiktok")+"/tag/"+tag)
	if r.status != 200 || !strings.Contains(string(r.body), `"webapp.challenge-detail"`) || !strings.Contains(string(r.body), `href="/@`) {
		t.Errorf("tag page: %d", r.status)
	}
}

func TestNotFoundShapes(t *testing.T) {
	_, s := start(t, simnet.Options{Seed: 27, Creators: 200})
	b := s.BaseURLs()
	cases := []struct {
		url    string
		status int
		want   string
	}{
		{b["mastodon"][0] + "/api/v1/accounts/lookup?acct=nobody_here", 404, `{"error":"Record not found"}`},
		{b["mastodon"][0] + "/api/v1/accounts/1/statuses", 404, `{"error":"Record not found"}`},
		{b["mastodon"][0] + "/@nobody_here", 404, "<html"},
		{b["bluesky"][0] + "/xrpc/app.bsky.actor.getProfile?actor=nobody.bsky.social", 400, `{"error":"InvalidRequest","message":"Profile not found"}`},
		{b["bluesky"][0] + "/xrpc/app.bsky.feed.getAuthorFeed?actor=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", 400, `"Profile not found"`},
		{b["bluesky"][0] + "/xrpc/app.bsky.actor.getProfile", 400, `"InvalidRequest"`},
		{b["youtube"][0] + "/youtube/v3/playlistItems?part=contentDetails&playlistId=UUnope&key=simnet-key", 404, `"playlistNotFound"`},
		{b["youtube"][0] + "/youtube/v3/channels?part=snippet&key=simnet-key", 400, `"missingRequiredParameter"`},
		{b["instagram"][0] + "/17841400000000001?fields=business_discovery.username(nobody_here){id}&access_token=simnet-token", 400, `"error_subcode":2207013`},
		{b["instagram"][0] + "/123/media?access_token=simnet-token", 400, `"code":100`},
		{b["tiktok"][0] + "/@nobody_here", 404, `"statusCode":10221`},
		{b["html"][0] + "/creators/nobody-here/", 404, "<html"},
	}
	for _, c := range cases {
		r := get(t, c.url)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %.300s, want %d with %s", c.url, r.status, r.body, c.status, c.want)
		}
	}
}
