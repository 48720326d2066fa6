package youtube

// This file is shared, identical but for the package clause, by the
// mastodon, bluesky and youtube sources: a lenient reader for JSON API
// responses that keeps what it can read and names what it cannot.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creatorscout/creatorscout/crawler/source"
)

// maxDepth bounds how deeply repairJSON follows nested values.
const maxDepth = 200

// errCut marks a number with nothing but white space after it: the input
// may have been cut inside it, so it is not trusted.
var errCut = errors.New("input ends inside a value")

// repairJSON returns data unchanged when it is valid JSON. Otherwise it
// rebuilds the readable prefix as valid JSON, closing open arrays and
// objects and dropping the member or element that was cut, and returns an
// error that says where reading stopped. It returns nil when nothing at all
// could be read.
func repairJSON(data []byte) (json.RawMessage, error) {
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

// firstByte is the first non-space byte of raw, or 0.
func firstByte(raw []byte) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// readTree decodes data once into a tree of map[string]any, []any, string,
// json.Number, bool and nil. Damaged JSON is first cut back to what can be
// read (see repairJSON); the error then says where. The tree is nil when
// nothing could be read.
func readTree(data []byte) (any, error) {
	if v, ok := decodeWhole(data); ok {
		return v, nil
	}
	raw, err := repairJSON(data)
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

// fields is one JSON object being read, with the path that names it in
// issues (e.g. "items[2].statistics") and the ParseError collecting them.
type fields struct {
	m    map[string]any
	path string
	pe   *source.ParseError
}

// objectAt reads v as an object. A value that is not an object is an
// issue, and yields empty fields that read as absent.
func objectAt(v any, path string, pe *source.ParseError) (fields, bool) {
	f := fields{path: path, pe: pe}
	switch t := v.(type) {
	case nil:
		return f, false
	case map[string]any:
		f.m = t
		return f, true
	}
	pe.Add("%s: %s is not an object", path, snippet(v))
	return f, false
}

// arrayAt reads v as an array; anything else is an issue and yields nil.
func arrayAt(v any, path string, pe *source.ParseError) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	pe.Add("%s: %s is not an array", path, snippet(v))
	return nil
}

func (f fields) at(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// has reports whether key is present and not null.
func (f fields) has(key string) bool { return f.m[key] != nil }

// obj reads the object under key.
func (f fields) obj(key string) fields {
	o, _ := objectAt(f.m[key], f.at(key), f.pe)
	return o
}

// arr reads the array under key.
func (f fields) arr(key string) []any { return arrayAt(f.m[key], f.at(key), f.pe) }

// str reads a string; absent or null is "", another type is an issue. A
// value that is only an unrendered template placeholder counts as absent.
func (f fields) str(key string) string {
	v := f.m[key]
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.pe.Add("%s: %s is not a string", f.at(key), snippet(v))
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if isTemplate(s) {
		f.pe.Add("%s: %s is an unrendered template", f.at(key), snippet(v))
		return ""
	}
	return s
}

// Tri-state of a boolean member.
const (
	boolAbsent = iota // absent or null
	boolOK            // a JSON boolean
	boolBad           // present with another type
)

// boolean reads a JSON boolean and says whether it was absent, read, or of
// another type (an issue).
func (f fields) boolean(key string) (v bool, state int) {
	switch t := f.m[key].(type) {
	case nil:
		return false, boolAbsent
	case bool:
		return t, boolOK
	}
	f.pe.Add("%s: %s is not a boolean", f.at(key), snippet(f.m[key]))
	return false, boolBad
}

// count reads a non-negative count given as a JSON integer or a string of
// digits (the YouTube form). Absent or null is nil; anything else that is
// not a count is nil and an issue. It never turns the unreadable into 0.
func (f fields) count(key string) *int64 {
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
		f.pe.Add("%s: %s %s", f.at(key), snippet(v), problem)
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

// time reads an RFC 3339 timestamp; absent is nil, unreadable is nil and an
// issue. Times are returned in UTC.
func (f fields) time(key string) *time.Time {
	s := f.str(key)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		f.pe.Add("%s: %q is not an RFC 3339 time", f.at(key), clip(s))
		return nil
	}
	t = t.UTC()
	return &t
}

// isTemplate reports whether s is nothing but an unrendered template
// placeholder such as "{{ name }}", "${name}" or "<%= name %>".
func isTemplate(s string) bool {
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

// snippet shows a JSON value in an issue, shortened and valid UTF-8.
func snippet(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return clip(fmt.Sprint(v))
	}
	return clip(strings.TrimSpace(b.String()))
}

// clip shortens s to a readable length for an issue.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	r := []rune(s)
	return string(r[:40]) + "…"
}

// publicURL returns s when it is an absolute http(s) URL, else "".
func publicURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// dedupe drops empty and repeated strings, keeping the first occurrence. It
// never returns nil, so JSON shows [] rather than null.
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
