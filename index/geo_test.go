package index

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/creator"
)

// destination is the point at distance km and bearing brg (radians) from
// lat, lon on the sphere.
func destination(lat, lon, km, brg float64) (float64, float64) {
	const rad = math.Pi / 180
	d := km / earthRadiusKm
	φ1, λ1 := lat*rad, lon*rad
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(d) + math.Cos(φ1)*math.Sin(d)*math.Cos(brg))
	λ2 := λ1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(φ1), math.Cos(d)-math.Sin(φ1)*math.Sin(φ2))
	lon2 := math.Mod(λ2/rad+540, 360) - 180
	return φ2 / rad, lon2
}

// TestCoverCells: every point within the radius lies in a covering cell,
// near the poles and across the date line too.
func TestCoverCells(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	centers := [][2]float64{{0, 179.95}, {0, -179.99}, {89.9, 10}, {-89.5, -170}, {60, 180}, {30.2672, -97.7431}}
	for i := 0; i < 300; i++ {
		centers = append(centers, [2]float64{r.Float64()*180 - 90, r.Float64()*360 - 180})
	}
	radii := []float64{0.05, 1, 10, 50, 200, 1500, 8000, MaxRadiusKm}
	for _, c := range centers {
		for _, km := range radii {
			cover := coverCells(c[0], c[1], km)
			level := strings.SplitN(cover[0], ":", 2)[0]
			in := map[string]bool{}
			for _, term := range cover {
				if !strings.HasPrefix(term, level+":") {
					t.Fatalf("cover mixes levels: %v", cover[:3])
				}
				in[term] = true
			}
			if len(cover) > maxCoverCells && level != "2" {
				t.Fatalf("%d cells at level %s", len(cover), level)
			}
			lv := int(level[0] - '0')
			for k := 0; k < 60; k++ {
				// Points on and just inside the circle, and anywhere inside.
				d := km * (1 - 1e-9)
				if k%2 == 1 {
					d = km * r.Float64()
				}
				lat, lon := destination(c[0], c[1], d, r.Float64()*2*math.Pi)
				if haversineKm(c[0], c[1], lat, lon) > km {
					continue
				}
				if cell := geoCells(lat, lon)[lv]; !in[cell] {
					t.Fatalf("center %v radius %v: point %v,%v (cell %s) not covered by %d cells", c, km, lat, lon, cell, len(cover))
				}
			}
		}
	}
}

// TestGeoEdges searches across the date line and near a pole.
func TestGeoEdges(t *testing.T) {
	ix := openTemp(t)
	at := func(id string, lat, lon float64) Doc {
		c := mkCreator(id)
		c.Location = &creator.Location{Lat: &lat, Lon: &lon}
		return Doc{Creator: c}
	}
	docs := []Doc{
		at("web:east", 0, 179.9), at("web:west", 0, -179.9), at("web:far", 0, 170),
		at("web:pole1", 89.9, 0), at("web:pole2", 89.9, 180), at("web:south", 80, 90),
	}
	if err := ix.UpsertBatch(docs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		g    GeoFilter
		want string
	}{
		{GeoFilter{Lat: 0, Lon: 180, RadiusKm: 50}, "web:east,web:west"},
		{GeoFilter{Lat: 0, Lon: -179.95, RadiusKm: 10}, "web:west"},
		{GeoFilter{Lat: 90, Lon: 0, RadiusKm: 20}, "web:pole1,web:pole2"},
		{GeoFilter{Lat: 89, Lon: 45, RadiusKm: 1200}, "web:pole1,web:pole2,web:south"},
		{GeoFilter{Lat: 0, Lon: 0, RadiusKm: MaxRadiusKm}, "web:east,web:far,web:pole1,web:pole2,web:south,web:west"},
	} {
		res := mustSearch(t, ix, creator.Query{Limit: 100}, Near(tc.g))
		if got := strings.Join(hitIDs(res.Hits), ","); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.g, got, tc.want)
		}
	}
}
