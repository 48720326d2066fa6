package simnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Streams of the seeded generator, one per purpose.
const (
	streamPeople uint64 = iota + 1
	streamAccount
	streamPosts
	streamDay
	streamHosts
	streamBrand
	streamLinks
)

// New generates a network from o. It never fails: an invalid option is
// replaced by its default and reported by Start.
func New(o Options) *Network {
	n := &Network{opts: o}
	n.normalize()
	n.today = n.opts.Today
	n.modified = n.today
	n.cache = map[string]*resource{}
	n.generate()
	n.reindex()
	return n
}

func (n *Network) normalize() {
	o := &n.opts
	var errs []string
	if o.Creators < 0 {
		errs = append(errs, fmt.Sprintf("Creators %d is negative", o.Creators))
		o.Creators = 0
	}
	if o.Creators == 0 {
		o.Creators = 2000
	}
	if o.Platforms == nil {
		o.Platforms = DefaultMix
	}
	mix := map[string]float64{}
	total := 0.0
	for p, w := range o.Platforms {
		known := false
		for _, q := range Platforms {
			known = known || p == q
		}
		switch {
		case !known:
			errs = append(errs, fmt.Sprintf("Platforms: %q is not a platform (want one of %s)", p, strings.Join(Platforms, ", ")))
		case w < 0 || math.IsNaN(w) || math.IsInf(w, 0):
			errs = append(errs, fmt.Sprintf("Platforms[%q]: weight %v is not a non-negative number", p, w))
		case w > 0:
			mix[p] = w
			total += w
		}
	}
	if total == 0 {
		errs = append(errs, "Platforms: no platform has a positive weight; using the default mix")
		mix = map[string]float64{}
		for p, w := range DefaultMix {
			mix[p] = w
		}
	}
	total = 0
	for _, p := range Platforms { // a fixed order, so the sum is the same every time
		total += mix[p]
	}
	for p := range mix {
		mix[p] /= total
	}
	o.Platforms = mix
	if o.MastodonInstances < 0 {
		errs = append(errs, fmt.Sprintf("MastodonInstances %d is negative", o.MastodonInstances))
	}
	if o.MastodonInstances <= 0 {
		o.MastodonInstances = 4
	}
	if o.WebHosts < 0 {
		errs = append(errs, fmt.Sprintf("WebHosts %d is negative", o.WebHosts))
	}
	if o.WebHosts <= 0 {
		o.WebHosts = 3
	}
	if o.PadHTML < 0 {
		errs = append(errs, fmt.Sprintf("PadHTML %d is negative", o.PadHTML))
		o.PadHTML = 0
	}
	if o.YouTubeQuota < 0 {
		errs = append(errs, fmt.Sprintf("YouTubeQuota %d is negative", o.YouTubeQuota))
		o.YouTubeQuota = 0
	}
	if o.Today.IsZero() {
		o.Today = DefaultToday
	}
	o.Today = o.Today.UTC().Truncate(24 * time.Hour)
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.APIKey == "" {
		o.APIKey = "simnet-key"
	}
	if o.Token == "" {
		o.Token = "simnet-token"
	}
	if o.IGUserID == "" {
		o.IGUserID = "17841400000000001"
	}
	if len(errs) > 0 {
		n.err = fmt.Errorf("simnet: options: %s", strings.Join(errs, "; "))
	}
}

// gen holds generation state.
type gen struct {
	n       *Network
	taken   map[string]bool // platform/handle
	nextIdx int
	peers   map[string]map[int][]*account // platform -> niche -> accounts
}

func (n *Network) generate() {
	g := &gen{n: n, taken: map[string]bool{}, peers: map[string]map[int][]*account{}}
	g.hosts()
	g.people()
	g.brandAccounts()
	g.allPosts()
	g.robots()
	g.linkPages() // linkpage.go
}

func (g *gen) hosts() {
	n := g.n
	add := func(kind, name string) *host {
		h := &host{idx: len(n.hosts), kind: kind, name: name}
		h.addr = name + ".simnet.invalid"
		n.hosts = append(n.hosts, h)
		return h
	}
	has := func(p string) bool { return n.opts.Platforms[p] > 0 }
	if has(Mastodon) {
		for i := 0; i < n.opts.MastodonInstances; i++ {
			add(KindMastodon, fmt.Sprintf("mastodon-%d", i+1))
		}
	}
	if has(Bluesky) {
		add(KindBluesky, "bluesky-1")
	}
	if has(YouTube) {
		add(KindYouTube, "youtube-1")
	}
	if has(Instagram) {
		add(KindInstagram, "instagram-1")
	}
	if has(TikTok) {
		add(KindTikTok, "tiktok-1")
	}
	if has(Web) {
		locales := []string{"en", "en", "de", "fr", "ja"}
		for i := 0; i < n.opts.WebHosts; i++ {
			h := add(KindHTML, fmt.Sprintf("web-%d", i+1))
			h.style = i % 3
			h.locale = locales[i%len(locales)]
		}
	}
}

// quotas splits the creator count over platforms by largest remainder.
func (g *gen) quotas() map[string]int {
	o := g.n.opts
	q := map[string]int{}
	type rem struct {
		p string
		f float64
	}
	var rems []rem
	left := o.Creators
	for _, p := range Platforms {
		exact := o.Platforms[p] * float64(o.Creators)
		q[p] = int(exact)
		left -= q[p]
		rems = append(rems, rem{p, exact - float64(q[p])})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].f > rems[j].f })
	for i := 0; left > 0; i++ {
		if o.Platforms[rems[i%len(rems)].p] > 0 {
			q[rems[i%len(rems)].p]++
			left--
		}
	}
	return q
}

func weightedCity(r *rand.Rand) *City {
	total := 0
	for i := range cities {
		total += cities[i].weight
	}
	x := r.IntN(total)
	for i := range cities {
		x -= cities[i].weight
		if x < 0 {
			return &cities[i]
		}
	}
	return &cities[len(cities)-1]
}

func (g *gen) people() {
	n := g.n
	quota := g.quotas()
	r := newRand(n.opts.Seed, streamPeople)
	remaining := 0
	for _, v := range quota {
		remaining += v
	}
	masto := n.hostsOf(KindMastodon)
	webs := n.hostsOf(KindHTML)
	webNext := 0
	for pi := 0; remaining > 0; pi++ {
		p := &person{id: fmt.Sprintf("p%05d", pi)}
		p.first = firstNames[r.IntN(len(firstNames))]
		p.last = lastNames[r.IntN(len(lastNames))]
		p.niches = []int{pickNiche(r)}
		if r.Float64() < 0.4 {
			if s := pickNiche(r); s != p.niches[0] {
				p.niches = append(p.niches, s)
			}
		}
		switch u := r.Float64(); {
		case u < 0.12:
		case u < 0.16:
			c := weightedCity(r)
			p.countryOnly = c.Country
		default:
			p.city = weightedCity(r)
			if r.Float64() < 0.05 {
				c2 := weightedCity(r)
				if c2.Country == p.city.Country && c2 != p.city {
					p.city2 = c2
				}
			}
		}
		p.locStyle = r.IntN(9)
		p.lang = "en"
		cc := p.countryOnly
		if p.city != nil {
			cc = p.city.Country
		}
		if l := countries[cc].Lang; l != "en" && l != "" && r.Float64() < 0.5 {
			p.lang = l
		}
		if r.Float64() < 0.18 {
			p.pronouns = []string{"she/her", "he/him", "they/them", "she/they"}[r.IntN(4)]
		}
		p.slug = handleBase(p, r)
		k := 1
		if u := r.Float64(); u < 0.08 {
			k = 3
		} else if u < 0.30 {
			k = 2
		}
		// personZ makes follower counts of one person's accounts correlate.
		personZ := r.NormFloat64()
		for j := 0; j < k && remaining > 0; j++ {
			plat := pickPlatform(r, quota, p)
			if plat == "" {
				break
			}
			quota[plat]--
			remaining--
			var h *host
			switch plat {
			case Mastodon:
				h = masto[weightedIndex(r, len(masto))]
			case Web:
				h = webs[webNext%len(webs)]
				webNext++
			default:
				h = n.hostsOf(kindOf(plat))[0]
			}
			a := g.newCreator(p, plat, h, personZ)
			p.accounts = append(p.accounts, a)
		}
		n.persons = append(n.persons, p)
	}
}

func kindOf(platform string) string {
	switch platform {
	case Web:
		return KindHTML
	default:
		return platform
	}
}

// weightedIndex prefers the first of n items (a big instance and smaller ones).
func weightedIndex(r *rand.Rand, n int) int {
	total := 0.0
	for i := 0; i < n; i++ {
		total += 1 / (float64(i) + 1.5)
	}
	x := r.Float64() * total
	for i := 0; i < n; i++ {
		x -= 1 / (float64(i) + 1.5)
		if x < 0 {
			return i
		}
	}
	return n - 1
}

func pickNiche(r *rand.Rand) int {
	// A gentle skew: lifestyle niches are more common than B2B SaaS.
	w := func(i int) float64 { return 1.6 - float64(i%10)/10 }
	total := 0.0
	for i := range niches {
		total += w(i)
	}
	x := r.Float64() * total
	for i := range niches {
		x -= w(i)
		if x < 0 {
			return i
		}
	}
	return len(niches) - 1
}

func pickPlatform(r *rand.Rand, quota map[string]int, p *person) string {
	total := 0
	for _, pl := range Platforms {
		if quota[pl] > 0 && !hasPlatform(p, pl) {
			total += quota[pl]
		}
	}
	if total == 0 {
		return ""
	}
	x := r.IntN(total)
	for _, pl := range Platforms {
		if quota[pl] > 0 && !hasPlatform(p, pl) {
			x -= quota[pl]
			if x < 0 {
				return pl
			}
		}
	}
	return ""
}

func hasPlatform(p *person, pl string) bool {
	for _, a := range p.accounts {
		if a.platform == pl {
			return true
		}
	}
	return false
}

var nicheHandleWord = map[string]string{
	"beauty": "glam", "skincare": "skin", "fitness": "lifts", "yoga": "flows", "running": "runs", "food": "cooks",
	"vegan": "plants", "baking": "bakes", "local-food": "eats", "gaming": "plays", "parenting": "family",
	"personal-finance": "money", "b2b-saas": "builds", "tech": "tech", "sustainability": "green", "fashion": "style",
	"travel": "travels", "pets": "andthedog", "education": "teaches", "home-diy": "makes", "photography": "shoots",
	"music": "music", "books": "reads", "wellness": "wellness", "outdoors": "outside", "cycling": "rides",
	"coffee": "coffee", "beer-wine": "pours", "cars": "drives", "art": "draws",
}

var nicheEmoji = map[string]string{
	"beauty": "💄", "skincare": "🧴", "fitness": "💪", "yoga": "🧘", "running": "🏃", "food": "🍳", "vegan": "🌱",
	"baking": "🥐", "local-food": "🍜", "gaming": "🎮", "parenting": "👶", "personal-finance": "💸", "b2b-saas": "📈",
	"tech": "💻", "sustainability": "♻️", "fashion": "👗", "travel": "✈️", "pets": "🐶", "education": "📚",
	"home-diy": "🔨", "photography": "📷", "music": "🎸", "books": "📖", "wellness": "🌿", "outdoors": "⛰️",
	"cycling": "🚴", "coffee": "☕", "beer-wine": "🍷", "cars": "🚗", "art": "🎨",
}

// ascii folds a name to lower-case ASCII letters and digits.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø' || r == 'Ø':
			b.WriteByte('o')
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func handleBase(p *person, r *rand.Rand) string {
	f, l := ascii(p.first), ascii(p.last)
	w := nicheHandleWord[niches[p.niches[0]].Name]
	switch r.IntN(7) {
	case 0:
		return f + l
	case 1:
		return f + "." + l
	case 2:
		return f + "_" + w
	case 3:
		return "the" + f + w
	case 4:
		return fmt.Sprintf("%s%s%02d", f, l, r.IntN(100))
	case 5:
		return f + "." + w
	default:
		return f + l[:1] + w
	}
}

// platformHandle makes base valid and unique on a platform.
func (g *gen) platformHandle(platform, base string) string {
	clean := func(keep string, repl byte) string {
		var b strings.Builder
		for i := 0; i < len(base); i++ {
			c := base[i]
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				b.WriteByte(c)
			case strings.IndexByte(keep, c) >= 0:
				b.WriteByte(c)
			default:
				b.WriteByte(repl)
			}
		}
		return b.String()
	}
	var h string
	switch platform {
	case Mastodon:
		h = clean("_", '_')
	case Bluesky:
		h = clean("-", '-')
	case Web:
		h = clean("-_", '-')
	default:
		h = clean("._", '_')
	}
	if len(h) > 24 {
		h = h[:24]
	}
	cand := h
	for i := 2; ; i++ {
		full := cand
		if platform == Bluesky {
			full = cand + ".bsky.social"
		}
		if !g.taken[platform+"/"+full] && !reservedHandle(full) {
			g.taken[platform+"/"+full] = true
			return full
		}
		cand = fmt.Sprintf("%s%d", h, i)
	}
}

func reservedHandle(h string) bool {
	switch h {
	case "tags", "tag", "private", "u", "creators", "api", "xrpc", "youtube", "robots", "sitemap":
		return true
	}
	return false
}

// Follower model: log-normal around 22k, truncated to [1k, 5M].
const (
	followersMedian = 22000.0
	followersSigma  = 1.45
	followersMin    = 1000.0
	followersMax    = 5_000_000.0
)

func drawFollowers(r *rand.Rand, personZ float64) float64 {
	for i := 0; i < 20; i++ {
		z := 0.8*personZ + 0.6*r.NormFloat64()
		f := followersMedian * math.Exp(followersSigma*z)
		if f >= followersMin && f <= followersMax {
			return math.Round(f)
		}
		personZ = r.NormFloat64()
	}
	return followersMedian
}

// Tier boundaries, as the product defines them.
func tierOf(f float64) string {
	switch {
	case f < 10_000:
		return "nano"
	case f < 100_000:
		return "micro"
	case f < 1_000_000:
		return "macro"
	default:
		return "mega"
	}
}

// erBands are the engagement-rate bands real creators fall in by tier.
var erBands = map[string][2]float64{
	"nano":  {0.04, 0.08},
	"micro": {0.02, 0.05},
	"macro": {0.01, 0.02},
	"mega":  {0.003, 0.015},
}

// erCurve is the median engagement rate at a follower count: piecewise
// linear in log10(followers).
func erCurve(f float64) float64 {
	pts := [][2]float64{{3, 0.068}, {4, 0.047}, {5, 0.021}, {6, 0.0115}, {6.7, 0.007}}
	x := math.Log10(f)
	if x <= pts[0][0] {
		return pts[0][1]
	}
	for i := 1; i < len(pts); i++ {
		if x <= pts[i][0] {
			a, b := pts[i-1], pts[i]
			t := (x - a[0]) / (b[0] - a[0])
			return a[1] + t*(b[1]-a[1])
		}
	}
	return pts[len(pts)-1][1]
}

func drawER(r *rand.Rand, f float64) float64 {
	er := erCurve(f) * math.Exp(0.18*r.NormFloat64())
	band := erBands[tierOf(f)]
	lo, hi := band[0]*1.08, band[1]*0.9
	return math.Min(hi, math.Max(lo, er))
}

func (g *gen) newCreator(p *person, plat string, h *host, personZ float64) *account {
	n := g.n
	idx := g.nextIdx
	g.nextIdx++
	r := newRand(n.opts.Seed, streamAccount, uint64(idx))
	a := &account{idx: idx, platform: plat, host: h, person: p}
	a.handle = g.platformHandle(plat, p.slug)
	a.followers = drawFollowers(r, personZ)
	a.erBase = drawER(r, a.followers)
	a.following = int64(math.Min(7500, math.Max(12, math.Round(380*math.Exp(0.9*r.NormFloat64())))))
	a.olderPosts = int64(30 + r.IntN(2400))
	a.growth = 0.002 + 0.003*r.NormFloat64()
	if r.Float64() < 0.1 {
		a.growth = -0.001 - 0.002*r.Float64()
	}
	a.cadence = 0.15 + 1.05*r.Float64()
	a.created = n.today.AddDate(-1-r.IntN(8), -r.IntN(12), -r.IntN(28)).Add(time.Duration(r.IntN(86400)) * time.Second)
	a.updated = n.today
	a.pronouns = p.pronouns
	a.display = displayName(p, plat, r)
	a.emoji = plat == Mastodon && r.Float64() < 0.12
	if r.Float64() < 0.3 {
		a.email = emailFor(p, r)
	}
	switch plat {
	case Mastodon:
		a.pid = snowflake(a.created, r.Uint64())
		switch u := r.Float64(); {
		case u < 0.05:
			a.optOut = OptOutUndiscoverable
		case u < 0.08:
			a.optOut = OptOutNoindex
		case u < 0.11:
			a.optOut = OptOutNotIndexable
		case u < 0.14:
			a.optOut = OptOutIndexableAbsent
		}
	case Bluesky:
		a.pid = "did:plc:" + randString(r, alphaB32Lower, 24)
		if r.Float64() < 0.05 {
			a.optOut = OptOutNoUnauthenticated
		}
		a.verified = a.followers > 500_000 && r.Float64() < 0.5
	case YouTube:
		tail := randString(r, alphaB64URL, 21) + string("AQgw"[r.IntN(4)])
		a.pid = "UC" + tail
		a.pid2 = "UU" + tail
		a.hiddenFollowers = r.Float64() < 0.06
		a.commentsOffRate = 0.05
	case Instagram:
		a.pid = digitsFrom("17841", 17, r.Uint64())
		a.hiddenLikes = r.Float64() < 0.08
	case TikTok:
		a.pid = digitsFrom(string("67"[r.IntN(2)]), 19, r.Uint64())
		a.pid2 = "MS4wLjABAAAA" + randString(r, alphaB64URL, 64)
		a.verified = a.followers > 300_000 && r.Float64() < 0.6
	case Web:
		a.pid = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, 0x8000|r.Uint32()&0x3fff, r.Uint64()&0xffffffffffff)
		if r.Float64() < 0.06 {
			a.optOut = OptOutMetaNoindex
		}
	}
	a.locRaw = locationText(p, r)
	a.locInBio = true
	if plat == Mastodon && r.Float64() < 0.5 {
		a.locInBio = false // written into a profile field instead
	}
	a.bio = bioFor(a, r)
	n.accounts = append(n.accounts, a)
	if g.peers[plat] == nil {
		g.peers[plat] = map[int][]*account{}
	}
	g.peers[plat][p.niches[0]] = append(g.peers[plat][p.niches[0]], a)
	return a
}

func (g *gen) brandAccounts() {
	n := g.n
	n.brandAcct = map[string]map[string]*account{}
	for _, plat := range []string{Mastodon, Bluesky, Instagram} {
		hs := n.hostsOf(kindOf(plat))
		if len(hs) == 0 {
			continue
		}
		n.brandAcct[plat] = map[string]*account{}
		for bi := range brands {
			b := &brands[bi]
			idx := g.nextIdx
			g.nextIdx++
			r := newRand(n.opts.Seed, streamBrand, uint64(bi), hash64(plat))
			a := &account{idx: idx, platform: plat, host: hs[0], brand: b}
			switch plat {
			case Bluesky:
				a.handle = b.Handle + ".bsky.social"
				a.pid = "did:plc:" + randString(r, alphaB32Lower, 24)
			case Mastodon:
				a.handle = b.Handle
				a.created = n.today.AddDate(-3-r.IntN(3), -r.IntN(12), 0)
				a.pid = snowflake(a.created, r.Uint64())
			default:
				a.handle = b.Handle
				a.pid = digitsFrom("17841", 17, r.Uint64())
			}
			if a.created.IsZero() {
				a.created = n.today.AddDate(-3-r.IntN(3), -r.IntN(12), 0)
			}
			a.updated = n.today
			a.display = b.Name
			a.followers = math.Round(40000 * math.Exp(1.2*r.NormFloat64()+1))
			a.following = int64(50 + r.IntN(900))
			a.olderPosts = int64(200 + r.IntN(3000))
			a.erBase = erCurve(a.followers) / 3
			a.bio = fmt.Sprintf("The official account of %s %s. Tag us to be featured.", b.Name, nicheEmoji[b.Niches[0]])
			n.accounts = append(n.accounts, a)
			n.brandAcct[plat][b.Handle] = a
		}
	}
}

func (g *gen) allPosts() {
	n := g.n
	for _, a := range n.accounts {
		if a.isBrand() {
			continue
		}
		r := newRand(n.opts.Seed, streamPosts, uint64(a.idx))
		k := 10 + r.IntN(11)
		age := r.Float64() * 3
		if r.Float64() < 0.12 {
			age = 20 + r.Float64()*100 // an inactive creator
		}
		t := n.today.Add(-time.Duration(age*24*float64(time.Hour)) - time.Minute)
		posts := make([]*post, 0, k)
		for i := 0; i < k; i++ {
			posts = append(posts, g.newPost(a, t, r))
			gap := r.ExpFloat64() / a.cadence
			t = t.Add(-time.Duration((gap + 0.05) * 24 * float64(time.Hour)))
		}
		a.posts = posts
	}
}

// robots picks, on each web host, the profile its robots.txt disallows: the
// most followed creator there who has not opted out, so popular tag pages
// link to it.
func (g *gen) robots() {
	n := g.n
	for _, h := range n.hostsOf(KindHTML) {
		var best *account
		for _, a := range n.accounts {
			if a.host == h && a.optOut == "" && (best == nil || a.followers > best.followers) {
				best = a
			}
		}
		if best != nil {
			best.robots = true
			h.blocked = best
		}
	}
}
