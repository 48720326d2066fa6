package tags

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestHashtagsAndMentions(t *testing.T) {
	tests := []struct {
		text     string
		hashtags []string
		mentions []string
	}{
		{"Morning run #Fitness #fitness #RunClub! with @Anna.B and @trail_co.", []string{"fitness", "runclub"}, []string{"anna.b", "trail_co"}},
		{"paid partnership with @brand #ad", []string{"ad"}, []string{"brand"}},
		{"mail me: hi@example.com, #1 fan", []string{}, []string{}},
		{"federated @maria@social.example hello", []string{}, []string{"maria@social.example"}},
		{"Käse#nope #Käsespätzle #日本", []string{"käsespätzle", "日本"}, []string{}},
		{"url https://x.example/#anchor and &#39; entity", []string{}, []string{}},
		{"@", []string{}, []string{}},
		{"##double #", []string{}, []string{}},
	}
	for _, tt := range tests {
		if got := Hashtags(tt.text); !reflect.DeepEqual(got, tt.hashtags) {
			t.Errorf("Hashtags(%q) = %q, want %q", tt.text, got, tt.hashtags)
		}
		if got := Mentions(tt.text); !reflect.DeepEqual(got, tt.mentions) {
			t.Errorf("Mentions(%q) = %q, want %q", tt.text, got, tt.mentions)
		}
	}
}

func TestStrictHashtags(t *testing.T) {
	long := strings.Repeat("a", 101)
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{}},
		{"Morning #Run, #run and #日本!", []string{"run", "日本"}},
		{"＃Fullwidth (#Paren) \"#quoted\" «#guillemet", []string{"fullwidth", "paren", "quoted", "guillemet"}},
		{"site.example#tag (x)#tag a#b @#c", []string{}},
		{"https://x.example/?q=1,#frag www.y.example/#z #after", []string{"after"}},
		{"#123 #_ #a_1 #2024goals", []string{"a_1", "2024goals"}},
		{"#cafe\u0301 #" + long + " #ok", []string{"cafe\u0301", "ok"}},
		{"#a#b", []string{"a"}},
	}
	for _, tt := range tests {
		got := StrictHashtags(tt.text)
		if got == nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("StrictHashtags(%q) = %#v, want %#v", tt.text, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		" #Tag ":                 "tag",
		"##x":                    "x",
		"＃Ｔａｇ":                   "ｔａｇ",
		"a#b":                    "",
		"two words":              "",
		"tab\there":              "",
		"":                       "",
		"#":                      "",
		strings.Repeat("é", 100): strings.Repeat("é", 100),
		strings.Repeat("é", 101): "",
	}
	for in, want := range tests {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsTagRune(t *testing.T) {
	for r, want := range map[rune]bool{'a': true, 'É': true, '7': true, '٣': true, '_': true, '\u0301': true, '-': false, '.': false, '#': false, ' ': false} {
		if got := IsTagRune(r); got != want {
			t.Errorf("IsTagRune(%q) = %v, want %v", r, got, want)
		}
	}
}

func TestInURL(t *testing.T) {
	tests := []struct {
		text string
		at   int // rune index
		want bool
	}{
		{"see https://x.example/#a", 22, true},
		{"www.x.example#a", 13, true},
		{"WWW.X.EXAMPLE#a", 13, true},
		{"https://x.example #a", 18, false},
		{"x.example#a", 9, false},
		{"#a", 0, false},
	}
	for _, tt := range tests {
		rs := []rune(tt.text)
		if rs[tt.at] != '#' {
			t.Fatalf("test %q: rune %d is %q, not '#'", tt.text, tt.at, rs[tt.at])
		}
		if got := InURL(rs, tt.at); got != tt.want {
			t.Errorf("InURL(%q, %d) = %v, want %v", tt.text, tt.at, got, tt.want)
		}
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", []string{}},
		{"no links here, just a.example", []string{}},
		{"see www.Example.com/path, (https://a.example/x). http://a.example ftp://no https://a.example/x",
			[]string{"https://www.Example.com/path", "https://a.example/x", "http://a.example"}},
		{"“https://q.example/é” https:// HTTPS://UP.example", []string{"https://q.example/%C3%A9", "https://UP.example"}},
	}
	for _, tt := range tests {
		got := Links(tt.text)
		if got == nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Links(%q) = %#v, want %#v", tt.text, got, tt.want)
		}
	}
}

func TestEmail(t *testing.T) {
	tests := map[string]string{
		"write to Anna.B+pr@Mail.Example.com.":       "anna.b+pr@mail.example.com",
		"follow @anna@social.example":                "",
		"mailto:x@y.io or z@w.io":                    "x@y.io",
		"(hi@x.example)":                             "hi@x.example",
		"a@b.c and ü@x.example and a@b_c.com":        "",
		"first@one.example second@two.example":       "first@one.example",
		"MAILTO:Boss@Brand.example":                  "boss@brand.example",
		"handles a@b@c.com and dots a@.com, a@b.c0m": "",
	}
	for in, want := range tests {
		if got := Email(in); got != want {
			t.Errorf("Email(%q) = %q, want %q", in, got, want)
		}
	}
	for w, want := range map[string]bool{"a@b.io": true, "a.b-c_d%e+f@x-y.example": true, "a@b": false, "@b.io": false, "a@b@c.io": false, "a b@c.io": false, "a@b.i": false} {
		if got := IsEmail(w); got != want {
			t.Errorf("IsEmail(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestPublicURL(t *testing.T) {
	tests := map[string]string{
		" https://x.example/a?b=1 ": "https://x.example/a?b=1",
		"HTTP://X.example":          "http://X.example",
		"javascript:alert(1)":       "",
		"//x.example/a":             "",
		"https://":                  "",
		"mailto:a@b.io":             "",
		"https://x.example/%zz":     "",
	}
	for in, want := range tests {
		if got := PublicURL(in); got != want {
			t.Errorf("PublicURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDedupe(t *testing.T) {
	if got := Dedupe(nil); got == nil || len(got) != 0 {
		t.Errorf("Dedupe(nil) = %#v, want an empty, non-nil slice", got)
	}
	if got, want := Dedupe([]string{"b", "", "a", "b", "A"}), []string{"b", "a", "A"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dedupe = %q, want %q", got, want)
	}
}

// FuzzText checks what every reader of caption text promises on any input:
// no panic; tags and handles non-empty, valid UTF-8, lower case, without
// their sign, each once; links absolute http(s).
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"Day 3 #Sourdough with @muehle_nord@kitchen.social and @Tomas.B! https://ofen.example.com/?ref=lena#x",
		"mail chef@example.com #１番 ＃タグ www.example.org/#not-a-tag (x)#y @@a @a@ #a#b",
		"\xff\xfe#\xc3 @\x00x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what string, list []string, sign string) {
			seen := map[string]bool{}
			for _, x := range list {
				switch {
				case x == "" || !utf8.ValidString(x):
					t.Errorf("%s(%q): %q is empty or not UTF-8", what, s, x)
				case strings.ToLower(x) != x:
					t.Errorf("%s(%q): %q is not lower case", what, s, x)
				case sign != "" && strings.HasPrefix(x, sign):
					t.Errorf("%s(%q): %q keeps its sign", what, s, x)
				case seen[x]:
					t.Errorf("%s(%q): %q twice", what, s, x)
				}
				seen[x] = true
			}
		}
		check("Hashtags", Hashtags(s), "#")
		check("StrictHashtags", StrictHashtags(s), "#")
		check("Mentions", Mentions(s), "@")
		if n := Normalize(s); n != "" {
			check("Normalize", []string{n}, "#")
		}
		for _, l := range Links(s) {
			u, err := url.Parse(l)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Errorf("Links(%q): %q is not an absolute http(s) URL", s, l)
			}
		}
		if e := Email(s); e != "" && !IsEmail(e) {
			t.Errorf("Email(%q) = %q, which IsEmail refuses", s, e)
		}
		rs := []rune(s)
		if len(rs) > 2000 {
			return // the word-by-word reading below is quadratic
		}
		scan := NewURLScan(rs)
		for i := 0; i <= len(rs); i++ {
			if got, want := scan.At(i), inURLNaive(rs, i); got != want {
				t.Fatalf("URLScan(%q).At(%d) = %v, the word-by-word reading says %v", s, i, got, want)
			}
		}
	})
}

// inURLNaive is InURL read the slow way, word back from i, for comparing.
func inURLNaive(rs []rune, i int) bool {
	start := i
	for start > 0 && !unicode.IsSpace(rs[start-1]) {
		start--
	}
	word := strings.ToLower(string(rs[start:i]))
	return strings.Contains(word, "://") || strings.HasPrefix(word, "www.")
}

// BenchmarkStrictHashtagsHostile times a caption built to make a
// word-by-word URL check quadratic: 100,000 "(#" in one word.
func BenchmarkStrictHashtagsHostile(b *testing.B) {
	s := strings.Repeat("(#", 100_000)
	for b.Loop() {
		StrictHashtags(s)
	}
}
