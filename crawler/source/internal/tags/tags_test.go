package tags

import (
	"reflect"
	"testing"
)

func TestHashtagsAndMentions(t *testing.T) {
	tests := []struct {
		text     string
		hashtags []string
		mentions []string
	}{
		{"Morning run #Fitness #fitness #RunClub! with @Anna.B and @trail_co.", []string{"fitness", "runclub"}, []string{"anna.b", "trail_co"}},
		{"paid partnership with @brand #ad", []string{"ad"}, []string{"brand"}},
		{"mail me: hi@example.com, #1 fan", nil, nil},
		{"federated @maria@social.example hello", nil, []string{"maria@social.example"}},
		{"Käse#nope #Käsespätzle #日本", []string{"käsespätzle", "日本"}, nil},
		{"url https://x.example/#anchor and &#39; entity", nil, nil},
		{"@", nil, nil},
		{"##double #", nil, nil},
	}
	for _, tt := range tests {
		if got := Hashtags(tt.text); !reflect.DeepEqual(got, tt.hashtags) {
			t.Errorf("Hashtags(%q) = %q, want %q", tt.text, got, tt.hashtags)
		}
		if got := Mentions(tt.text); !reflect.DeepEqual(got, tt.mentions) {
			t.Errorf("Mentions(%q) = %q, want %q", tt.text, got, tt.mentions)
		}
	}
}
