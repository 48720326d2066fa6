// Package config loads creatorscout's one YAML file over built-in defaults,
// applies CREATORSCOUT_* environment overrides and validates the result.
//
// Decoding is strict: an unknown key is an error, and every error names the
// key and, when it came from the file, the line. No package reads config
// globally: cmd/creatorscout loads it and passes values in.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/creatorscout/creatorscout/creator"
)

// Config is the whole file. See creatorscout.example.yaml for every key.
type Config struct {
	DataDir  string   `yaml:"data_dir"`
	Log      Log      `yaml:"log"`
	API      API      `yaml:"api"`
	Crawler  Crawler  `yaml:"crawler"`
	Sources  Sources  `yaml:"sources"`
	Analysis Analysis `yaml:"analysis"`
	Jobs     Jobs     `yaml:"jobs"`
	Schedule Schedule `yaml:"schedule"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

// API configures the HTTP server.
type API struct {
	Addr              string        `yaml:"addr"`
	BodyLimit         ByteSize      `yaml:"body_limit"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	SearchTimeout     time.Duration `yaml:"search_timeout"`
	CORSOrigins       []string      `yaml:"cors_origins"`
	TrustedProxies    []string      `yaml:"trusted_proxies"`
	RateLimit         RateLimit     `yaml:"rate_limit"`
	Keys              []APIKey      `yaml:"keys"`
}

// RateLimit is a token bucket: Rate requests per second, Burst at once.
type RateLimit struct {
	Rate  float64 `yaml:"rate"`
	Burst int     `yaml:"burst"`
}

// APIKey is one API key, stored as the hex SHA-256 of the key.
type APIKey struct {
	Name   string `yaml:"name"`
	SHA256 string `yaml:"sha256"`
	Scope  string `yaml:"scope"` // read or admin
}

// Crawler configures politeness, limits and traps.
type Crawler struct {
	UserAgent       string        `yaml:"user_agent"`
	Parallelism     int           `yaml:"parallelism"`
	RespectRobots   bool          `yaml:"respect_robots"`
	DefaultRate     float64       `yaml:"default_rate"`
	DefaultBurst    int           `yaml:"default_burst"`
	Hosts           []HostRule    `yaml:"hosts"`
	CrawlDelayCap   time.Duration `yaml:"crawl_delay_cap"`
	RequestTimeout  time.Duration `yaml:"request_timeout"`
	HeaderTimeout   time.Duration `yaml:"header_timeout"`
	MaxBodyBytes    ByteSize      `yaml:"max_body_bytes"`
	MaxRedirects    int           `yaml:"max_redirects"`
	MaxURLLength    int           `yaml:"max_url_length"`
	MaxDepth        int           `yaml:"max_depth"`
	MaxPages        int           `yaml:"max_pages"`
	MaxPagesPerHost int           `yaml:"max_pages_per_host"`
	MaxRetries      int           `yaml:"max_retries"`
	BackoffBase     time.Duration `yaml:"backoff_base"`
	BackoffMax      time.Duration `yaml:"backoff_max"`
	Freshness       time.Duration `yaml:"freshness"`
	AllowLoopback   bool          `yaml:"allow_loopback"`
	AllowedCIDRs    []string      `yaml:"allowed_cidrs"`
	// FollowContactLinks fetches the link-in-bio pages and website (home,
	// about, contact) a creator's profile links to, at most 3 per creator,
	// for the e-mails and links they give.
	FollowContactLinks bool `yaml:"follow_contact_links"`
}

// HostRule sets the rate for hosts matching Glob ("*.example.com", "127.0.0.1:*").
type HostRule struct {
	Glob     string  `yaml:"glob"`
	Rate     float64 `yaml:"rate"`
	Burst    int     `yaml:"burst"`
	MaxConns int     `yaml:"max_conns"`
}

// Sources configures each source format: where its API lives and its credentials.
type Sources struct {
	Mastodon  Source `yaml:"mastodon"`
	Bluesky   Source `yaml:"bluesky"`
	YouTube   Source `yaml:"youtube"`
	Instagram Source `yaml:"instagram"`
	HTML      Source `yaml:"html"`
}

// Source is one source's settings.
type Source struct {
	Enabled         bool          `yaml:"enabled"`
	BaseURL         string        `yaml:"base_url"`
	Instances       []string      `yaml:"instances"` // extra base URLs (Mastodon instances) for hashtag jobs
	APIKey          string        `yaml:"api_key"`
	AccessToken     string        `yaml:"access_token"`
	UserID          string        `yaml:"user_id"` // Instagram: the IG user id the Graph API calls are made as
	Hosts           []string      `yaml:"hosts"`   // extra hosts whose pages this source reads
	PostsPerCreator int           `yaml:"posts_per_creator"`
	Quota           int           `yaml:"quota"`        // units (YouTube) or calls (Graph API) per quota window
	QuotaWindow     time.Duration `yaml:"quota_window"` // 24h for YouTube, 1h for the Graph API
}

// Analysis configures the analysis window, tiers and brand aliases.
type Analysis struct {
	WindowPosts int                 `yaml:"window_posts"`
	WindowDays  int                 `yaml:"window_days"`
	Tiers       Tiers               `yaml:"tiers"`
	Brands      map[string][]string `yaml:"brands"` // brand -> handles and aliases
	Niches      map[string][]string `yaml:"niches"` // extra niches or keywords: niche -> keywords/#hashtags
	Prices      Prices              `yaml:"prices"`
}

// Prices is the basis of the price-per-post estimate: a range per tier for
// one Instagram post, a multiplier per platform and multipliers for
// engagement above or below the tier's expected band.
type Prices struct {
	Currency       string                `yaml:"currency"`
	Base           map[string]PriceRange `yaml:"base"`            // tier -> range
	PlatformFactor map[string]float64    `yaml:"platform_factor"` // platform -> multiplier
	HighERFactor   float64               `yaml:"high_er_factor"`
	LowERFactor    float64               `yaml:"low_er_factor"`
	Source         string                `yaml:"source"` // the basis, shown with every estimate
}

// PriceRange is a price per post; no max means "and up".
type PriceRange struct {
	Min float64  `yaml:"min"`
	Max *float64 `yaml:"max"`
}

// PriceTable converts the config to the analysis' price table.
func (p Prices) PriceTable() creator.PriceTable {
	t := creator.PriceTable{
		Currency: p.Currency, PlatformFactor: p.PlatformFactor,
		HighERFactor: p.HighERFactor, LowERFactor: p.LowERFactor, Source: p.Source,
		Base: map[string]creator.PriceRange{},
	}
	for tier, r := range p.Base {
		t.Base[tier] = creator.PriceRange{Min: r.Min, Max: r.Max}
	}
	return t
}

func defaultPrices() Prices {
	t := creator.DefaultPriceTable()
	p := Prices{
		Currency: t.Currency, PlatformFactor: t.PlatformFactor,
		HighERFactor: t.HighERFactor, LowERFactor: t.LowERFactor, Source: t.Source,
		Base: map[string]PriceRange{},
	}
	for tier, r := range t.Base {
		p.Base[tier] = PriceRange{Min: r.Min, Max: r.Max}
	}
	return p
}

// Tiers are the lower follower bounds of micro, macro and mega.
type Tiers struct {
	Micro int64 `yaml:"micro"`
	Macro int64 `yaml:"macro"`
	Mega  int64 `yaml:"mega"`
}

// Jobs are the discovery jobs a crawl runs when none is given on the CLI.
type Jobs struct {
	Hashtags []string `yaml:"hashtags"`
	Profiles []string `yaml:"profiles"` // handles (platform:handle) or profile URLs
	Brands   []string `yaml:"brands"`
	Snowball Snowball `yaml:"snowball"`
}

// Snowball bounds discovery of creators mentioned by creators already found.
type Snowball struct {
	Depth  int `yaml:"depth"`
	Budget int `yaml:"budget"`
}

// Schedule is when the nightly crawl runs under `serve`.
type Schedule struct {
	Cron     string        `yaml:"cron"`
	TimeZone string        `yaml:"time_zone"`
	Jitter   time.Duration `yaml:"jitter"`
	Refresh  Refresh       `yaml:"refresh"`
}

// Refresh is the nightly crawl's refresh policy: how old a creator's data
// may get before a night refetches it, and what a night reports.
type Refresh struct {
	// Intervals by tier; Unknown is for creators whose tier is not known.
	Nano    time.Duration `yaml:"nano"`
	Micro   time.Duration `yaml:"micro"`
	Macro   time.Duration `yaml:"macro"`
	Mega    time.Duration `yaml:"mega"`
	Unknown time.Duration `yaml:"unknown"`
	// A creator whose last post is older than InactiveAfter is refreshed
	// every InactiveInterval (or its tier's interval, when longer).
	InactiveAfter    time.Duration `yaml:"inactive_after"`
	InactiveInterval time.Duration `yaml:"inactive_interval"`
	Slack            time.Duration `yaml:"slack"`
	GoneAfter        int           `yaml:"gone_after"`
	MaxCreators      int           `yaml:"max_creators"`
	FollowerJump     float64       `yaml:"follower_jump"`
	FollowerJumpMin  int64         `yaml:"follower_jump_min"`
	MaxSavedMatches  int           `yaml:"max_saved_matches"`
}

// Default returns the built-in defaults: polite, robots on, loopback closed.
func Default() Config {
	return Config{
		DataDir: "./data",
		Log:     Log{Level: "info", Format: "json"},
		API: API{
			Addr:              "127.0.0.1:8080",
			BodyLimit:         1 << 20,
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       15 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
			SearchTimeout:     5 * time.Second,
			RateLimit:         RateLimit{Rate: 20, Burst: 40},
		},
		Crawler: Crawler{
			UserAgent:       "creatorscout/0.1 (+https://github.com/creatorscout/creatorscout)",
			Parallelism:     16,
			RespectRobots:   true,
			DefaultRate:     1,
			DefaultBurst:    1,
			CrawlDelayCap:   30 * time.Second,
			RequestTimeout:  30 * time.Second,
			HeaderTimeout:   10 * time.Second,
			MaxBodyBytes:    5 << 20,
			MaxRedirects:    5,
			MaxURLLength:    2048,
			MaxDepth:        3,
			MaxPages:        100000,
			MaxPagesPerHost: 20000,
			MaxRetries:      3,
			BackoffBase:     60 * time.Second,
			BackoffMax:      24 * time.Hour,
			Freshness:       20 * time.Hour,
			// Contact pages: see crawler/contactlinks.go.
			FollowContactLinks: true,
		},
		Sources: Sources{
			Mastodon:  Source{Enabled: true, BaseURL: "https://mastodon.social", PostsPerCreator: 40},
			Bluesky:   Source{Enabled: true, BaseURL: "https://public.api.bsky.app", PostsPerCreator: 30},
			YouTube:   Source{Enabled: true, BaseURL: "https://www.googleapis.com", PostsPerCreator: 20, Quota: 10000, QuotaWindow: 24 * time.Hour},
			Instagram: Source{Enabled: true, BaseURL: "https://graph.facebook.com/v21.0", PostsPerCreator: 20, Quota: 200, QuotaWindow: time.Hour},
			HTML:      Source{Enabled: true},
		},
		Analysis: Analysis{
			WindowPosts: 30,
			WindowDays:  90,
			Tiers:       Tiers{Micro: 10_000, Macro: 100_000, Mega: 1_000_000},
			Prices:      defaultPrices(),
		},
		Jobs: Jobs{Snowball: Snowball{Depth: 1, Budget: 500}},
		Schedule: Schedule{Cron: "0 2 * * *", TimeZone: "UTC", Jitter: 10 * time.Minute, Refresh: Refresh{
			Nano: 7 * 24 * time.Hour, Micro: 48 * time.Hour, Macro: 24 * time.Hour, Mega: 24 * time.Hour, Unknown: 48 * time.Hour,
			InactiveAfter: 60 * 24 * time.Hour, InactiveInterval: 14 * 24 * time.Hour, Slack: 6 * time.Hour,
			GoneAfter: 5, FollowerJump: 0.10, FollowerJumpMin: 100, MaxSavedMatches: 1000,
		}},
	}
}

// Load reads path (empty means defaults only), applies environment
// overrides from env (os.Environ() form) and validates.
func Load(path string, env []string) (Config, error) {
	cfg := Default()
	var lines map[string]int
	if path != "" {
		data, err := readConfigFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if lines, err = decode(data, &cfg); err != nil {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	fromEnv, err := applyEnv(&cfg, env)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		var ke *KeyError
		if errors.As(err, &ke) {
			// A value the environment set is named by its variable, not by
			// a line of the file it replaced.
			for key, name := range fromEnv {
				if ke.Key == key || strings.HasPrefix(ke.Key, key+".") || strings.HasPrefix(key, ke.Key+".") {
					return cfg, fmt.Errorf("config: %s: %w", name, ke)
				}
			}
		}
		if errors.As(err, &ke) && path != "" {
			if l, ok := lines[ke.Key]; ok {
				ke.Line = l
			}
			return cfg, fmt.Errorf("config: %s: %w", path, ke)
		}
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// MaxFileSize bounds a config file: the documented example is 7.5 KB,
// and a 50 MB list took 15 s and 1.1 GB to decode.
const MaxFileSize = 1 << 20

// readConfigFile reads a config file of at most MaxFileSize bytes.
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is over %d bytes: not a config file", path, MaxFileSize)
	}
	return data, nil
}

// Parse decodes YAML bytes over the defaults and validates, for tests and
// for callers that already hold the bytes.
func Parse(data []byte) (Config, error) {
	cfg := Default()
	lines, err := decode(data, &cfg)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		var ke *KeyError
		if errors.As(err, &ke) {
			ke.Line = lines[ke.Key]
		}
		return cfg, err
	}
	return cfg, nil
}

// decode strictly decodes data into cfg and returns the line of every key.
func decode(data []byte, cfg *Config) (map[string]int, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	lines := map[string]int{}
	collectLines(&root, "", lines)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF and leaves the defaults.
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return lines, nameKeys(err, lines)
	}
	return lines, nil
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// nameKeys rewrites yaml's "line N: ..." messages to "line N: key: ..." so
// every decode error names the key as well as the line.
func nameKeys(err error, lines map[string]int) error {
	byLine := map[int]string{}
	for k, l := range lines {
		if cur, ok := byLine[l]; !ok || len(k) > len(cur) {
			byLine[l] = k
		}
	}
	msg := lineRE.ReplaceAllStringFunc(err.Error(), func(m string) string {
		n, _ := strconv.Atoi(lineRE.FindStringSubmatch(m)[1])
		if k, ok := byLine[n]; ok {
			return m + k + ": "
		}
		return m
	})
	return errors.New(msg)
}

func collectLines(n *yaml.Node, prefix string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectLines(c, prefix, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if prefix != "" {
				key = prefix + "." + key
			}
			lines[key] = n.Content[i].Line
			collectLines(n.Content[i+1], key, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			key := fmt.Sprintf("%s[%d]", prefix, i)
			lines[key] = c.Line
			collectLines(c, key, lines)
		}
	}
}

// KeyError is a validation error that names the key and, when known, the line.
type KeyError struct {
	Key  string
	Line int
	Msg  string
}

func (e *KeyError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Key, e.Msg)
}

func keyErr(key, format string, args ...any) error {
	return &KeyError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// ByteSize is a size in bytes written as 1048576, "1MiB", "512KiB" or "5MB".
type ByteSize int64

// UnmarshalYAML parses a byte size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = v
	return nil
}

// ParseByteSize parses "1048576", "1MiB", "512KiB", "5MB", "2GiB".
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000_000}, {"GB", 1000_000_000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 1048576, 512KiB or 5MiB", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	return ByteSize(n * mult), nil
}
