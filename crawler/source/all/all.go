// Package all links in every source format. Import it for its side effect:
//
//	import _ "github.com/creatorscout/creatorscout/crawler/source/all"
package all

import (
	_ "github.com/creatorscout/creatorscout/crawler/source/bluesky"   // Bluesky AppView XRPC
	_ "github.com/creatorscout/creatorscout/crawler/source/html"      // schema.org, OpenGraph, h-card, TikTok pages
	_ "github.com/creatorscout/creatorscout/crawler/source/instagram" // Instagram Graph API
	_ "github.com/creatorscout/creatorscout/crawler/source/linkpage"  // link-in-bio, about and contact pages
	_ "github.com/creatorscout/creatorscout/crawler/source/mastodon"  // Mastodon REST API
	_ "github.com/creatorscout/creatorscout/crawler/source/youtube"   // YouTube Data API v3
)
