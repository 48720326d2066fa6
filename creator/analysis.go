package creator

import "time"

// Analysis is the evidence behind a creator's computed figures: which posts,
// which words, which history points. The API and UI show it so that nobody
// has to trust a black-box score.
type Analysis struct {
	Engagement *Engagement  `json:"engagement,omitempty"`
	Niches     []NicheScore `json:"niches,omitempty"`
	AnalyzedAt time.Time    `json:"analyzed_at"`

	// Tier is the follower count and the thresholds the tier was read from.
	Tier *TierEvidence `json:"tier,omitempty"`
	// Language is the detected language with the words that decided it.
	Language *LanguageEvidence `json:"language,omitempty"`
	// Location is how the location was read and resolved.
	Location *LocationEvidence `json:"location,omitempty"`
	// Contact is where each email and link came from.
	Contact *ContactEvidence `json:"contact,omitempty"`
	// Disclosures counts the posts by disclosure class, the brands and the
	// posts flagged as undisclosed sponsorship.
	Disclosures *DisclosureSummary `json:"disclosures,omitempty"`
	// Authenticity is the 0-100 score with each signal's contribution.
	Authenticity *Authenticity `json:"authenticity,omitempty"`
	// Growth is the follower change over 7, 30 and 90 days from history.
	Growth *Growth `json:"growth,omitempty"`
	// Price is the estimated price range per post with its basis.
	Price *PriceEstimate `json:"price,omitempty"`
}

// Engagement is the engagement figures with the posts they were read from.
type Engagement struct {
	// Rate is the median over the window of (likes+comments)/followers.
	Rate *float64 `json:"rate"`
	// PostIDs are the posts in the window whose counts were known and used.
	PostIDs []string `json:"post_ids"`
	// Excluded are posts in the window left out, with why (hidden likes, ...).
	Excluded []string `json:"excluded,omitempty"`
	Formula  string   `json:"formula"`

	// Followers is the follower count the rate was divided by.
	Followers *int64 `json:"followers"`
	// Window describes the window: "last 30 posts within 90 days before <now>".
	Window string `json:"window"`
	// WindowPostIDs are every post in the window, used or not.
	WindowPostIDs []string `json:"window_post_ids"`
	// OutsideWindow counts the posts given that fell outside the window.
	OutsideWindow int `json:"outside_window"`
	// Notes are remarks on posts that were used ("undated, assumed recent").
	Notes []string `json:"notes,omitempty"`
	// PerPost is each used post's rate, in window order.
	PerPost []PostRate `json:"per_post,omitempty"`

	// ViewRate is the median over video posts (views known and > 0) of
	// (likes+comments)/views.
	ViewRate        *float64 `json:"view_rate"`
	ViewRatePostIDs []string `json:"view_rate_post_ids,omitempty"`
	ViewRateFormula string   `json:"view_rate_formula,omitempty"`

	AvgLikes       *float64 `json:"avg_likes"`
	AvgComments    *float64 `json:"avg_comments"`
	AvgViews       *float64 `json:"avg_views"`
	MedianLikes    *float64 `json:"median_likes"`
	MedianComments *float64 `json:"median_comments"`
	MedianViews    *float64 `json:"median_views"`
	// LikesN, CommentsN and ViewsN count the posts each figure was read from.
	LikesN    int `json:"likes_n"`
	CommentsN int `json:"comments_n"`
	ViewsN    int `json:"views_n"`

	// PostsPerWeek is dated posts in the window / weeks between the oldest
	// of them and now; nil with fewer than two dated posts.
	PostsPerWeek *float64   `json:"posts_per_week"`
	LastPostAt   *time.Time `json:"last_post_at"`
}

// PostRate is one post's engagement rate.
type PostRate struct {
	PostID string  `json:"post_id"`
	Rate   float64 `json:"rate"`
}

// NicheScore is one niche with its score and the words that earned it.
type NicheScore struct {
	Niche    string   `json:"niche"`
	Score    float64  `json:"score"`
	Evidence []string `json:"evidence"`
}

// TierEvidence is what the tier was read from.
type TierEvidence struct {
	Followers *int64         `json:"followers"`
	Tier      string         `json:"tier"`
	Rule      string         `json:"rule"`
	Bounds    TierThresholds `json:"bounds"`
}

// LanguageEvidence is the detected language with its scores.
type LanguageEvidence struct {
	Code       string  `json:"code"` // ISO 639-1; "" when unknown
	Confidence float64 `json:"confidence"`
	// Script is the dominant writing system ("Latin", "Cyrillic", ...).
	Script string `json:"script"`
	// Words are the matched marker words of the winning language (a sample).
	Words []string `json:"words,omitempty"`
	// Scores are the top candidates and their scores.
	Scores []LangScore `json:"scores,omitempty"`
	Texts  int         `json:"texts"` // bio + captions read
}

// LangScore is one candidate language's score.
type LangScore struct {
	Code  string  `json:"code"`
	Score float64 `json:"score"`
}

// LocationEvidence is how a location was read and resolved.
type LocationEvidence struct {
	// Source is where the text came from: "profile", "bio" or "".
	Source string `json:"source"`
	// Text is the place text that was resolved ("Austin, TX").
	Text string `json:"text"`
	// Matched is the gazetteer entry chosen ("Austin, Texas, US (pop 931830)").
	Matched string `json:"matched,omitempty"`
	// Signals are the hints that weighed in: flags, country and region
	// names, language.
	Signals []string `json:"signals,omitempty"`
	// Alternatives are other gazetteer entries with the same name.
	Alternatives []string `json:"alternatives,omitempty"`
	Confidence   *float64 `json:"confidence"`
	Reason       string   `json:"reason,omitempty"`
}

// ContactEvidence records where each contact came from.
type ContactEvidence struct {
	Emails []Sourced `json:"emails,omitempty"`
	Links  []Sourced `json:"links,omitempty"`
}

// Sourced is a value with the field it was read from ("bio", "links",
// "website", "email"), or the URL of the page it was read from (a
// link-in-bio, about or contact page) with the time that page was fetched.
type Sourced struct {
	Value     string     `json:"value"`
	Source    string     `json:"source"`
	FetchedAt *time.Time `json:"fetched_at,omitempty"`
}

// DisclosureSummary counts a creator's posts by disclosure class.
type DisclosureSummary struct {
	Counts map[string]int `json:"counts"` // class -> posts
	// Brands are the brands named across the posts with the strongest
	// class each was given, sorted by name.
	Brands []Brand `json:"brands,omitempty"`
	// Undisclosed are the post ids flagged as undisclosed sponsorship.
	Undisclosed []string `json:"undisclosed,omitempty"`
}

// Authenticity is an explainable 0-100 score: 100 minus the listed
// penalties. Score is nil when no signal could be measured.
type Authenticity struct {
	Score   *float64        `json:"score"`
	Signals []AuthSignal    `json:"signals"`
	Formula string          `json:"formula"`
	Bands   map[string]Band `json:"bands,omitempty"`
}

// AuthSignal is one authenticity signal: what was measured and how many
// points it took off (0 or negative). Known is false when the input was
// missing, in which case Contribution is 0 and Value is nil.
type AuthSignal struct {
	Signal       string   `json:"signal"`
	Known        bool     `json:"known"`
	Value        *float64 `json:"value"`
	Contribution float64  `json:"contribution"`
	Detail       string   `json:"detail"`
	Evidence     []string `json:"evidence,omitempty"`
}

// Band is an expected range of a figure, such as a tier's engagement rate.
type Band struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Growth is the follower change over 7, 30 and 90 days. A period is nil
// when the history does not reach back that far.
type Growth struct {
	D7  *GrowthPeriod `json:"d7"`
	D30 *GrowthPeriod `json:"d30"`
	D90 *GrowthPeriod `json:"d90"`
	// Points counts the history snapshots with a known follower count.
	Points int    `json:"points"`
	Reason string `json:"reason,omitempty"`
}

// GrowthPeriod is the follower change between two history points.
type GrowthPeriod struct {
	Days     int       `json:"days"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	FromN    int64     `json:"from_followers"`
	ToN      int64     `json:"to_followers"`
	Change   int64     `json:"change"`
	Relative *float64  `json:"relative"` // change / from; nil when from is 0
}

// PriceEstimate is an estimated price range per post in USD.
type PriceEstimate struct {
	Min      *float64 `json:"min"`
	Max      *float64 `json:"max"` // nil means "and up"
	Currency string   `json:"currency"`
	Basis    string   `json:"basis"`
}
