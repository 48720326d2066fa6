// Package instagram is the source for the Instagram Graph API (the
// "Instagram API with Facebook Login"): business_discovery for a
// professional account's profile and recent media, and ig_hashtag_search
// followed by recent_media for hashtag discovery (top_media responses, same
// shape, parse too).
//
// Configuration (source.Options): BaseURL is the versioned Graph API root
// (default https://graph.facebook.com/v21.0), Token the app user's access
// token, UserID the app user's own IG user id on whose behalf every call is
// made. The token travels as access_token in request URLs, as the API
// expects, and is stripped from every source_url and error this package
// produces.
//
// What the API leaves unknown stays unknown:
//
//   - Hidden likes. An account can hide like counts; the API then reports
//     like_count 0 (or leaves it out). A like_count of 0 is read as hidden,
//     and kept nil, when
//     (a) the same post has comments (people who comment also like), or
//     (b) another post of the same account in the response has likes
//     (per-post hiding), or
//     (c) another post of the same account shows (a) while none shows likes
//     (account-wide hiding).
//     Rules (b) and (c) need one account's media, so hashtag media (many
//     authors) get rule (a) only. A 0 with no such evidence, such as an
//     account whose every post has 0 likes and 0 comments, is kept as the
//     API's 0. A missing like_count or comments_count is nil.
//   - Views: business_discovery media carry none, so views are nil.
//   - Hashtag media carry no author (the API refuses the username field on
//     them). Such posts keep CreatorID empty: an @mention in a caption, even
//     of what looks like the author, is not proof of authorship. Mentioned
//     handles become business_discovery profile Requests instead, which is
//     how a hashtag job finds creators.
//
// Timestamps arrive as "2026-11-01T10:00:00+0000" (no colon in the offset).
// A Graph API error body {"error":{"message","type","code","error_subcode",
// "fbtrace_id"}} is returned as a *GraphError, which also unwraps to a
// *source.ParseError. Disclosure and brands are left to package creator.
package instagram
