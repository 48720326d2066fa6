// Package sourcetest holds what the source packages' tests share: comparing
// a Parse result and its error with a golden JSON file (Golden), the
// invariants any Parse result keeps whatever the input (Check), which the
// fuzz tests assert, those tests' seeds and page URLs (AddFixtures,
// URLFor), and the check of a source's profile requests (ProfileRequests).
package sourcetest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// golden is the file format: the Result and the error text, if any.
type golden struct {
	Result *source.Result `json:"result"`
	Error  string         `json:"error,omitempty"`
}

// Golden compares res and perr with the golden file at path, rewriting the
// file first when update is set (go test -update).
func Golden(t *testing.T, path string, res *source.Result, perr error, update bool) {
	t.Helper()
	g := golden{Result: res}
	if perr != nil {
		g.Error = perr.Error()
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update after checking):\n%s", path, got)
	}
}

// Case is one fixture of a source's golden test.
type Case struct {
	File   string // in testdata/
	URL    string // the page URL; "" = unknown, as in `extract` without --url
	Status int    // HTTP status; 0 = 200
	Meta   map[string]string
	// Check, when set, asserts what the golden file alone would not make
	// plain (the behaviour the fixture is there for).
	Check func(t *testing.T, r *source.Result, err error)
}

// RunCases parses each case's fixture with src and asserts Check's
// invariants (want), the golden file testdata/<file>[.nourl].golden.json
// (rewritten first when update is set) and the case's own Check.
func RunCases(t *testing.T, src source.Source, cases []Case, want Want, fetchedAt time.Time, update bool) {
	t.Helper()
	for _, tc := range cases {
		name := tc.File
		if tc.URL == "" {
			name += "/no-url"
		}
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.File))
			if err != nil {
				t.Fatal(err)
			}
			page := &source.Page{Status: 200, Body: body, Meta: tc.Meta, FetchedAt: fetchedAt}
			if tc.Status != 0 {
				page.Status = tc.Status
			}
			if tc.URL != "" {
				if page.URL, err = url.Parse(tc.URL); err != nil {
					t.Fatal(err)
				}
			}
			res, perr := src.Parse(page)
			Check(t, page, res, perr, want)
			Golden(t, filepath.Join("testdata", goldenName(tc.File, tc.URL == "")), res, perr, update)
			if tc.Check != nil {
				tc.Check(t, res, perr)
			}
		})
	}
}

func goldenName(file string, noURL bool) string {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	if noURL {
		base += ".nourl"
	}
	return base + ".golden.json"
}
