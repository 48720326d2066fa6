package instagram

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fetchedAt is fixed so goldens are stable.
var fetchedAt = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

// opts point the source at a loopback Graph API, as the demo does.
var opts = source.Options{BaseURL: "http://127.0.0.1:8093/v21.0", Token: "CONFIG_TOKEN", UserID: "17841405309211844", PostsPerCreator: 12}

// golden is what a row must produce: Detect on the body alone and on the
// URL alone, the Parse result and error (with its kind), and for request
// rows the requests built.
type golden struct {
	DetectBody bool             `json:"detect_body"`
	DetectURL  bool             `json:"detect_url"`
	Result     *source.Result   `json:"result,omitempty"`
	Error      string           `json:"error"`
	ErrorKind  string           `json:"error_kind,omitempty"` // graph, parse, not_this_format
	Graph      *graphSummary    `json:"graph_error,omitempty"`
	Requests   []source.Request `json:"requests,omitempty"`
	RequestsOK *bool            `json:"requests_ok,omitempty"`
}

type graphSummary struct {
	Code        int  `json:"code"`
	Subcode     int  `json:"subcode"`
	RateLimited bool `json:"rate_limited"`
	AuthFailed  bool `json:"auth_failed"`
}

func TestParseGolden(t *testing.T) {
	const graph = "https://graph.facebook.com/v21.0"
	bd := graph + "/17841405309211844?fields=business_discovery.username(mira.makes)%7Bfollowers_count%7D&access_token=TEST_TOKEN"
	tests := []struct {
		name    string
		file    string // testdata file; "" for request-only rows
		url     string
		status  int
		meta    map[string]string
		profile string // ProfileRequests input
		hashtag string // HashtagRequests input
	}{
		{name: "business_discovery", file: "business_discovery.json", url: bd},
		{name: "business_discovery_hidden_likes", file: "business_discovery_hidden_likes.json", url: graph + "/17841405309211844?fields=business_discovery.username(quiet.kiln)%7Bid%7D&access_token=TEST_TOKEN"},
		{name: "business_discovery_zero_engagement", file: "business_discovery_zero_engagement.json", url: graph + "/17841405309211844?fields=business_discovery.username(brand.new.bakery)%7Bid%7D&access_token=TEST_TOKEN"},
		{name: "business_discovery_no_url", file: "business_discovery.json"},
		{name: "hashtag_search", file: "hashtag_search.json", url: graph + "/ig_hashtag_search?user_id=17841405309211844&q=sourdough&access_token=TEST_TOKEN", meta: map[string]string{"hashtag": "sourdough"}},
		{name: "hashtag_search_no_url", file: "hashtag_search.json"},
		{name: "recent_media", file: "recent_media.json", url: graph + "/17843857450040591/recent_media?user_id=17841405309211844&fields=id,caption,media_type,comments_count,like_count,permalink,timestamp&access_token=TEST_TOKEN", meta: map[string]string{"hashtag": "sourdough"}},
		{name: "top_media", file: "top_media.json", url: "http://127.0.0.1:8093/v21.0/17843857450040591/top_media?user_id=17841405309211844&fields=id&access_token=SIM_TOKEN"},
		{name: "error_token", file: "error_token.json", url: bd, status: 400},
		{name: "error_ratelimit", file: "error_ratelimit.json", url: bd, status: 403},
		{name: "error_user_not_found", file: "error_user_not_found.json", url: bd, status: 400},
		// Meta's own business_discovery example: fields without username;
		// the request names the account.
		{name: "business_discovery_no_username", file: "business_discovery_no_username.json", url: bd},
		{name: "hostile", file: "hostile.json", url: bd},
		{name: "truncated", file: "truncated.json", url: bd},
		{name: "html_body", file: "profile_page.html", url: "https://www.instagram.com/mira.makes/"},
		{name: "profile_request_handle", profile: "@Mira.Makes"},
		{name: "profile_request_url", profile: "https://www.instagram.com/mira.makes/"},
		{name: "profile_request_other_host", profile: "https://www.tiktok.com/@mira.makes"},
		{name: "hashtag_request", hashtag: "#Sourdough"},
	}
	src, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got golden
			var u *url.URL
			if tt.url != "" {
				if u, err = url.Parse(tt.url); err != nil {
					t.Fatal(err)
				}
				got.DetectURL = src.Detect(u, nil)
			}
			if tt.file != "" {
				body, err := os.ReadFile(filepath.Join("testdata", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				got.DetectBody = src.Detect(nil, body)
				status := tt.status
				if status == 0 {
					status = 200
				}
				res, perr := src.Parse(&source.Page{URL: u, Status: status, Body: body, Meta: tt.meta, FetchedAt: fetchedAt})
				got.Result = res
				if perr != nil {
					got.Error = perr.Error()
					var ge *GraphError
					var pe *source.ParseError
					switch {
					case errors.As(perr, &ge):
						got.ErrorKind = "graph"
						got.Graph = &graphSummary{ge.Code, ge.Subcode, ge.RateLimited(), ge.AuthFailed()}
						if !errors.As(perr, &pe) {
							t.Error("GraphError does not unwrap to a *source.ParseError")
						}
					case errors.As(perr, &pe):
						got.ErrorKind = "parse"
					case errors.Is(perr, source.ErrNotThisFormat):
						got.ErrorKind = "not_this_format"
					}
				}
			}
			if tt.profile != "" {
				reqs, ok := src.ProfileRequests(tt.profile)
				got.Requests, got.RequestsOK = reqs, &ok
			}
			if tt.hashtag != "" {
				reqs := src.HashtagRequests(tt.hashtag)
				ok := reqs != nil
				got.Requests, got.RequestsOK = reqs, &ok
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(got); err != nil {
				t.Fatal(err)
			}
			gotJSON := buf.Bytes()
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(want) != string(gotJSON) {
				t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", tt.name, path, gotJSON, want)
			}
		})
	}
}
