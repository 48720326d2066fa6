package simnet

import (
	"encoding/base64"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

const (
	alphaB32Lower = "abcdefghijklmnopqrstuvwxyz234567"
	alphaTID      = "234567abcdefghijklmnopqrstuvwxyz" // base32-sortable
	alphaB64URL   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	alphaDigits   = "0123456789"
)

// newRand returns the generator for one stream of the network. Every
// account, day and purpose gets its own stream, so results never depend on
// the order things are generated in.
func newRand(seed int64, stream ...uint64) *rand.Rand {
	h := fnv.New64a()
	var b [8]byte
	for _, s := range stream {
		for i := range b {
			b[i] = byte(s >> (8 * i))
		}
		h.Write(b[:])
	}
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// snowflake makes a Mastodon-style id: milliseconds since the epoch shifted
// left 16 bits plus 16 random bits, so ids sort by time.
func snowflake(t time.Time, low uint64) string {
	return strconv.FormatUint(uint64(t.UnixMilli())<<16|(low&0xffff), 10)
}

// tid makes an atproto TID record key from a time and a clock id.
func tid(t time.Time, clock uint64) string {
	v := uint64(t.UnixMicro())<<10 | (clock & 0x3ff)
	v &= 1<<63 - 1
	b := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		b[i] = alphaTID[v&31]
		v >>= 5
	}
	return string(b)
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// etagOf is a YouTube-style etag: 27 base64url characters of a content hash.
func etagOf(b []byte) string {
	h1 := fnv.New128a()
	h1.Write(b)
	sum := h1.Sum(nil)
	s := base64.RawURLEncoding.EncodeToString(append(sum, sum[:5]...))
	return s[:27]
}

// digitsFrom makes a decimal id of n digits from a hash, with a fixed prefix.
func digitsFrom(prefix string, n int, h uint64) string {
	var sb strings.Builder
	sb.WriteString(prefix)
	r := rand.New(rand.NewPCG(h, h>>7|1))
	for sb.Len() < n {
		sb.WriteByte(alphaDigits[r.IntN(10)])
	}
	return sb.String()
}

// cidFrom makes a CID-looking string (prefix plus 52 base32 characters)
// from a hash of parts.
func cidFrom(prefix string, parts ...string) string {
	h := hash64(parts...)
	return prefix + randString(rand.New(rand.NewPCG(h, h^0x9e3779b97f4a7c15)), alphaB32Lower, 52)
}
