package lenient_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creatorscout/creatorscout/crawler/source"
	"github.com/creatorscout/creatorscout/crawler/source/internal/lenient"
)

func TestRepair(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // "" when nothing could be read
		err  string // "" when the input is valid
	}{
		{"valid", `{"a":[1,2],"b":"x"}`, `{"a":[1,2],"b":"x"}`, ""},
		{"cut inside an array", `{"a":1,"b":[1,2`, `{"a":1,"b":[1]}`, "invalid JSON near byte 15: the input ends early (truncated); kept what came before"},
		{"cut after a number and space", `[1, 23 `, `[1]`, "the input ends early (truncated)"},
		{"cut inside a string", `{"a":"x","b":"unterminated`, `{"a":"x"}`, "the input ends early (truncated)"},
		{"cut after a key", `{"a":"x","b"`, `{"a":"x"}`, "the input ends early (truncated)"},
		{"trailing data", `{"a":1} {"b":2}`, `{"a":1}`, "unexpected data after the JSON value"},
		{"bad member", `{"a":true,"b":tru}`, `{"a":true}`, "invalid JSON near byte"},
		{"nothing readable", `]`, "", "invalid JSON near byte 0"},
		{"empty", ``, "", "the input ends early (truncated)"},
		{"lone number", `12`, `12`, ""},
		{"number then garbage", `12 x`, `12`, "unexpected data after the JSON value"},
		{"cut inside the only number", `{"n":12`, `{}`, "the input ends early (truncated)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lenient.Repair([]byte(tt.in))
			if tt.want == "" {
				if got != nil {
					t.Errorf("Repair(%q) = %s, want nil", tt.in, got)
				}
			} else {
				if string(got) != tt.want {
					t.Errorf("Repair(%q) = %s, want %s", tt.in, got, tt.want)
				}
				if !json.Valid(got) {
					t.Errorf("Repair(%q) = %s is not valid JSON", tt.in, got)
				}
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Repair(%q) error = %v, want none", tt.in, err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("Repair(%q) error = %v, want one containing %q", tt.in, err, tt.err)
			}
		})
	}
}

func TestRepairDepth(t *testing.T) {
	in := strings.Repeat("[", 300)
	got, err := lenient.Repair([]byte(in))
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 200") {
		t.Fatalf("error = %v, want one about nesting", err)
	}
	want := strings.Repeat("[", 201) + strings.Repeat("]", 201)
	if string(got) != want {
		t.Errorf("got %d bytes %.20s…, want the 201 outer arrays closed", len(got), got)
	}
}

func TestReadTree(t *testing.T) {
	tree, err := lenient.ReadTree([]byte(` {"n": 12345678901234567890, "s": "x", "a": [true, null]} `))
	if err != nil {
		t.Fatalf("valid body: %v", err)
	}
	want := map[string]any{"n": json.Number("12345678901234567890"), "s": "x", "a": []any{true, nil}}
	if !reflect.DeepEqual(tree, want) {
		t.Errorf("tree = %#v, want %#v", tree, want)
	}

	tree, err = lenient.ReadTree([]byte(`{"keep":"yes","cut":"n`))
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("cut body: error = %v, want truncated", err)
	}
	if !reflect.DeepEqual(tree, map[string]any{"keep": "yes"}) {
		t.Errorf("cut body: tree = %#v, want the member before the cut", tree)
	}

	tree, err = lenient.ReadTree([]byte(`{"a":1}garbage`))
	if err == nil || !strings.Contains(err.Error(), "unexpected data after the JSON value") {
		t.Errorf("trailing garbage: error = %v", err)
	}
	if !reflect.DeepEqual(tree, map[string]any{"a": json.Number("1")}) {
		t.Errorf("trailing garbage: tree = %#v", tree)
	}

	for _, in := range []string{"", "   ", "<html>", "}"} {
		if tree, err := lenient.ReadTree([]byte(in)); tree != nil || err == nil {
			t.Errorf("ReadTree(%q) = %#v, %v; want nil and an error", in, tree, err)
		}
	}
}

func TestFirstByte(t *testing.T) {
	for in, want := range map[string]byte{"": 0, " \t\r\n": 0, "\n {": '{', "[1]": '[', " <p>": '<'} {
		if got := lenient.FirstByte([]byte(in)); got != want {
			t.Errorf("FirstByte(%q) = %q, want %q", in, got, want)
		}
	}
}

// object reads body as the top-level object of a page.
func object(t *testing.T, body string) (lenient.Fields, *source.ParseError) {
	t.Helper()
	tree, err := lenient.ReadTree([]byte(body))
	if err != nil {
		t.Fatalf("ReadTree(%s): %v", body, err)
	}
	pe := &source.ParseError{Source: "test"}
	f, ok := lenient.ObjectAt(tree, "", pe)
	if !ok {
		t.Fatalf("ObjectAt(%s) is not an object", body)
	}
	return f, pe
}

func TestCount(t *testing.T) {
	tests := []struct {
		json  string // the value of member "n"
		want  int64
		issue string // "" when the count reads; else the issue, and the count is nil
	}{
		{`42`, 42, ""},
		{`0`, 0, ""},
		{`"1234"`, 1234, ""},
		{`" 7 "`, 7, ""},
		{`"+5"`, 5, ""},
		{`"-0"`, 0, ""},
		{`1e3`, 1000, ""},
		{`"1.2e3"`, 1200, ""},
		{`9007199254740993`, 9007199254740993, ""},
		{`12.5`, 0, `n: 12.5 is not a count`},
		{`-1`, 0, `n: -1 is negative`},
		{`"-3"`, 0, `n: "-3" is negative`},
		{`1e20`, 0, `n: 1e20 is out of range`},
		{`"99999999999999999999"`, 0, `n: "99999999999999999999" is out of range`},
		{`1e400`, 0, `n: 1e400 is out of range`},
		{`"12k"`, 0, `n: "12k" is not a count`},
		{`"0x10"`, 0, `n: "0x10" is not a count`},
		{`"NaN"`, 0, `n: "NaN" is not a count`},
		{`""`, 0, `n: "" is not a count`},
		{`"{{followers}}"`, 0, `n: "{{followers}}" is not a count`},
		{`true`, 0, `n: true is not a count`},
		{`[1]`, 0, `n: [1] is not a count`},
		{`{"v":1}`, 0, `n: {"v":1} is not a count`},
	}
	for _, tt := range tests {
		f, pe := object(t, `{"n":`+tt.json+`}`)
		got := f.Count("n")
		if tt.issue == "" {
			if got == nil || *got != tt.want || len(pe.Issues) != 0 {
				t.Errorf("Count(%s) = %v (issues %q), want %d", tt.json, got, pe.Issues, tt.want)
			}
			continue
		}
		if got != nil {
			t.Errorf("Count(%s) = %d, want nil", tt.json, *got)
		}
		if !reflect.DeepEqual(pe.Issues, []string{tt.issue}) {
			t.Errorf("Count(%s) issues = %q, want %q", tt.json, pe.Issues, tt.issue)
		}
	}

	f, pe := object(t, `{"n":null}`)
	if got := f.Count("n"); got != nil {
		t.Errorf("Count(null) = %d, want nil", *got)
	}
	if got := f.Count("absent"); got != nil {
		t.Errorf("Count(absent) = %d, want nil", *got)
	}
	if len(pe.Issues) != 0 {
		t.Errorf("null and absent counts are not issues; got %q", pe.Issues)
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		json  string
		want  string // RFC 3339 in UTC; "" for nil
		issue string
	}{
		{`"2024-05-01T12:00:00+02:00"`, "2024-05-01T10:00:00Z", ""},
		{`" 2024-05-01T12:00:00.5Z "`, "2024-05-01T12:00:00.5Z", ""},
		{`null`, "", ""},
		{`""`, "", ""},
		{`"2024-05-01"`, "", `t: "2024-05-01" is not an RFC 3339 time`},
		{`"yesterday"`, "", `t: "yesterday" is not an RFC 3339 time`},
		{`1714557600`, "", `t: 1714557600 is not a string`},
		{`"{{ created_at }}"`, "", `t: "{{ created_at }}" is an unrendered template`},
	}
	for _, tt := range tests {
		f, pe := object(t, `{"t":`+tt.json+`}`)
		got := f.Time("t")
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("Time(%s) = %v, want nil", tt.json, got)
		case tt.want != "" && (got == nil || got.Format(time.RFC3339Nano) != tt.want || got.Location() != time.UTC):
			t.Errorf("Time(%s) = %v, want %s", tt.json, got, tt.want)
		}
		var want []string
		if tt.issue != "" {
			want = []string{tt.issue}
		}
		if !reflect.DeepEqual(pe.Issues, want) {
			t.Errorf("Time(%s) issues = %q, want %q", tt.json, pe.Issues, want)
		}
	}
}

func TestIsTemplate(t *testing.T) {
	tests := map[string]bool{
		"{{ name }}":       true,
		"  {{name}}\n":     true,
		"${name}":          true,
		"<%= name %>":      true,
		"{% if bio %}":     true,
		"Hello {{ name }}": false,
		"{{ a }} and {{ b": false,
		"{{":               false,
		"{}":               false,
		"$5":               false,
		"":                 false,
		"Anna Bauer":       false,
	}
	for in, want := range tests {
		if got := lenient.IsTemplate(in); got != want {
			t.Errorf("IsTemplate(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestStr(t *testing.T) {
	f, pe := object(t, `{"ok":"Anna","tpl":"${display_name}","num":5,"bad":"a\ud800b","null":null}`)
	for key, want := range map[string]string{"ok": "Anna", "tpl": "", "num": "", "bad": "a\uFFFDb", "null": "", "absent": ""} {
		if got := f.Str(key); got != want {
			t.Errorf("Str(%q) = %q, want %q", key, got, want)
		}
	}
	wantIssues := []string{`num: 5 is not a string`, `tpl: "${display_name}" is an unrendered template`}
	got := append([]string(nil), pe.Issues...)
	if len(got) == 2 && got[0] > got[1] {
		got[0], got[1] = got[1], got[0]
	}
	if !reflect.DeepEqual(got, wantIssues) {
		t.Errorf("issues = %q, want %q", pe.Issues, wantIssues)
	}
}

func TestFieldsPaths(t *testing.T) {
	f, pe := object(t, `{"items":[{"snippet":{"title":7}},"x",{"snippet":[]}],"flag":"yes","on":false}`)
	items := f.Arr("items")
	if len(items) != 3 {
		t.Fatalf("Arr(items) has %d elements, want 3", len(items))
	}
	first, ok := lenient.ObjectAt(items[0], f.At("items[0]"), pe)
	if !ok || first.Path() != "items[0]" {
		t.Fatalf("ObjectAt(items[0]) = %v, path %q", ok, first.Path())
	}
	sn := first.Obj("snippet")
	if sn.Path() != "items[0].snippet" || sn.At("title") != "items[0].snippet.title" {
		t.Errorf("paths = %q, %q", sn.Path(), sn.At("title"))
	}
	_ = sn.Str("title")
	if _, ok := lenient.ObjectAt(items[1], f.At("items[1]"), pe); ok {
		t.Error("a string read as an object")
	}
	third, _ := lenient.ObjectAt(items[2], f.At("items[2]"), pe)
	if got := third.Obj("snippet").Str("title"); got != "" {
		t.Errorf("title of a non-object = %q", got)
	}
	if f.Arr("flag") != nil {
		t.Error("a string read as an array")
	}
	if v, st := f.Bool("on"); v || st != lenient.BoolOK {
		t.Errorf("Bool(on) = %v, %v; want false, BoolOK", v, st)
	}
	if _, st := f.Bool("flag"); st != lenient.BoolBad {
		t.Errorf("Bool(flag) state = %v, want BoolBad", st)
	}
	if _, st := f.Bool("absent"); st != lenient.BoolAbsent {
		t.Errorf("Bool(absent) state = %v, want BoolAbsent", st)
	}
	if !f.Has("on") || f.Has("absent") || f.Value("flag") != "yes" || f.Value("absent") != nil {
		t.Error("Has/Value disagree with the object")
	}
	want := []string{
		`items[0].snippet.title: 7 is not a string`,
		`items[1]: "x" is not an object`,
		`items[2].snippet: [] is not an object`,
		`flag: "yes" is not an array`,
		`flag: "yes" is not a boolean`,
	}
	if !reflect.DeepEqual(pe.Issues, want) {
		t.Errorf("issues:\n got %q\nwant %q", pe.Issues, want)
	}

	// The Fields of something that is not there read as absent, quietly.
	var none lenient.Fields
	if none.Str("x") != "" || none.Count("x") != nil || none.Time("x") != nil || none.Arr("x") != nil || none.Obj("x").Has("y") {
		t.Error("zero Fields read something")
	}
}

func TestClipAndSnippet(t *testing.T) {
	long := strings.Repeat("é", 41)
	if got, want := lenient.Clip(long), strings.Repeat("é", 40)+"…"; got != want {
		t.Errorf("Clip(41 runes) = %q, want %q", got, want)
	}
	if got := lenient.Clip("ok\xff"); got != "ok\uFFFD" {
		t.Errorf("Clip(invalid UTF-8) = %q", got)
	}
	if got := lenient.Snippet(map[string]any{"a": "<b>"}); got != `{"a":"<b>"}` {
		t.Errorf("Snippet = %q, want HTML left unescaped", got)
	}
	if got := lenient.Snippet(strings.Repeat("x", 100)); !strings.HasSuffix(got, "…") || len([]rune(got)) != 41 {
		t.Errorf("Snippet(long string) = %q, want 40 runes and an ellipsis", got)
	}
}

// FuzzReadTree checks that any input either yields nothing or a tree that
// re-encodes as valid JSON, and never panics.
func FuzzReadTree(f *testing.F) {
	for _, s := range []string{`{"a":[1,2`, `[1, 23 `, `{"a":1} x`, `]`, `{"a":"\u00`, strings.Repeat("[", 250)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, rerr := lenient.Repair(data)
		if raw != nil && !json.Valid(raw) {
			t.Fatalf("Repair(%q) = %q, not valid JSON", data, raw)
		}
		if rerr == nil && !bytes.Equal(raw, data) {
			t.Fatalf("Repair(%q) changed valid input", data)
		}
		tree, err := lenient.ReadTree(data)
		if tree == nil {
			return
		}
		if _, merr := json.Marshal(tree); merr != nil {
			t.Fatalf("ReadTree(%q) tree does not re-encode: %v (read error %v)", data, merr, err)
		}
	})
}
