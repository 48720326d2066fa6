// Package web is creatorscout's browser UI: a handful of static files
// (web/static: one HTML page, one script, one style sheet) embedded in the
// binary and served by Handler. There is no build step and nothing is loaded
// from another origin, so the UI runs under the API's strict CSP
// (default-src 'self'): no inline script or style, no eval.
//
// The page is a client of the public JSON API under /v1, with hash routes
// for the search, creator, list, saved-search and hashtag and brand report
// views. Everything the API returns is treated as untrusted: the script
// builds every node with textContent and setAttribute on safe attributes,
// and it links only http and https URLs.
//
// The subpackage webtest drives a real headless Chromium through
// chromedriver for the browser tests.
package web
