package creator

import (
	"reflect"
	"testing"
)

func TestExtractContacts(t *testing.T) {
	tests := []struct {
		text          string
		emails, links []string
	}{
		{"📩 collabs: Hello@JaneDoe.com | linktr.ee/janedoe", []string{"hello@janedoe.com"}, []string{"https://linktr.ee/janedoe"}},
		{"Business: jane [at] studio [dot] co", []string{"jane@studio.co"}, nil},
		{"mgmt(at)talent.agency.com · www.janedoe.com/shop.", []string{"mgmt@talent.agency.com"}, []string{"https://www.janedoe.com/shop"}},
		{"https://beacons.ai/jane and https://beacons.ai/jane/ again", nil, []string{"https://beacons.ai/jane"}},
		{"Follow @jane and @brand — no contact here", nil, nil},
		{"mailto:pr@brand.com", []string{"pr@brand.com"}, nil},
	}
	for _, tt := range tests {
		e, l := ExtractContacts(tt.text)
		if !reflect.DeepEqual(e, tt.emails) || !reflect.DeepEqual(l, tt.links) {
			t.Errorf("ExtractContacts(%q) = %q, %q; want %q, %q", tt.text, e, l, tt.emails, tt.links)
		}
	}
}

func TestFillContact(t *testing.T) {
	c := &Creator{
		Bio:   "Vegan recipes 🌱 hello@plantkitchen.com\nshop: https://plantkitchen.com/shop • IG instagram.com/plantkitchen",
		Links: []string{"https://www.plantkitchen.com/shop/", "mailto:Hello@PlantKitchen.com", "https://instagram.com/plantkitchen"},
	}
	ev := fillContact(c)
	if c.Email != "hello@plantkitchen.com" {
		t.Errorf("email %q", c.Email)
	}
	want := []string{"https://www.plantkitchen.com/shop/", "https://instagram.com/plantkitchen"}
	if !reflect.DeepEqual(c.Links, want) {
		t.Errorf("links %q, want %q (deduplicated)", c.Links, want)
	}
	if c.Website != "https://www.plantkitchen.com/shop/" {
		t.Errorf("website %q, want the first non-social link", c.Website)
	}
	if len(ev.Emails) != 1 || ev.Emails[0].Source != "bio" {
		t.Errorf("email evidence %+v", ev.Emails)
	}
	// Idempotent.
	before := append([]string(nil), c.Links...)
	fillContact(c)
	if !reflect.DeepEqual(c.Links, before) {
		t.Errorf("second run changed links: %q -> %q", before, c.Links)
	}
}
