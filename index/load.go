package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
)

// tableFields are the bleve fields the table is loaded from.
var tableFields = []string{
	fPlatform, fTier, fNiches, fCountry, fRegion, fCity, fLanguage, fHashtags, fBrands, fBrandClass, fFlags,
	fKeyFollowers, fKeyER, fKeyLastPost, fKeyGrowth, fKeyAuth, fGeoPoint,
}

// loadTable rebuilds the in-memory table from a bleve index: for every
// live document, its id and the doc values of tableFields, decoded back
// into the facts they were written from.
func loadTable(bi bleve.Index) (*table, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index: load table: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index: load table: %w", err)
	}
	defer r.Close()
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("index: load table: %w", err)
	}
	defer ids.Close()
	dvr, err := r.DocValueReader(tableFields)
	if err != nil {
		return nil, fmt.Errorf("index: load table: %w", err)
	}
	t := newTable()
	var (
		f   facts
		bad string
	)
	visit := func(field string, term []byte) {
		switch field {
		case fPlatform:
			f.platform = string(term)
		case fTier:
			f.tier = string(term)
		case fCountry:
			f.country = string(term)
		case fRegion:
			f.region = string(term)
		case fCity:
			f.city = string(term)
		case fLanguage:
			f.language = string(term)
		case fNiches:
			f.niches = append(f.niches, string(term))
		case fHashtags:
			f.hashtags = append(f.hashtags, string(term))
		case fBrands:
			f.brands = append(f.brands, string(term))
		case fBrandClass:
			f.brandClass = append(f.brandClass, string(term))
		case fFlags:
			switch string(term) {
			case flagVerified:
				f.verified = true
			case flagHasEmail:
				f.hasEmail = true
			case flagUndisclosed:
				f.undisclosed = true
			}
		case fKeyFollowers:
			if v, ok := decodeKeyInt(term); ok {
				f.followers = &v
			} else {
				bad = field
			}
		case fKeyLastPost:
			if v, ok := decodeKeyTime(term); ok {
				f.lastPost = &v
			} else {
				bad = field
			}
		case fKeyER, fKeyGrowth, fKeyAuth:
			v, ok := decodeKeyFloat(term)
			if !ok {
				bad = field
				return
			}
			switch field {
			case fKeyER:
				f.er = &v
			case fKeyGrowth:
				f.growth = &v
			default:
				f.authenticity = &v
			}
		case fGeoPoint:
			if lat, lon, ok := parsePoint(term); ok && validLatLon(lat, lon) {
				f.lat, f.lon = &lat, &lon
			} else {
				bad = field
			}
		}
	}
	for {
		iid, err := ids.Next()
		if err != nil {
			return nil, fmt.Errorf("index: load table: %w", err)
		}
		if iid == nil {
			break
		}
		id, err := r.ExternalID(iid)
		if err != nil {
			return nil, fmt.Errorf("index: load table: %w", err)
		}
		f = facts{id: id}
		if err := dvr.VisitDocValues(iid, visit); err != nil {
			return nil, fmt.Errorf("index: load table: %s: %w", id, err)
		}
		if bad != "" {
			return nil, fmt.Errorf("index: load table: %s has a malformed %s; rebuild the index (creatorscout reindex)", id, bad)
		}
		t.put(&f)
	}
	return t, nil
}
