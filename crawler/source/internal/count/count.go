// Package count reads the follower, like and post counts that profile pages
// print for people rather than machines: abbreviated ("12.3K", "1.2M",
// "2.5B"), grouped ("1,204", "1.204", "1 234", "1'234", "12,34,567") and
// localized ("1,2 Mio.", "12,3 k", "1,5 Tsd.", "3,4万", "10萬", "1.2亿").
//
// The rules, chosen so that no reading is a guess:
//   - Without a unit, separators only group thousands: every group after the
//     first has exactly three digits (or the Indian 2-2-3 lakh grouping), so
//     "1.204" and "1,204" are both 1204 and "1,5" is an error, not 1 or 15.
//   - With a unit, a single separator is the decimal mark whatever the
//     locale ("1,2 Mio." and "1.2M" are both 1,200,000). With two kinds of
//     separator the last one is the decimal mark ("1.234,5K").
//   - Anything else (words, templates such as "{{followers}}", signs,
//     fractions without a unit, overflow) is an error. Parse never returns 0
//     for input it could not read; the caller keeps such a count unknown.
package count

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotCount is wrapped by every error Parse returns.
var ErrNotCount = errors.New("not a count")

// maxInput bounds the text Parse looks at; counts are short.
const maxInput = 64

// units maps a unit word (lower case, without a trailing '.') to its
// multiplier. Kept as sorted data: a new locale is a one-line diff.
var units = map[string]int64{
	"b":        1_000_000_000, // en billion
	"bil":      1_000_000_000,
	"bn":       1_000_000_000,
	"cr":       10_000_000, // en-IN crore
	"crore":    10_000_000,
	"k":        1_000,
	"l":        100_000, // en-IN lakh
	"lakh":     100_000,
	"m":        1_000_000,
	"md":       1_000_000_000, // fr milliard
	"mi":       1_000_000,     // pt-BR milhão
	"mil":      1_000,         // es, pt thousand
	"mill":     1_000_000,     // es millones
	"million":  1_000_000,
	"millions": 1_000_000,
	"mio":      1_000_000,     // de, at, ch
	"mld":      1_000_000_000, // it, pl miliardi
	"mln":      1_000_000,     // it, nl, pl
	"mn":       1_000_000,
	"mrd":      1_000_000_000, // de Milliarde
	"tsd":      1_000,         // de Tausend
	"tys":      1_000,         // pl tysiące
	"thousand": 1_000,
	"бн":       1_000_000_000,
	"млн":      1_000_000, // ru, uk
	"млрд":     1_000_000_000,
	"тис":      1_000, // uk
	"тыс":      1_000, // ru
	"千":        1_000,
	"万":        10_000,
	"萬":        10_000,
	"亿":        100_000_000,
	"億":        100_000_000,
	"천":        1_000,
	"만":        10_000,
	"억":        100_000_000,
}

// isGroupSpace reports the space-like characters used to group digits.
func isGroupSpace(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u202f', '\u2009', '\u2007':
		return true
	}
	return false
}

// isSep reports any character that may group digits or mark decimals.
func isSep(r rune) bool {
	switch r {
	case '.', ',', '\'', '\u2019', '\u066b', '\u066c':
		return true
	}
	return isGroupSpace(r)
}

// digit returns the value of an ASCII, full-width or Arabic-Indic digit.
func digit(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= '０' && r <= '９':
		return int(r - '０'), true
	case r >= '\u0660' && r <= '\u0669':
		return int(r - '\u0660'), true
	case r >= '\u06f0' && r <= '\u06f9':
		return int(r - '\u06f0'), true
	}
	return 0, false
}

// Parse reads one count. It returns an error wrapping ErrNotCount, naming
// the input, for anything it cannot read exactly.
func Parse(s string) (int64, error) {
	n, err := parse(s)
	if err != nil {
		return 0, fmt.Errorf("count: %q: %w", clip(s), err)
	}
	return n, nil
}

func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > maxInput {
		cut := maxInput
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

func parse(s string) (int64, error) {
	if len(s) > maxInput {
		return 0, fmt.Errorf("%w: longer than %d bytes", ErrNotCount, maxInput)
	}
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isGroupSpace(r) })
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrNotCount)
	}
	if !utf8.ValidString(s) {
		return 0, fmt.Errorf("%w: invalid UTF-8", ErrNotCount)
	}

	// Split into the numeric part and the unit: the number is the longest
	// prefix of digits and separators.
	runes := []rune(s)
	end := 0
	for end < len(runes) {
		r := runes[end]
		if _, ok := digit(r); ok || isSep(r) {
			end++
			continue
		}
		break
	}
	numPart := strings.TrimRightFunc(string(runes[:end]), isGroupSpace)
	unitPart := strings.TrimSpace(strings.TrimLeftFunc(string(runes[end:]), isGroupSpace))
	if numPart == "" {
		return 0, fmt.Errorf("%w: no digits", ErrNotCount)
	}
	if r, _ := utf8.DecodeRuneInString(numPart); isSep(r) {
		return 0, fmt.Errorf("%w: starts with a separator", ErrNotCount)
	}
	// A trailing '.' belongs to an abbreviated unit ("Mio.") or to nothing.
	if strings.HasSuffix(numPart, ".") || strings.HasSuffix(numPart, ",") {
		return 0, fmt.Errorf("%w: ends with a separator", ErrNotCount)
	}

	mult := int64(1)
	if unitPart != "" {
		u := strings.ToLower(strings.TrimSuffix(unitPart, "."))
		m, ok := units[u]
		if !ok {
			return 0, fmt.Errorf("%w: unknown unit %q", ErrNotCount, unitPart)
		}
		mult = m
	}

	intDigits, fracDigits, err := split(numPart, unitPart != "")
	if err != nil {
		return 0, err
	}
	if len(intDigits)+len(fracDigits) > 19 {
		return 0, fmt.Errorf("%w: too many digits", ErrNotCount)
	}

	// value = (int.frac) * mult, rounded half up, exactly.
	num := new(big.Int)
	num.SetString(intDigits+fracDigits, 10)
	num.Mul(num, big.NewInt(mult))
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(fracDigits))), nil)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 && mult == 1 {
		return 0, fmt.Errorf("%w: a fraction without a unit", ErrNotCount)
	}
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.Sign() == 0 && num.Sign() != 0 {
		return 0, fmt.Errorf("%w: a fraction that rounds to 0", ErrNotCount) // "0.0000001K"
	}
	if !q.IsInt64() || q.Int64() > math.MaxInt64/2 {
		return 0, fmt.Errorf("%w: too large", ErrNotCount)
	}
	return q.Int64(), nil
}

// group is a run of digits with the separator before it (0 for the first).
type group struct {
	digits string
	sep    rune
}

// split turns "1.234,5" into ("1234", "5") following the package rules.
func split(num string, hasUnit bool) (intDigits, fracDigits string, err error) {
	var groups []group
	var cur strings.Builder
	var sep rune
	prevSep := false
	for _, r := range num {
		if d, ok := digit(r); ok {
			cur.WriteByte(byte('0' + d))
			prevSep = false
			continue
		}
		if prevSep {
			return "", "", fmt.Errorf("%w: two separators in a row", ErrNotCount)
		}
		groups = append(groups, group{cur.String(), sep})
		cur.Reset()
		sep = r
		switch {
		case isGroupSpace(r):
			sep = ' '
		case r == '\u2019':
			sep = '\''
		}
		prevSep = true
	}
	groups = append(groups, group{cur.String(), sep})

	if len(groups) == 1 {
		return groups[0].digits, "", nil
	}

	// Which separator kinds occur?
	kinds := map[rune]int{}
	for _, g := range groups[1:] {
		kinds[g.sep]++
	}
	last := groups[len(groups)-1]
	var decimal string
	switch {
	case len(kinds) > 2:
		return "", "", fmt.Errorf("%w: mixed separators", ErrNotCount)
	case len(kinds) == 2:
		// The last separator is the decimal mark; it must occur once.
		if kinds[last.sep] != 1 || last.sep == ' ' || last.sep == '\'' {
			return "", "", fmt.Errorf("%w: mixed separators", ErrNotCount)
		}
		if !hasUnit {
			return "", "", fmt.Errorf("%w: a fraction without a unit", ErrNotCount)
		}
		decimal = last.digits
		groups = groups[:len(groups)-1]
	case hasUnit && len(groups) == 2 && last.sep != ' ' && last.sep != '\'':
		// "1,2 Mio.", "12.3K": one separator before a unit is decimal.
		return groups[0].digits, last.digits, nil
	}

	if err := checkGrouping(groups); err != nil {
		return "", "", err
	}
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(g.digits)
	}
	return b.String(), decimal, nil
}

// checkGrouping accepts 1-3 digits then groups of three (1,234,567), or the
// Indian grouping 1-2 digits, groups of two, then a final three
// (12,34,567).
func checkGrouping(groups []group) error {
	if n := len(groups[0].digits); n < 1 || n > 3 {
		return fmt.Errorf("%w: bad digit grouping", ErrNotCount)
	}
	western := true
	for _, g := range groups[1:] {
		if len(g.digits) != 3 {
			western = false
		}
	}
	if western {
		return nil
	}
	// Indian: only with ',' and a final group of three.
	if len(groups[len(groups)-1].digits) != 3 || len(groups[0].digits) > 2 {
		return fmt.Errorf("%w: bad digit grouping", ErrNotCount)
	}
	for _, g := range groups[1 : len(groups)-1] {
		if len(g.digits) != 2 || g.sep != ',' {
			return fmt.Errorf("%w: bad digit grouping", ErrNotCount)
		}
	}
	return nil
}
