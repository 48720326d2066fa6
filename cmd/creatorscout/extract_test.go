package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/extract golden files")

// TestExtractGolden runs `creatorscout extract` on every source fixture, as
// a user would (format detected from the content alone), and compares the
// output with testdata/extract/<source>/<fixture>.golden.json.
func TestExtractGolden(t *testing.T) {
	fixtures, err := filepath.Glob("../../crawler/source/*/testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fixtures {
		if strings.HasSuffix(f, ".golden.json") || isDir(f) {
			continue
		}
		n++
		srcDir := filepath.Base(filepath.Dir(filepath.Dir(f)))
		golden := filepath.Join("..", "..", "testdata", "extract", srcDir, filepath.Base(f)+".golden.json")
		t.Run(srcDir+"/"+filepath.Base(f), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := []string{"extract", "--fetched-at", "2026-11-02T09:30:00Z", f}
			code := run(context.Background(), args, &stdout, &stderr)
			var got []byte
			if code != 0 {
				// Not recognisable from its content alone (an API error body,
				// a bare list of ids): record that, then name the source.
				got = []byte("detect: exit " + stderr.String())
				stdout.Reset()
				stderr.Reset()
				code = run(context.Background(), append([]string{"extract", "--source", srcDir}, args[1:]...), &stdout, &stderr)
			}
			if code != 0 {
				got = append(got, []byte("--source "+srcDir+": exit "+stderr.String())...)
			} else {
				var out extractOutput
				if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
					t.Fatalf("output is not one JSON object: %v\n%s", err, stdout.Bytes())
				}
				out.File = filepath.Base(out.File)
				js, _ := json.MarshalIndent(out, "", "  ")
				got = append(append(got, js...), '\n')
			}
			// Paths differ between checkouts; goldens name the repository root $REPO.
			root, _ := filepath.Abs("../..")
			got = bytes.ReplaceAll(got, []byte(root), []byte("$REPO"))
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/creatorscout -run TestExtractGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("extract %s differs from %s;\ngot:\n%s", f, golden, got)
			}
		})
	}
	if n < 15 {
		t.Fatalf("found only %d fixtures", n)
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
