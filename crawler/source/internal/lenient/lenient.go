// Package lenient reads JSON API responses (Mastodon REST, Bluesky XRPC,
// YouTube Data API) without trusting them. It keeps what it can read and
// names what it cannot:
//
//   - ReadTree decodes a body once into a tree of map[string]any, []any,
//     string, json.Number, bool and nil. A damaged body (cut short, trailing
//     garbage) is first cut back by Repair to the part that can be read, and
//     the error says at which byte reading stopped.
//   - ObjectAt and Fields read members of that tree by name. Each read that
//     meets the wrong type, an unreadable count or time, or an unrendered
//     template placeholder ("{{ name }}") records an issue, with the path of
//     the member (e.g. "items[2].statistics.viewCount"), in a
//     source.ParseError, and returns the zero value: absent strings are "",
//     and unknown counts and times are nil, never 0.
//
// Clip and Snippet shorten untrusted values for those issues.
package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// maxDepth bounds how deeply Repair follows nested values.
const maxDepth = 200

// errCut marks a number with nothing but white space after it: the input
// may have been cut inside it, so it is not trusted.
var errCut = errors.New("input ends inside a value")

// Repair returns data unchanged when it is valid JSON. Otherwise it
// rebuilds the readable prefix as valid JSON, closing open arrays and
// objects and dropping the member or element that was cut, and returns an
// error that says where reading stopped. It returns nil when nothing at all
// could be read.
func Repair(data []byte) (json.RawMessage, error) {
	if json.Valid(data) {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var buf bytes.Buffer
	ok, err := copyValue(dec, &buf, data, 0)
	switch {
	case err == nil:
		// The first value was whole: something follows it.
		err = errors.New("unexpected data after the JSON value")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errCut):
		err = errors.New("the input ends early (truncated)")
	}
	err = fmt.Errorf("invalid JSON near byte %d: %w; kept what came before", dec.InputOffset(), err)
	if !ok {
		return nil, err
	}
	return buf.Bytes(), err
}

// copyValue copies one JSON value from dec to buf. ok is true when buf got a
// complete (possibly shortened) value; err reports damage that stopped it.
func copyValue(dec *json.Decoder, buf *bytes.Buffer, data []byte, depth int) (ok bool, err error) {
	if depth > maxDepth {
		return false, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			buf.WriteByte('{')
			n := 0
			for dec.More() {
				ktok, err := dec.Token()
				if err != nil {
					buf.WriteByte('}')
					return true, err
				}
				key, isKey := ktok.(string)
				if !isKey {
					buf.WriteByte('}')
					return true, fmt.Errorf("object key is %T", ktok)
				}
				var vb bytes.Buffer
				vok, verr := copyValue(dec, &vb, data, depth+1)
				if vok {
					if n > 0 {
						buf.WriteByte(',')
					}
					writeString(buf, key)
					buf.WriteByte(':')
					buf.Write(vb.Bytes())
					n++
				}
				if verr != nil {
					buf.WriteByte('}')
					return true, verr
				}
			}
			_, err := dec.Token()
			buf.WriteByte('}')
			return true, err
		case '[':
			buf.WriteByte('[')
			n := 0
			for dec.More() {
				var vb bytes.Buffer
				vok, verr := copyValue(dec, &vb, data, depth+1)
				if vok {
					if n > 0 {
						buf.WriteByte(',')
					}
					buf.Write(vb.Bytes())
					n++
				}
				if verr != nil {
					buf.WriteByte(']')
					return true, verr
				}
			}
			_, err := dec.Token()
			buf.WriteByte(']')
			return true, err
		default:
			return false, fmt.Errorf("unexpected %q", rune(t))
		}
	case string:
		writeString(buf, t)
	case json.Number:
		if off := dec.InputOffset(); off >= int64(len(data)) || len(bytes.TrimSpace(data[off:])) == 0 {
			return false, errCut
		}
		buf.WriteString(t.String())
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case nil:
		buf.WriteString("null")
	}
	return true, nil
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a Go string always marshals
	buf.Write(b)
}

// FirstByte is the first non-space byte of raw, or 0. Sources use it to
// tell a JSON body ('{' or '[') from anything else before reading it.
func FirstByte(raw []byte) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// ReadTree decodes data once into a tree of map[string]any, []any, string,
// json.Number, bool and nil. Damaged JSON is first cut back to what can be
// read (see Repair); the error then says where. The tree is nil when
// nothing could be read.
func ReadTree(data []byte) (any, error) {
	if v, ok := decodeWhole(data); ok {
		return v, nil
	}
	raw, err := Repair(data)
	if raw == nil {
		return nil, err
	}
	v, ok := decodeWhole(raw)
	if !ok {
		return nil, err
	}
	return v, err
}

// decodeWhole decodes data when it is exactly one JSON value.
func decodeWhole(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// Fields is one JSON object being read, with the path that names it in
// issues (e.g. "items[2].statistics") and the ParseError collecting them.
// The Fields of an absent or unreadable object read every member as absent.
type Fields struct {
	m    map[string]any
	path string
	pe   *source.ParseError
}

// ObjectAt reads v as an object. A value that is not an object is an
// issue, and yields empty Fields that read as absent.
func ObjectAt(v any, path string, pe *source.ParseError) (Fields, bool) {
	f := Fields{path: path, pe: pe}
	switch t := v.(type) {
	case nil:
		return f, false
	case map[string]any:
		f.m = t
		return f, true
	}
	pe.Add("%s: %s is not an object", path, Snippet(v))
	return f, false
}

// ArrayAt reads v as an array; anything else is an issue and yields nil.
func ArrayAt(v any, path string, pe *source.ParseError) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	pe.Add("%s: %s is not an array", path, Snippet(v))
	return nil
}

// Path is the path that names the object in issues ("" for the top level).
func (f Fields) Path() string { return f.path }

// Value is the raw value under key: nil when it is absent or null.
func (f Fields) Value(key string) any { return f.m[key] }

// At is the path that names the member key in issues.
func (f Fields) At(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// Has reports whether key is present and not null.
func (f Fields) Has(key string) bool { return f.m[key] != nil }

// Obj reads the object under key; absent reads as empty Fields.
func (f Fields) Obj(key string) Fields {
	o, _ := ObjectAt(f.m[key], f.At(key), f.pe)
	return o
}

// Arr reads the array under key; absent is nil.
func (f Fields) Arr(key string) []any { return ArrayAt(f.m[key], f.At(key), f.pe) }

// Str reads a string; absent or null is "", another type is an issue. A
// value that is only an unrendered template placeholder counts as absent.
func (f Fields) Str(key string) string {
	v := f.m[key]
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.pe.Add("%s: %s is not a string", f.At(key), Snippet(v))
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if IsTemplate(s) {
		f.pe.Add("%s: %s is an unrendered template", f.At(key), Snippet(v))
		return ""
	}
	return s
}

// BoolState says how a boolean member was read.
type BoolState int

// The states of a boolean member.
const (
	BoolAbsent BoolState = iota // absent or null
	BoolOK                      // a JSON boolean
	BoolBad                     // present with another type
)

// Bool reads a JSON boolean and says whether it was absent, read, or of
// another type (an issue).
func (f Fields) Bool(key string) (v bool, state BoolState) {
	switch t := f.m[key].(type) {
	case nil:
		return false, BoolAbsent
	case bool:
		return t, BoolOK
	}
	f.pe.Add("%s: %s is not a boolean", f.At(key), Snippet(f.m[key]))
	return false, BoolBad
}

// Count reads a non-negative count given as a JSON integer or a string of
// digits (the YouTube form). Absent or null is nil; anything else that is
// not a count is nil and an issue. It never turns the unreadable into 0.
func (f Fields) Count(key string) *int64 {
	v := f.m[key]
	var n int64
	problem := "is not a count"
	switch t := v.(type) {
	case nil:
		return nil
	case json.Number:
		n, problem = parseCount(t.String())
	case string:
		n, problem = parseCount(strings.TrimSpace(t))
	}
	if problem != "" {
		f.pe.Add("%s: %s %s", f.At(key), Snippet(v), problem)
		return nil
	}
	return &n
}

// maxExactFloat is the largest integer a float64 holds exactly.
const maxExactFloat = 1 << 53

// parseCount reads the text of a count; problem is "" when it is one.
func parseCount(s string) (n int64, problem string) {
	if s == "" {
		return 0, "is not a count"
	}
	if c := s[0]; c != '-' && c != '+' && (c < '0' || c > '9') {
		return 0, "is not a count"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// An integral float such as 1.2e3 is still a count, within the
		// range a float holds exactly.
		fl, ferr := strconv.ParseFloat(s, 64)
		switch {
		case ferr != nil && errors.Is(ferr, strconv.ErrRange), ferr == nil && math.Abs(fl) >= maxExactFloat:
			return 0, "is out of range"
		case ferr != nil || fl != math.Trunc(fl):
			return 0, "is not a count"
		}
		n = int64(fl)
	}
	if n < 0 {
		return 0, "is negative"
	}
	return n, ""
}

// Time reads an RFC 3339 timestamp; absent is nil, unreadable is nil and an
// issue. Times are returned in UTC.
func (f Fields) Time(key string) *time.Time {
	s := f.Str(key)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		f.pe.Add("%s: %q is not an RFC 3339 time", f.At(key), Clip(s))
		return nil
	}
	t = t.UTC()
	return &t
}

// IsTemplate reports whether s is nothing but an unrendered template
// placeholder such as "{{ name }}", "${name}" or "<%= name %>".
func IsTemplate(s string) bool {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}"),
		strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"),
		strings.HasPrefix(s, "<%") && strings.HasSuffix(s, "%>"),
		strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}"):
		return true
	}
	return false
}

// Snippet shows a JSON value in an issue, shortened and valid UTF-8.
func Snippet(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return Clip(fmt.Sprint(v))
	}
	return Clip(strings.TrimSpace(b.String()))
}

// Clip shortens s to at most 40 runes (and an ellipsis) of valid UTF-8 for
// an issue.
func Clip(s string) string { return ClipN(s, 40) }

// MaxMessage is how much of a server's own error message an issue keeps:
// enough for a sentence such as "The access token is invalid" or YouTube's
// "API key not valid. Please pass a valid API key.".
const MaxMessage = 300

// Message shortens a server's error message for an issue: valid UTF-8,
// markup tags dropped (YouTube's messages link their docs with <a>),
// control characters as spaces, at most MaxMessage runes.
func Message(s string) string {
	s = tagRe.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return ClipN(strings.TrimSpace(s), MaxMessage)
}

// tagRe is an HTML tag in a message.
var tagRe = regexp.MustCompile(`</?[A-Za-z][^<>]{0,200}>`)

// ClipN shortens s to at most n runes (and an ellipsis) of valid UTF-8.
func ClipN(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
