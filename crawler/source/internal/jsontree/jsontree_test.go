package jsontree

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// std is what Decode must return: encoding/json's Decoder with UseNumber.
func std(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func same(t *testing.T, in string) {
	t.Helper()
	want, werr := std(in)
	got, gerr := Decode(in)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("%q: error %v, encoding/json says %v", in, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", in, got, want)
	}
}

var cases = []string{
	`{}`, `[]`, ` {"a":1} `, `[1,-0,0.5,-1.25e+10,3E-2,12345678901234567890]`,
	`{"a":{"b":[true,false,null,"x"]},"a":2}`, // a duplicate key: the last wins
	`{"k":"\"\\\/\b\f\n\r\t\u00e9\u20AC"}`,
	`["\ud83d\ude00", "\ud83d", "\ude00x", "\ud83d\u0041", "\ud83dabc"]`, // pairs, lone and broken surrogates
	"[\"\xff\xfe ok \xe2\x82\"]",                                         // invalid UTF-8 becomes U+FFFD
	"[\"caf\xc3\xa9 \xef\xbf\xbd\"]",
	`{"a":1}trailing garbage`, `[1,2]]`, `{"a":1}{"b":2}`,
	// Invalid: encoding/json's errors.
	``, `   `, `{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[01]`, `[1.]`, `[-]`, `[1e]`, `[.5]`,
	`[+1]`, `[tru]`, `[nul]`, `[truex]`, `["a\x"]`, `["a\'"]`, "[\"tab\there\"]", `["\u12G4"]`,
	`{1:2}`, `{"a" 1}`, `["unterminated]`, `[1 2]`, `{"a":1 "b":2}`,
	// Not an object or array: encoding/json decodes these itself.
	`"just a string"`, `42`, `true`, `null`, `42abc`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), // over encoding/json's depth limit
	strings.Repeat("[", 9999) + strings.Repeat("]", 9999),
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range cases {
		same(t, c)
	}
}

// The real embedded JSON of the html source's fixtures decodes the same.
func TestDecodeFixtures(t *testing.T) {
	files, _ := filepath.Glob("../../html/testdata/*.html")
	script := regexp.MustCompile(`(?is)<script[^>]*>(.*?)</script>`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range script.FindAllStringSubmatch(string(b), -1) {
			if s := strings.TrimSpace(m[1]); strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
				same(t, s)
				n++
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d JSON scripts in the fixtures", n)
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range cases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) { same(t, s) })
}

func BenchmarkDecode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"@context":"https://schema.org","@graph":[`)
	for i := 0; i < 60; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"@type":"SocialMediaPosting","headline":"Morning run by the canal \u2014 5k done #running #fitness","url":"https://example.com/p/123456","datePublished":"2026-11-01T07:12:00Z","interactionStatistic":[{"@type":"InteractionCounter","interactionType":"https://schema.org/LikeAction","userInteractionCount":1816},{"@type":"InteractionCounter","interactionType":"https://schema.org/CommentAction","userInteractionCount":90}]}`)
	}
	sb.WriteString(`]}`)
	in := sb.String()
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := std(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsontree", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
