package simnet_test

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/simnet"
)

func TestSameSeedSameTruth(t *testing.T) {
	a := simnet.New(simnet.Options{Seed: 7, Creators: 600})
	b := simnet.New(simnet.Options{Seed: 7, Creators: 600})
	c := simnet.New(simnet.Options{Seed: 8, Creators: 600})
	ta, tb, tc := a.Creators(), b.Creators(), c.Creators()
	if !reflect.DeepEqual(ta, tb) {
		t.Fatal("two networks from seed 7 differ in their ground truth")
	}
	if reflect.DeepEqual(ta, tc) {
		t.Fatal("seeds 7 and 8 gave the same ground truth")
	}
	if got := len(ta); got <= 600 {
		t.Fatalf("truth has %d accounts, want 600 creators plus brand accounts", got)
	}
	creators := 0
	for _, x := range ta {
		if x.Brand == "" {
			creators++
		}
	}
	if creators != 600 {
		t.Fatalf("Creators: 600 gave %d creator accounts", creators)
	}
}

var bodyEtag = regexp.MustCompile(`"etag": "[^"]*"`)

// normalize replaces each host's loopback address with its logical name so
// two servers of the same network can be compared byte for byte. YouTube's
// body etags hash the content, addresses included, so they are blanked.
func normalize(s *simnet.Server, b []byte) []byte {
	for _, h := range s.Hosts() {
		b = bytes.ReplaceAll(b, []byte(h.Addr), []byte(h.Name+".test"))
	}
	return bodyEtag.ReplaceAll(b, []byte(`"etag": ""`))
}

func TestSameSeedSameBytes(t *testing.T) {
	o := simnet.Options{Seed: 11, Creators: 400}
	na, sa := start(t, o)
	_, sb := start(t, o)
	ca, cb := na.Creators(), sb.Creators()
	var urls [][2]string
	seen := map[string]int{}
	for i := range ca {
		if ca[i].Brand != "" || seen[ca[i].Platform] >= 3 {
			continue
		}
		seen[ca[i].Platform]++
		urls = append(urls, [2]string{withKey(ca[i], ca[i].FetchURL), withKey(cb[i], cb[i].FetchURL)})
	}
	tag := na.Hashtags()[0]
	for _, kind := range []string{"html", "tiktok"} {
		path := "/tags/" + tag
		if kind == "tiktok" {
			path = "/tag/" + tag
		}
		urls = append(urls, [2]string{baseOf(sa, kind) + path, baseOf(sb, kind) + path})
	}
	urls = append(urls,
		[2]string{baseOf(sa, "mastodon") + "/api/v1/timelines/tag/" + tag + "?limit=40", baseOf(sb, "mastodon") + "/api/v1/timelines/tag/" + tag + "?limit=40"},
		[2]string{baseOf(sa, "bluesky") + "/xrpc/app.bsky.feed.searchPosts?q=%23" + tag, baseOf(sb, "bluesky") + "/xrpc/app.bsky.feed.searchPosts?q=%23" + tag},
		[2]string{baseOf(sa, "youtube") + "/youtube/v3/search?part=snippet&type=video&q=%23" + tag + "&key=simnet-key", baseOf(sb, "youtube") + "/youtube/v3/search?part=snippet&type=video&q=%23" + tag + "&key=simnet-key"},
	)
	for _, p := range urls {
		ra, rb := get(t, p[0]), get(t, p[1])
		if ra.status != 200 || rb.status != 200 {
			t.Fatalf("%s: status %d and %d, want 200", p[0], ra.status, rb.status)
		}
		if !bytes.Equal(normalize(sa, ra.body), normalize(sb, rb.body)) {
			t.Errorf("%s: bodies differ between two servers of the same seed", p[0])
		}
		if !bytes.Contains(ra.body, []byte("127.0.0.1")) && strings.Contains(p[0], "/tags/") {
			t.Errorf("%s: tag page names no loopback URL", p[0])
		}
	}
	if len(urls) < 20 {
		t.Fatalf("compared only %d resources", len(urls))
	}
}
