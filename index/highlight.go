package index

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Highlighting is done here rather than by bleve's highlighter, which needs
// every highlighted field stored with term vectors. The text comes from the
// creator's record in the document log, and the words are found by running the same analyzer the
// index uses, so a highlight marks exactly the words that matched.

const (
	fragmentBytes = 160 // the longest fragment, before escaping
	fragmentLead  = 40  // context kept before the first match of a fragment
	maxFragments  = 3   // per field
)

// highlights returns HTML fragments for the fields where a term matched,
// keyed by field name: display_name, bio, captions.
func (ix *Index) highlights(s stored, terms []string) map[string][]string {
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	out := map[string][]string{}
	if f := ix.fragments(s.Creator.DisplayName, want, 1); len(f) > 0 {
		out[fName] = f
	}
	if f := ix.fragments(s.Creator.Bio, want, maxFragments); len(f) > 0 {
		out[fBio] = f
	}
	var caps []string
	for _, c := range s.Captions {
		if len(caps) == maxFragments {
			break
		}
		caps = append(caps, ix.fragments(c, want, maxFragments-len(caps))...)
	}
	if len(caps) > 0 {
		out[fCaptions] = caps
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type span struct{ start, end int }

// fragments returns up to max escaped fragments of text around the words
// whose analysed term is wanted.
func (ix *Index) fragments(text string, want map[string]bool, max int) []string {
	if text == "" || max <= 0 || !mayContain(text, want) {
		return nil
	}
	var marks []span
	for _, tok := range ix.b.text.Analyze([]byte(text)) {
		if !want[string(tok.Term)] || tok.Start < 0 || tok.End > len(text) || tok.Start >= tok.End {
			continue
		}
		if n := len(marks); n > 0 && tok.Start < marks[n-1].end {
			continue
		}
		marks = append(marks, span{tok.Start, tok.End})
	}
	if len(marks) == 0 {
		return nil
	}
	if len(text) <= fragmentBytes {
		return []string{render(text, 0, len(text), marks)}
	}
	var out []string
	for i := 0; i < len(marks) && len(out) < max; {
		start := runeStart(text, max0(marks[i].start-fragmentLead))
		if sp := strings.IndexByte(text[start:marks[i].start], ' '); start > 0 && sp >= 0 {
			start += sp + 1
		}
		end := runeStart(text, min(len(text), start+fragmentBytes))
		if end < marks[i].end {
			end = marks[i].end
		}
		j := i
		for j < len(marks) && marks[j].end <= end {
			j++
		}
		if end < len(text) {
			if sp := strings.LastIndexByte(text[marks[j-1].end:end], ' '); sp >= 0 {
				end = marks[j-1].end + sp
			}
		}
		out = append(out, render(text, start, end, marks[i:j]))
		i = j
	}
	return out
}

// render escapes text[start:end] and wraps each mark in <mark>, with an
// ellipsis where the fragment cuts the text.
func render(text string, start, end int, marks []span) string {
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, m := range marks {
		if m.start < pos || m.end > end {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		pos = m.end
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// runeStart moves i back to the start of the rune it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func max0(i int) int {
	if i < 0 {
		return 0
	}
	return i
}

// mayContain is a cheap test that saves analysing text that cannot match:
// the English analyzer lower-cases and the Porter stemmer rewrites only the
// end of a word, so a term's first few bytes (all but its last, at most
// three) appear in the lower-cased text of any word that yields it.
func mayContain(text string, want map[string]bool) bool {
	lower := strings.ToLower(text)
	for t := range want {
		n := min(3, len(t)-1)
		if n < 1 {
			n = len(t)
		}
		n = runeStart(t, n)
		if n == 0 {
			n = len(t)
		}
		if strings.Contains(lower, t[:n]) {
			return true
		}
	}
	return false
}
