package html

import (
	"encoding/json"
	"fmt"
	"net/url"
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

// readTikTok reads <script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">:
// __DEFAULT_SCOPE__["webapp.user-detail"].userInfo{user, stats, statsV2}.
func (pg *page) readTikTok() *tiktokData {
	s := pg.doc.Find(`script#__UNIVERSAL_DATA_FOR_REHYDRATION__`).First()
	if s.Length() == 0 {
		return nil
	}
	text := s.Text()
	root, err := jsontree.Decode(text)
	if err != nil {
		pg.perr.Add("tiktok rehydration: %s", jsonErr(err, text))
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
	t := &tiktokData{}
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
	v2, _ := ui["statsV2"].(node)
	v1, _ := ui["stats"].(node)
	t.followers = pg.tiktokStat("user", "followerCount", v2, v1)
	t.following = pg.tiktokStat("user", "followingCount", v2, v1)
	t.posts = pg.tiktokStat("user", "videoCount", v2, v1)
	t.items, _ = ud["itemList"].([]any)
	if t.items == nil {
		t.items, _ = ui["itemList"].([]any)
	}
	return t
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
