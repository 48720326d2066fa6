package bluesky

import "github.com/creatorscout/creatorscout/crawler/source/internal/tags"

// normTag is tags.Normalize, under the name bluesky.go uses.
func normTag(t string) string { return tags.Normalize(t) }
