// Package html is the source for HTML profile pages on any host: the
// fallback for every network's public web profile and the only way in for
// personal sites.
//
// One page can carry several signals. Parse reads them all and merges them
// field by field in this order, each filling only what the ones before it
// left unknown:
//
//  1. schema.org ProfilePage JSON-LD (Person or Organization as mainEntity,
//     inline or by @id, in @graph or not, @type as a string or an array;
//     interactionStatistic FollowAction = followers;
//     agentInteractionStatistic FollowAction = following, WriteAction =
//     posts) and the SocialMediaPosting objects the same person authored;
//  2. TikTok's __UNIVERSAL_DATA_FOR_REHYDRATION__ (the exact statsV2
//     strings are preferred over the rounded stats numbers), or the older
//     SIGI_STATE (UserModule and ItemModule keyed by handle and id); a
//     page whose user-detail says the account does not exist gives no
//     creator;
//  3. the representative microformats2 h-card (the card whose u-uid and
//     u-url are the page, or whose u-url is a rel=me link, or the only card
//     on the page whose u-url is the page; never another person's card) and
//     the page's rel=me links, which tie one creator together across
//     networks (Creator.Links);
//  4. OpenGraph and Twitter meta, including Instagram's og:description
//     "12.3K Followers, 512 Following, 845 Posts - See Instagram photos and
//     videos from Name (@handle)" with abbreviated, localized numbers.
//
// Hashtag pages (schema.org CollectionPage whose mainEntity is an ItemList
// of profile URLs, or failing that plain links to profile-like URLs) yield
// no creator, only profile Requests.
//
// The platform comes from the host (instagram.com, tiktok.com, youtube.com,
// bsky.app, known Mastodon instances), from Options.Hosts entries written
// "host=platform" (for loopback servers), or for /@user paths from Mastodon
// markers in the page; everything else is "web". A page never claims a named
// network from its content alone, so a random site cannot pose as an
// Instagram account.
//
// Pages that ask not to be indexed (<meta name="robots"> or X-Robots-Tag
// with noindex or none, unqualified or addressed to creatorscout) never
// yield creators or posts; the account is listed in Result.OptedOut.
// "noai" and "noimageai" are not indexing opt-outs.
//
// Unknown numbers stay nil: a count that is missing, of the wrong type, an
// unrendered template ("{{followers}}") or otherwise unreadable is reported
// in a *source.ParseError beside the partial Result, never stored as 0.
// Disclosure and brands are left to the analysis in package creator.
package html
