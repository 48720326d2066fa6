package index

import (
	"math"
	"strconv"
)

// Geo search without bleve's geopoint field. bleve's distance query walks
// thousands of candidate cells and probes the term dictionary for each; in
// a profile at 5k creators that was the largest part of a radius query's
// CPU. Here the table files each creator under one grid cell per level
// (geoCellDeg), a radius query picks the finest level whose cells cover the
// circle's bounding box in at most maxCoverCells cells, and the exact
// distance is then checked against the creator's coordinates in the table.

// earthRadiusKm is the mean earth radius (IUGG) used for all distances.
const earthRadiusKm = 6371.0088

// geoCellDeg are the grid cell sizes in degrees, finest first.
var geoCellDeg = []float64{0.1, 1, 10}

// maxCoverCells bounds the terms of one radius query, except at the
// coarsest level, which is used whatever the count (at most 18×36).
const maxCoverCells = 160

// haversineKm is the great-circle distance between two points on a sphere
// of earthRadiusKm.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	s1, s2 := math.Sin(dlat/2), math.Sin(dlon/2)
	a := s1*s1 + math.Cos(lat1*rad)*math.Cos(lat2*rad)*s2*s2
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

func cellIndex(lat, lon, deg float64) (int, int) {
	nlat := int(math.Ceil(180 / deg))
	nlon := int(math.Ceil(360 / deg))
	i := min(max(int(math.Floor((lat+90)/deg)), 0), nlat-1)
	j := int(math.Floor((lon + 180) / deg))
	j = ((j % nlon) + nlon) % nlon
	return i, j
}

func cellTerm(level, i, j int) string {
	return strconv.Itoa(level) + ":" + strconv.Itoa(i) + ":" + strconv.Itoa(j)
}

// geoCells returns the cell terms of a point, one per level.
func geoCells(lat, lon float64) []string {
	out := make([]string, len(geoCellDeg))
	for level, deg := range geoCellDeg {
		i, j := cellIndex(lat, lon, deg)
		out[level] = cellTerm(level, i, j)
	}
	return out
}

// coverCells returns cell terms of one level that together contain every
// point within km of lat, lon.
func coverCells(lat, lon, km float64) []string {
	// Angular radius, widened a little against rounding at the edges.
	ang := km/earthRadiusKm*(1+1e-9) + 1e-12
	dlat := ang * 180 / math.Pi
	latMin, latMax := lat-dlat, lat+dlat
	fullLon := latMin <= -90 || latMax >= 90
	var dlon float64
	if !fullLon {
		s := math.Sin(ang) / math.Cos(lat*math.Pi/180)
		if s >= 1 || ang >= math.Pi/2 {
			fullLon = true
		} else {
			dlon = math.Asin(s)*180/math.Pi + 1e-9
		}
	}
	latMin, latMax = math.Max(latMin, -90), math.Min(latMax, 90)
	for level, deg := range geoCellDeg {
		i0, _ := cellIndex(latMin, 0, deg)
		i1, _ := cellIndex(latMax, 0, deg)
		nlon := int(math.Ceil(360 / deg))
		var js []int
		if fullLon || 2*dlon >= 360-deg {
			for j := 0; j < nlon; j++ {
				js = append(js, j)
			}
		} else {
			_, j0 := cellIndex(0, lon-dlon, deg)
			_, j1 := cellIndex(0, lon+dlon, deg)
			for j := j0; ; j = (j + 1) % nlon {
				js = append(js, j)
				if j == j1 {
					break
				}
			}
		}
		n := (i1 - i0 + 1) * len(js)
		if n > maxCoverCells && level < len(geoCellDeg)-1 {
			continue
		}
		out := make([]string, 0, n)
		for i := i0; i <= i1; i++ {
			for _, j := range js {
				out = append(out, cellTerm(level, i, j))
			}
		}
		return out
	}
	return nil // not reached: the last level always returns
}
