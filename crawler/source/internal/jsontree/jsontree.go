// Package jsontree decodes the JSON that pages embed (JSON-LD, TikTok's
// rehydration script) into a tree of map[string]any, []any, string,
// json.Number, bool and nil: exactly what encoding/json's Decoder with
// UseNumber makes of the first value of its input, only faster.
//
// A crawled profile page carries 10 to 40 KB of such JSON, and decoding it
// into an any with encoding/json took more CPU than any other part of the
// html source's extraction: its Decoder copies the input into a buffer,
// scans the whole value once to find its end, then again to decode it,
// allocating every key afresh. Decode reads the value in one pass and
// shares repeated keys. Objects and arrays take that path; anything else,
// and any input the path cannot read, goes to encoding/json itself, so
// errors (and their messages and offsets) are encoding/json's.
// FuzzDecode checks the two agree on every input.
package jsontree

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit; deeper input goes to it for
// its error.
const maxDepth = 10000

// Decode returns what json.NewDecoder(strings.NewReader(s)) with UseNumber
// decodes into an any: the first JSON value of s (what follows it is not
// read), or the error.
func Decode(s string) (any, error) {
	d := decoder{s: s}
	d.space()
	if d.i < len(s) && (s[d.i] == '{' || s[d.i] == '[') {
		if v, ok := d.value(); ok {
			return v, nil
		}
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

type decoder struct {
	s     string
	i     int
	depth int
	keys  map[string]string // keys seen so far, shared between objects
}

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads the value at d.i (after white space). ok is false for input
// that is not valid JSON there.
func (d *decoder) value() (any, bool) {
	d.space()
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, ok := d.str(false)
		return s, ok
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *decoder) literal(lit string) bool {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		return false
	}
	d.i += len(lit)
	return true
}

func (d *decoder) object() (any, bool) {
	m := map[string]any{}
	more, ok := d.open('}')
	for ok && more {
		d.space()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, kok := d.str(true)
		d.space()
		if !kok || d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, vok := d.value()
		if !vok {
			return nil, false
		}
		m[k] = v
		more, ok = d.next('}')
	}
	return m, ok
}

func (d *decoder) array() (any, bool) {
	a := make([]any, 0)
	more, ok := d.open(']')
	for ok && more {
		v, vok := d.value()
		if !vok {
			return nil, false
		}
		a = append(a, v)
		more, ok = d.next(']')
	}
	return a, ok
}

// open steps into the object or array at d.i: more is false when it is
// empty (and then closed). ok is false past maxDepth.
func (d *decoder) open(end byte) (more, ok bool) {
	if d.depth++; d.depth > maxDepth {
		return false, false
	}
	d.i++
	d.space()
	if d.i < len(d.s) && d.s[d.i] == end {
		d.i++
		d.depth--
		return false, true
	}
	return true, true
}

// next reads what follows a member or element: a comma (more) or the end
// of the object or array. ok is false for anything else.
func (d *decoder) next(end byte) (more, ok bool) {
	d.space()
	switch {
	case d.i >= len(d.s):
		return false, false
	case d.s[d.i] == ',':
		d.i++
		return true, true
	case d.s[d.i] == end:
		d.i++
		d.depth--
		return false, true
	}
	return false, false
}

// number reads a number with JSON's grammar, as a json.Number.
func (d *decoder) number() (any, bool) {
	s, start := d.s, d.i
	i := start
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.i = i
	return json.Number(strings.Clone(s[start:i])), true
}

// str reads the string at d.i (its opening quote). A key is shared with
// the earlier keys of the same text.
func (d *decoder) str(key bool) (string, bool) {
	s := d.s
	start := d.i + 1
	i := start
	plain := true // no escape, valid UTF-8
	for {
		if i >= len(s) {
			return "", false
		}
		c := s[i]
		if c == '"' {
			break
		}
		if c < ' ' {
			return "", false
		}
		if c == '\\' {
			plain = false
			i++
			if i >= len(s) {
				return "", false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if hex4(s, i+1) < 0 {
					return "", false
				}
				i += 5
			default:
				return "", false
			}
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			i += size
			continue
		}
		i++
	}
	raw := s[start:i]
	d.i = i + 1
	if !plain {
		return unquote(raw), true
	}
	if !key {
		return strings.Clone(raw), true
	}
	if k, ok := d.keys[raw]; ok {
		return k, true
	}
	if d.keys == nil {
		d.keys = make(map[string]string, 64)
	}
	k := strings.Clone(raw)
	d.keys[k] = k
	return k, true
}

// hex4 reads the 4 hex digits at s[i:], or returns -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote decodes the inside of a string that str has checked, as
// encoding/json does: escapes decoded, a lone or broken surrogate and each
// byte of invalid UTF-8 made U+FFFD.
func unquote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r := hex4(s, i+2)
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 = hex4(s, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b.WriteRune(dec)
						i += 6
						continue
					}
					r = unicode.ReplacementChar
				}
				b.WriteRune(r)
				continue
			default: // " \ /
				b.WriteByte(s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // RuneError for a bad byte
			i += size
		}
	}
	return b.String()
}
