package creator

import "time"

// Analysis is the evidence behind a creator's computed figures: which posts,
// which words, which history points. The API and UI show it so that nobody
// has to trust a black-box score.
type Analysis struct {
	Engagement *Engagement  `json:"engagement,omitempty"`
	Niches     []NicheScore `json:"niches,omitempty"`
	AnalyzedAt time.Time    `json:"analyzed_at"`
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
}

// NicheScore is one niche with its score and the words that earned it.
type NicheScore struct {
	Niche    string   `json:"niche"`
	Score    float64  `json:"score"`
	Evidence []string `json:"evidence"`
}
