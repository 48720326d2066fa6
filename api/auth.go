package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/creatorscout/creatorscout/creator"
)

// HeaderAPIKey is the alternative to "Authorization: Bearer KEY".
const HeaderAPIKey = "X-API-Key"

// HashKey returns the hex SHA-256 of an API key: what Config.Keys holds.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

type parsedKey struct {
	name  string
	hash  [sha256.Size]byte
	scope string
}

func parseKeys(keys []Key) ([]parsedKey, error) {
	out := make([]parsedKey, 0, len(keys))
	names := map[string]bool{}
	for i, k := range keys {
		field := func(f string) string { return fmt.Sprintf("keys[%d].%s", i, f) }
		if strings.TrimSpace(k.Name) == "" {
			return nil, fmt.Errorf("api: %w", creator.Invalid(field("name"), "is empty"))
		}
		if names[k.Name] {
			return nil, fmt.Errorf("api: %w", creator.Invalid(field("name"), "%q is used twice", k.Name))
		}
		names[k.Name] = true
		b, err := hex.DecodeString(strings.TrimSpace(k.Hash))
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("api: %w", creator.Invalid(field("hash"), "must be the 64 hex digits of the key's SHA-256"))
		}
		if k.Scope != ScopeRead && k.Scope != ScopeAdmin {
			return nil, fmt.Errorf("api: %w", creator.Invalid(field("scope"), "%q is not %s or %s", k.Scope, ScopeRead, ScopeAdmin))
		}
		pk := parsedKey{name: k.Name, scope: k.Scope}
		copy(pk.hash[:], b)
		out = append(out, pk)
	}
	return out, nil
}

// presentedKey returns the key a request carries, from
// "Authorization: Bearer KEY" or X-API-Key, and whether it carries one.
// Keys in the URL are not accepted: URLs end up in logs. conflict names
// the header at fault when the request carries more than one credential
// (both headers, or one of them twice): which one counts would be a guess.
func presentedKey(r *http.Request) (key string, sent bool, conflict string) {
	auth, apiKey := r.Header.Values("Authorization"), r.Header.Values(HeaderAPIKey)
	switch {
	case len(auth) > 0 && len(apiKey) > 0:
		return "", true, HeaderAPIKey
	case len(auth) > 1:
		return "", true, "Authorization"
	case len(apiKey) > 1:
		return "", true, HeaderAPIKey
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(key), true, ""
		}
		return "", true, "" // some other scheme: a credential, but not one of ours
	}
	if k := r.Header.Get(HeaderAPIKey); k != "" {
		return strings.TrimSpace(k), true, ""
	}
	return "", false, ""
}

// lookupKey hashes the presented key and compares it with every configured
// hash in constant time, without stopping at a match.
func (s *Server) lookupKey(key string) (parsedKey, bool) {
	sum := sha256.Sum256([]byte(key))
	found := -1
	for i := range s.keys {
		if subtle.ConstantTimeCompare(sum[:], s.keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 || key == "" {
		return parsedKey{}, false
	}
	return s.keys[found], true
}

func scopeAllows(have, need string) bool {
	switch need {
	case ScopePublic:
		return true
	case ScopeRead:
		return have == ScopeRead || have == ScopeAdmin
	case ScopeAdmin:
		return have == ScopeAdmin
	}
	return false
}
