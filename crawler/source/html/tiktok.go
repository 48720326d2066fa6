package html

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source/internal/count"
	"github.com/creatorscout/creatorscout/crawler/source/internal/jsontree"
	"github.com/creatorscout/creatorscout/crawler/source/internal/tags"
	"github.com/creatorscout/creatorscout/creator"
)

// tiktokData is the profile in TikTok's rehydration script.
type tiktokData struct {
	facts
	items []any
	// missing: the script says the account does not exist or cannot be
	// shown (a non-zero statusCode and no user). The page's other meta are
	// then TikTok's own, not the account's.
	missing bool
}

// readTikTok reads TikTok's rehydration script: <script
// id="__UNIVERSAL_DATA_FOR_REHYDRATION__"> (TikTok's pages since 2023):
// __DEFAULT_SCOPE__["webapp.user-detail"].userInfo{user, stats, statsV2}
// and itemList; or else the older <script id="SIGI_STATE">, which pages
// saved before then and some regions still carry (readSIGI).
func (pg *page) readTikTok() *tiktokData {
	root, found, ok := pg.scriptJSON(`script#__UNIVERSAL_DATA_FOR_REHYDRATION__`, "tiktok rehydration")
	if !found {
		return pg.readSIGI()
	}
	if !ok {
		return nil
	}
	scope, _ := obj(root)["__DEFAULT_SCOPE__"].(node)
	ud, _ := scope["webapp.user-detail"].(node)
	if ud == nil {
		pg.perr.Add(`tiktok rehydration: no __DEFAULT_SCOPE__["webapp.user-detail"]`)
		return nil
	}
	code, coded := intVal(ud["statusCode"])
	ui, _ := ud["userInfo"].(node)
	user, _ := ui["user"].(node)
	if coded && code != 0 {
		status := fmt.Sprintf("statusCode %d", code)
		if msg := clean(strVal(ud["statusMsg"]), 80); msg != "" {
			status += " (" + msg + ")"
		}
		if user == nil {
			// "This account cannot be found" (10221 and its kin): no creator.
			pg.perr.Add("tiktok user-detail: %s and no user: no such account", status)
			return &tiktokData{missing: true}
		}
		pg.perr.Add("tiktok user-detail: %s", status)
	}
	if user == nil {
		pg.perr.Add("tiktok user-detail: no userInfo.user")
		return nil
	}
	items, _ := ud["itemList"].([]any)
	if items == nil {
		items, _ = ui["itemList"].([]any)
	}
	v2, _ := ui["statsV2"].(node)
	v1, _ := ui["stats"].(node)
	return pg.tiktokUser(user, v2, v1, items)
}

// tiktokUser reads a TikTok user object, its stats (the exact statsV2
// strings, or the stats numbers) and its videos.
func (pg *page) tiktokUser(user, v2, v1 node, items []any) *tiktokData {
	t := &tiktokData{items: items}
	t.handle = pg.text("tiktok", "uniqueId", strVal(user["uniqueId"]), maxField)
	switch id := user["id"].(type) {
	case string:
		t.platformID = pg.text("tiktok", "id", id, maxField)
	case json.Number:
		t.platformID = id.String()
	}
	t.name = pg.text("tiktok", "nickname", strVal(user["nickname"]), maxField)
	t.bio = pg.text("tiktok", "signature", strVal(user["signature"]), maxText)
	if v, ok := user["verified"].(bool); ok {
		t.verified = v
	}
	if bl, ok := user["bioLink"].(node); ok {
		link := strVal(bl["link"])
		if link != "" && !strings.Contains(link, "://") {
			link = "https://" + link
		}
		if u := pg.abs(link); u != "" && !hasTemplate(u) {
			t.website = u
		}
	}
	t.followers = pg.tiktokStat("user", "followerCount", v2, v1)
	t.following = pg.tiktokStat("user", "followingCount", v2, v1)
	t.posts = pg.tiktokStat("user", "videoCount", v2, v1)
	return t
}

// readSIGI reads <script id="SIGI_STATE">: UserModule.users and
// UserModule.stats keyed by handle, and the videos in ItemModule (keyed by
// id), in the order of ItemList["user-post"].list when it gives one and
// by id, newest first, otherwise. The user is the one the page's /@handle
// names, or the only one.
func (pg *page) readSIGI() *tiktokData {
	root, _, ok := pg.scriptJSON(`script#SIGI_STATE`, "tiktok SIGI_STATE")
	if !ok {
		return nil
	}
	um, _ := obj(root)["UserModule"].(node)
	users, _ := um["users"].(node)
	key := ""
	if h, ok := strings.CutPrefix(pg.url.Path, "/@"); ok {
		h, _, _ = strings.Cut(h, "/")
		for k := range users {
			if strings.EqualFold(k, h) {
				key = k
			}
		}
	}
	if key == "" && len(users) == 1 {
		for k := range users {
			key = k
		}
	}
	user, _ := users[key].(node)
	if user == nil {
		pg.perr.Add("tiktok SIGI_STATE: no UserModule.users entry for this profile")
		return nil
	}
	stats, _ := um["stats"].(node)
	v1, _ := stats[key].(node)
	im, _ := obj(root)["ItemModule"].(node)
	var ids []string
	if il, ok := obj(obj(root)["ItemList"])["user-post"].(node); ok {
		list, _ := il["list"].([]any)
		for _, id := range list {
			if s, ok := id.(string); ok && im[s] != nil {
				ids = append(ids, s)
			}
		}
	}
	if ids == nil {
		for id := range im {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { // newest first: longer, then greater
			if len(ids[i]) != len(ids[j]) {
				return len(ids[i]) > len(ids[j])
			}
			return ids[i] > ids[j]
		})
	}
	items := make([]any, 0, len(ids))
	for _, id := range ids {
		items = append(items, im[id])
	}
	return pg.tiktokUser(user, nil, v1, items)
}

// scriptJSON decodes the JSON in the first script sel matches. found is
// false when there is none; ok is false, with a note naming what, when its
// text is not JSON.
func (pg *page) scriptJSON(sel, what string) (root any, found, ok bool) {
	s := pg.doc.Find(sel).First()
	if s.Length() == 0 {
		return nil, false, false
	}
	text := s.Text()
	root, err := jsontree.Decode(text)
	if err != nil {
		pg.perr.Add("%s: %s", what, jsonErr(err, text))
		return nil, true, false
	}
	return root, true, true
}

func obj(v any) node {
	n, _ := v.(node)
	return n
}

// tiktokStat prefers the exact statsV2 string and falls back to the
// (possibly rounded) stats number.
func (pg *page) tiktokStat(owner, key string, v2, v1 node) *int64 {
	if v2 != nil && v2[key] != nil {
		if s, ok := v2[key].(string); ok {
			if n, err := count.Parse(s); err == nil {
				return &n
			}
		}
		pg.perr.Add("tiktok %s statsV2.%s: %s is not a count", owner, key, clean(fmt.Sprint(v2[key]), 40))
	}
	if v1 != nil && v1[key] != nil {
		return pg.countVal(fmt.Sprintf("tiktok %s stats.%s", owner, key), v1[key])
	}
	return nil
}

// posts reads the videos in itemList that the profile's user authored.
func (t *tiktokData) videos(pg *page) []creator.Post {
	var out []creator.Post
	origin := url.URL{Scheme: pg.url.Scheme, Host: pg.url.Host}
	for i, e := range t.items {
		it, ok := e.(node)
		if !ok {
			pg.perr.Add("tiktok itemList[%d]: %s is not a video", i, jsonType(e))
			continue
		}
		author := ""
		switch a := it["author"].(type) {
		case string:
			author = a
		case node:
			author = strVal(a["uniqueId"])
		}
		if author != "" && !strings.EqualFold(author, t.handle) {
			continue
		}
		id := ""
		switch v := it["id"].(type) {
		case string:
			id = strings.TrimSpace(v)
		case json.Number:
			id = v.String()
		}
		if id == "" || !isDigits(id) {
			pg.perr.Add("tiktok itemList[%d]: id %s is not a video id", i, clean(fmt.Sprint(it["id"]), 40))
			continue
		}
		p := creator.Post{ID: creator.TikTok + ":" + id}
		if t.handle != "" {
			u := origin
			u.Path = "/@" + t.handle + "/video/" + id
			p.URL = u.String()
		}
		p.Caption = pg.text("tiktok", "desc", strVal(it["desc"]), maxText)
		if ct, ok := intVal(it["createTime"]); ok && ct > 0 && ct < 1e10 {
			tm := time.Unix(ct, 0).UTC()
			p.PublishedAt = &tm
		} else if it["createTime"] != nil {
			pg.perr.Add("tiktok video %s createTime: %s is not a time", id, clean(fmt.Sprint(it["createTime"]), 40))
		}
		v2, _ := it["statsV2"].(node)
		v1, _ := it["stats"].(node)
		owner := "video " + id
		p.Likes = pg.tiktokStat(owner, "diggCount", v2, v1)
		p.Comments = pg.tiktokStat(owner, "commentCount", v2, v1)
		p.Shares = pg.tiktokStat(owner, "shareCount", v2, v1)
		p.Views = pg.tiktokStat(owner, "playCount", v2, v1)
		p.Hashtags = tags.Hashtags(p.Caption)
		p.Mentions = tags.Mentions(p.Caption)
		if chs, ok := it["challenges"].([]any); ok {
			for _, c := range chs {
				tag := strings.ToLower(strings.TrimPrefix(strVal(obj(c)["title"]), "#"))
				if tag != "" && !strings.ContainsAny(tag, " #@") && !contains(p.Hashtags, tag) {
					p.Hashtags = append(p.Hashtags, tag)
				}
			}
		}
		if tx, ok := it["textExtra"].([]any); ok {
			for _, x := range tx {
				m := strings.ToLower(strVal(obj(x)["userUniqueId"]))
				if m != "" && !strings.ContainsAny(m, " #@") && !contains(p.Mentions, m) {
					p.Mentions = append(p.Mentions, m)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

func isDigits(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
