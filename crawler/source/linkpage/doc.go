// Package linkpage reads the pages a creator links to for contact: link-in-bio
// pages (Linktree, Beacons, lnk.bio, Carrd and their like) and the home,
// about and contact pages of the creator's own website. It is registered as
// "linkpage".
//
// A page is read for one creator: the Request that fetched it carries the
// creator's id in Meta[source.MetaCreatorID] (crawler/contactlinks.go queues
// these requests from the creator's profile). Parse returns no creators and
// no posts, only Result.Contacts: each e-mail address and outbound link the
// page gives, credited to that creator, with the page's URL and fetch time.
//
// What it reads, in this order:
//   - Linktree's Next.js data (<script id="__NEXT_DATA__">):
//     props.pageProps.account.links[] and props.pageProps.links[] ({title,
//     url, ...}), account.socialLinks[] and pageProps.socialLinks[] ({type,
//     url}; type EMAIL_ADDRESS is an address), and the description;
//   - schema.org JSON-LD: every "email" and "sameAs" anywhere in it;
//   - <a href>: mailto: addresses, Cloudflare-protected addresses
//     (data-cfemail) and links to other hosts;
//   - the visible text: plain addresses and obfuscated ones ("jane [at]
//     studio [dot] com").
//
// The link-in-bio service's own pages (linktr.ee/privacy), its own
// addresses (support@linktr.ee), site-builder credits ("Made with Carrd"),
// and image names that look like addresses (logo@2x.png) are not the
// creator's contacts and are dropped.
//
// On a page of the creator's own website (any host that is not a link-in-bio
// service) the about and contact pages it links to on the same host are
// queued, at most MaxFollow of them and only from the page the profile
// linked to (Meta[MetaContactHop] is "1" on those, and they are not followed
// further; Meta[source.MetaContactPage] still names the page the profile
// linked to, under which the sink files what they say). A page that asks not to be indexed (<meta name="robots"
// content="noindex">, X-Robots-Tag) gives no contacts; nofollow stops the
// follow-ups.
//
// The page is hostile input: Parse never panics, bounds what one page may
// contribute (MaxEmails, MaxLinks), and answers a body that is not HTML with
// source.ErrNotThisFormat.
package linkpage
