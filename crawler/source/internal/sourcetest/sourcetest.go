// Package sourcetest holds what the source packages' tests share: comparing
// a Parse result and its error with a golden JSON file (Golden), and the
// invariants any Parse result keeps whatever the input (Check), which the
// fuzz tests assert.
package sourcetest

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

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
