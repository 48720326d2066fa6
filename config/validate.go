package config

import (
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/creatorscout/creatorscout/creator"
)

// Validate checks every value and returns a *KeyError naming the first bad key.
func (c *Config) Validate() error {
	// NaN compares false with everything, so it would pass every range
	// check below: no number in the config may be NaN or infinite.
	if key := nonFinite(reflect.ValueOf(c).Elem(), ""); key != "" {
		return keyErr(key, "must be a finite number")
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return keyErr("data_dir", "must not be empty")
	}
	if !oneOf(c.Log.Level, "debug", "info", "warn", "error") {
		return keyErr("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if !oneOf(c.Log.Format, "json", "text") {
		return keyErr("log.format", "%q is not json or text", c.Log.Format)
	}
	if err := c.API.validate(); err != nil {
		return err
	}
	if err := c.Crawler.validate(); err != nil {
		return err
	}
	for _, s := range []struct {
		key string
		src *Source
	}{
		{"sources.mastodon", &c.Sources.Mastodon}, {"sources.bluesky", &c.Sources.Bluesky},
		{"sources.youtube", &c.Sources.YouTube}, {"sources.instagram", &c.Sources.Instagram},
		{"sources.html", &c.Sources.HTML},
	} {
		if err := s.src.validate(s.key); err != nil {
			return err
		}
	}
	a := c.Analysis
	if a.WindowPosts < 1 || a.WindowPosts > 1000 {
		return keyErr("analysis.window_posts", "must be between 1 and 1000, is %d", a.WindowPosts)
	}
	if a.WindowDays < 1 || a.WindowDays > 3650 {
		return keyErr("analysis.window_days", "must be between 1 and 3650, is %d", a.WindowDays)
	}
	if !(0 < a.Tiers.Micro && a.Tiers.Micro < a.Tiers.Macro && a.Tiers.Macro < a.Tiers.Mega) {
		return keyErr("analysis.tiers", "need 0 < micro < macro < mega, have %d, %d, %d", a.Tiers.Micro, a.Tiers.Macro, a.Tiers.Mega)
	}
	for brand, aliases := range a.Brands {
		if strings.TrimSpace(brand) == "" {
			return keyErr("analysis.brands", "a brand name is empty")
		}
		for _, al := range aliases {
			if strings.TrimSpace(al) == "" {
				return keyErr("analysis.brands."+brand, "an alias is empty")
			}
		}
	}
	for tier, r := range a.Prices.Base {
		if !oneOf(tier, creator.Tiers...) {
			return keyErr("analysis.prices.base."+tier, "%q is not a tier (nano, micro, macro, mega)", tier)
		}
		if r.Min < 0 || (r.Max != nil && *r.Max < r.Min) {
			return keyErr("analysis.prices.base."+tier, "needs 0 <= min <= max, has min %g", r.Min)
		}
	}
	for platform := range a.Prices.PlatformFactor {
		if !oneOf(platform, creator.Platforms...) {
			return keyErr("analysis.prices.platform_factor."+platform, "%q is not a platform (%s)", platform, strings.Join(creator.Platforms, ", "))
		}
	}
	if err := a.Prices.PriceTable().Validate(); err != nil {
		return keyErr("analysis."+creator.ErrorParam(err), "%s", creator.ErrorMessage(err))
	}
	for niche := range a.Niches {
		if strings.TrimSpace(niche) == "" {
			return keyErr("analysis.niches", "a niche name is empty")
		}
	}
	for i, t := range c.Jobs.Hashtags {
		t = strings.TrimPrefix(strings.TrimSpace(t), "#")
		if t == "" || strings.ContainsAny(t, " /?#&") {
			return keyErr(fmt.Sprintf("jobs.hashtags[%d]", i), "%q is not a hashtag", c.Jobs.Hashtags[i])
		}
	}
	for i, p := range c.Jobs.Profiles {
		p = strings.TrimSpace(p)
		if u, err := url.Parse(p); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			continue
		}
		if _, _, ok := creator.SplitID(strings.ToLower(p)); !ok {
			return keyErr(fmt.Sprintf("jobs.profiles[%d]", i), "%q is neither platform:handle (platform one of %s) nor an http(s) profile URL", p, strings.Join(creator.Platforms, ", "))
		}
	}
	if c.Jobs.Snowball.Depth < 0 || c.Jobs.Snowball.Depth > 5 {
		return keyErr("jobs.snowball.depth", "must be between 0 and 5, is %d", c.Jobs.Snowball.Depth)
	}
	if c.Jobs.Snowball.Budget < 0 {
		return keyErr("jobs.snowball.budget", "must be at least 0")
	}
	spec := strings.TrimSpace(c.Schedule.Cron)
	if strings.HasPrefix(spec, "@") || strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// Descriptors (@every -1h ran the job every second) and an inline
		// zone (schedule.time_zone is the zone) are not the five fields.
		return keyErr("schedule.cron", "%q: want the five standard fields (minute hour day-of-month month day-of-week), such as \"0 2 * * *\"", c.Schedule.Cron)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return keyErr("schedule.cron", "%q: %v", c.Schedule.Cron, err)
	}
	// "0 2 30 2 *" parses and never fires: the job would never run.
	if loc, lerr := time.LoadLocation(c.Schedule.TimeZone); lerr == nil {
		from := time.Date(2000, 1, 1, 0, 0, 0, 0, loc)
		if next := sched.Next(from); next.IsZero() || next.Sub(from) > 8*366*24*time.Hour {
			return keyErr("schedule.cron", "%q never fires", c.Schedule.Cron)
		}
	}
	if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil {
		return keyErr("schedule.time_zone", "%q is not a time zone such as Europe/London", c.Schedule.TimeZone)
	}
	if c.Schedule.Jitter < 0 || c.Schedule.Jitter > 6*time.Hour {
		return keyErr("schedule.jitter", "must be between 0 and 6h")
	}
	if err := c.Schedule.Refresh.validate(); err != nil {
		return err
	}
	return nil
}

func (a *API) validate() error {
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		return keyErr("api.addr", "%q is not host:port (%v)", a.Addr, err)
	}
	if a.BodyLimit < 1 || a.BodyLimit > 64<<20 {
		return keyErr("api.body_limit", "must be between 1 byte and 64MiB")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"api.read_header_timeout", a.ReadHeaderTimeout}, {"api.read_timeout", a.ReadTimeout},
		{"api.write_timeout", a.WriteTimeout}, {"api.idle_timeout", a.IdleTimeout},
		{"api.search_timeout", a.SearchTimeout},
	} {
		if d.v <= 0 {
			return keyErr(d.key, "must be a positive duration such as 5s")
		}
	}
	for i, o := range a.CORSOrigins {
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Scheme == "" || u.Host == "") {
			return keyErr(fmt.Sprintf("api.cors_origins[%d]", i), "%q is not an origin such as https://app.example.com", o)
		}
	}
	for i, p := range a.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return keyErr(fmt.Sprintf("api.trusted_proxies[%d]", i), "%q is not an IP or CIDR", p)
		}
	}
	if a.RateLimit.Rate <= 0 || a.RateLimit.Burst < 1 {
		return keyErr("api.rate_limit", "rate must be > 0 and burst >= 1")
	}
	names, hashes := map[string]int{}, map[string]int{}
	for i, k := range a.Keys {
		key := fmt.Sprintf("api.keys[%d]", i)
		if strings.TrimSpace(k.Name) == "" {
			return keyErr(key+".name", "must not be empty")
		}
		if j, dup := names[k.Name]; dup {
			return keyErr(key+".name", "%q is the name of api.keys[%d] too; names tell keys apart in logs and limits", k.Name, j)
		}
		names[k.Name] = i
		if j, dup := hashes[strings.ToLower(k.SHA256)]; dup {
			return keyErr(key+".sha256", "is api.keys[%d]'s too: one key, two names", j)
		}
		hashes[strings.ToLower(k.SHA256)] = i
		if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != 32 {
			return keyErr(key+".sha256", "must be the 64-hex-digit SHA-256 of the key (creatorscout hash-key prints it)")
		}
		if !oneOf(k.Scope, "read", "admin") {
			return keyErr(key+".scope", "%q is not read or admin", k.Scope)
		}
	}
	return nil
}

func (c *Crawler) validate() error {
	if strings.TrimSpace(c.UserAgent) == "" {
		return keyErr("crawler.user_agent", "must not be empty: hosts need to know who is crawling")
	}
	if c.Parallelism < 1 || c.Parallelism > 512 {
		return keyErr("crawler.parallelism", "must be between 1 and 512, is %d", c.Parallelism)
	}
	if c.DefaultRate <= 0 {
		return keyErr("crawler.default_rate", "must be > 0 requests per second")
	}
	if c.DefaultBurst < 1 {
		return keyErr("crawler.default_burst", "must be at least 1")
	}
	for i, h := range c.Hosts {
		key := fmt.Sprintf("crawler.hosts[%d]", i)
		if _, err := path.Match(h.Glob, "x"); err != nil || strings.TrimSpace(h.Glob) == "" {
			return keyErr(key+".glob", "%q is not a host glob such as *.example.com", h.Glob)
		}
		if h.Rate <= 0 {
			return keyErr(key+".rate", "must be > 0 requests per second")
		}
		if h.Burst < 0 || h.MaxConns < 0 {
			return keyErr(key, "burst and max_conns must not be negative")
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"crawler.request_timeout", c.RequestTimeout}, {"crawler.header_timeout", c.HeaderTimeout},
		{"crawler.backoff_base", c.BackoffBase}, {"crawler.backoff_max", c.BackoffMax},
	} {
		if d.v <= 0 {
			return keyErr(d.key, "must be a positive duration such as 30s")
		}
	}
	if c.CrawlDelayCap < 0 || c.Freshness < 0 {
		return keyErr("crawler", "crawl_delay_cap and freshness must not be negative")
	}
	if c.BackoffMax < c.BackoffBase {
		return keyErr("crawler.backoff_max", "is below backoff_base")
	}
	if c.MaxBodyBytes < 1024 {
		return keyErr("crawler.max_body_bytes", "must be at least 1KiB")
	}
	for _, n := range []struct {
		key string
		v   int
		min int
	}{
		{"crawler.max_redirects", c.MaxRedirects, 0}, {"crawler.max_url_length", c.MaxURLLength, 64},
		{"crawler.max_depth", c.MaxDepth, 0}, {"crawler.max_pages", c.MaxPages, 1},
		{"crawler.max_pages_per_host", c.MaxPagesPerHost, 1}, {"crawler.max_retries", c.MaxRetries, 0},
	} {
		if n.v < n.min {
			return keyErr(n.key, "must be at least %d, is %d", n.min, n.v)
		}
	}
	for i, cidr := range c.AllowedCIDRs {
		if _, _, err := net.ParseCIDR(cidr); err != nil {
			return keyErr(fmt.Sprintf("crawler.allowed_cidrs[%d]", i), "%q is not a CIDR such as 10.1.0.0/16", cidr)
		}
	}
	return nil
}

func (s *Source) validate(key string) error {
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyErr(key+".base_url", "%q is not an http(s) URL", s.BaseURL)
		}
	}
	for i, in := range s.Instances {
		if u, err := url.Parse(in); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyErr(fmt.Sprintf("%s.instances[%d]", key, i), "%q is not an http(s) URL", in)
		}
	}
	if s.PostsPerCreator < 0 || s.PostsPerCreator > 200 {
		return keyErr(key+".posts_per_creator", "must be between 0 and 200")
	}
	if s.Quota < 0 || s.QuotaWindow < 0 {
		return keyErr(key+".quota", "must not be negative")
	}
	return nil
}

// nonFinite returns the key (by yaml tags) of the first float in v that is
// NaN or infinite, or "".
func nonFinite(v reflect.Value, key string) string {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return key
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem(), key)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			sub := name
			if key != "" {
				sub = key + "." + name
			}
			if k := nonFinite(v.Field(i), sub); k != "" {
				return k
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if k := nonFinite(v.Index(i), fmt.Sprintf("%s[%d]", key, i)); k != "" {
				return k
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if k := nonFinite(iter.Value(), fmt.Sprintf("%s.%v", key, iter.Key())); k != "" {
				return k
			}
		}
	}
	return ""
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func (r *Refresh) validate() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"nano", r.Nano}, {"micro", r.Micro}, {"macro", r.Macro}, {"mega", r.Mega}, {"unknown", r.Unknown}} {
		if d.v <= 0 {
			return keyErr("schedule.refresh."+d.key, "refresh interval %s must be positive, e.g. 48h", d.v)
		}
	}
	switch {
	case r.InactiveAfter < 0:
		return keyErr("schedule.refresh.inactive_after", "must not be negative (0 turns it off)")
	case r.InactiveInterval < 0:
		return keyErr("schedule.refresh.inactive_interval", "must not be negative")
	case r.Slack < 0:
		return keyErr("schedule.refresh.slack", "must not be negative")
	case r.GoneAfter < 1:
		return keyErr("schedule.refresh.gone_after", "must be at least 1, is %d", r.GoneAfter)
	case r.MaxCreators < 0:
		return keyErr("schedule.refresh.max_creators", "must not be negative (0 is no cap)")
	case r.FollowerJump < 0:
		return keyErr("schedule.refresh.follower_jump", "must not be negative (0.1 is 10%%)")
	case r.FollowerJumpMin < 0:
		return keyErr("schedule.refresh.follower_jump_min", "must not be negative")
	case r.MaxSavedMatches < 0:
		return keyErr("schedule.refresh.max_saved_matches", "must not be negative")
	}
	return nil
}
