package sourcetest

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// AddFixtures seeds f with every file matching pattern but the golden
// files (and directories, such as a fuzz corpus), each as (its index, its bytes): the fuzz targets' (which uint8,
// body []byte) arguments.
func AddFixtures(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("fixtures %s: none (%v)", pattern, err)
	}
	for i, name := range files {
		if fi, err := os.Stat(name); strings.HasSuffix(name, ".golden.json") || (err == nil && fi.IsDir()) {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
}

// URLFor returns the URL a fuzz input's which picks from urls, nil for an
// empty one (a page without a URL).
func URLFor(urls []string, which uint8) *url.URL {
	raw := urls[int(which)%len(urls)]
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		panic("sourcetest: bad fuzz URL " + raw)
	}
	return u
}

// ProfileRequests checks s's ProfileRequests against cases, each a handle
// or profile URL and the one profile request URL s must make of it (""
// when s must not claim it).
func ProfileRequests(t *testing.T, s source.Source, cases [][2]string) {
	t.Helper()
	ps, ok := s.(source.ProfileSource)
	if !ok {
		t.Fatalf("source %s starts no profile jobs", s.Name())
	}
	for _, tc := range cases {
		in, want := tc[0], tc[1]
		reqs, ok := ps.ProfileRequests(in)
		if want == "" {
			if ok {
				t.Errorf("ProfileRequests(%q) claimed it: %+v", in, reqs)
			}
			continue
		}
		if !ok || len(reqs) != 1 || reqs[0].URL != want || reqs[0].Kind != source.KindProfile {
			t.Errorf("ProfileRequests(%q) = %+v, %v; want %s", in, reqs, ok, want)
		}
	}
}
