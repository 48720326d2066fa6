package simnet

import (
	"math"
	"strconv"
	"strings"
)

// group writes an integer with a thousands separator.
func group(v int64, sep string) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// oneDecimal formats v with one decimal (dropping ".0"), using dec as the
// decimal mark. It rounds down, as platforms do when they abbreviate.
func oneDecimal(v float64, dec string) string {
	v = math.Floor(v*10) / 10
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", dec, 1)
}

// compactEN is the English abbreviated count: 845, 1,204, 12.3K, 1.2M.
func compactEN(f float64) string {
	v := int64(f)
	switch {
	case v < 10_000:
		return group(v, ",")
	case v < 1_000_000:
		return oneDecimal(f/1000, ".") + "K"
	default:
		return oneDecimal(f/1_000_000, ".") + "M"
	}
}

// compact abbreviates a count the way a page in locale would.
func compact(f float64, locale string) string {
	v := int64(f)
	switch locale {
	case "de":
		switch {
		case v < 10_000:
			return group(v, ".")
		case v < 1_000_000:
			return oneDecimal(f/1000, ",") + " Tsd."
		default:
			return oneDecimal(f/1_000_000, ",") + " Mio."
		}
	case "fr":
		switch {
		case v < 10_000:
			return group(v, "\u202f")
		case v < 1_000_000:
			return oneDecimal(f/1000, ",") + "\u00a0k"
		default:
			return oneDecimal(f/1_000_000, ",") + "\u00a0M"
		}
	case "ja":
		if v < 10_000 {
			return group(v, ",")
		}
		return oneDecimal(f/10_000, ".") + "万"
	}
	return compactEN(f)
}

// exact writes a full count with the locale's grouping.
func exact(v int64, locale string) string {
	switch locale {
	case "de":
		return group(v, ".")
	case "fr":
		return group(v, "\u202f")
	}
	return group(v, ",")
}

// sig3 rounds down to three significant figures, as YouTube reports
// subscriber counts and TikTok's rounded stats do.
func sig3(v int64) int64 {
	if v < 1000 {
		return v
	}
	p := int64(1)
	for x := v; x >= 1000; x /= 10 {
		p *= 10
	}
	return v / p * p
}
