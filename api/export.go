package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/creatorscout/creatorscout/creator"
)

// exportPosts is how many recent posts an export reads for a creator's
// brands when the creator has no analysis summary.
const exportPosts = 60

// ExportRow is one creator of a list export: the columns an agency pastes
// into a sheet. Unknown numbers are null in JSON and empty cells in CSV,
// never 0.
type ExportRow struct {
	Handle         string     `json:"handle"`
	Platform       string     `json:"platform"`
	URL            string     `json:"url"`
	Name           string     `json:"name"`
	Followers      *int64     `json:"followers"`
	Tier           string     `json:"tier"`
	EngagementRate *float64   `json:"engagement_rate"` // a fraction: 0.034 is 3.4%
	Niches         []string   `json:"niches"`
	Location       string     `json:"location"`
	Email          string     `json:"email"`
	Website        string     `json:"website"`
	Brands         BrandsBy   `json:"brands"`
	LastPostAt     *time.Time `json:"last_post_at"`
	Status         string     `json:"status"`
	Note           string     `json:"note"`
}

// BrandsBy lists a creator's brands by the strongest disclosure class any
// post gave each.
type BrandsBy struct {
	Sponsored []string `json:"sponsored"`
	Affiliate []string `json:"affiliate"`
	Gifted    []string `json:"gifted"`
	Organic   []string `json:"organic"`
}

// exportColumns is the CSV header, in ExportRow order.
var exportColumns = []string{
	"handle", "platform", "url", "name", "followers", "tier", "engagement_rate", "niches", "location",
	"email", "website", "brands_sponsored", "brands_affiliate", "brands_gifted", "brands_organic",
	"last_post_at", "status", "note",
}

type exportResponse struct {
	List       *List       `json:"list"`
	ExportedAt time.Time   `json:"exported_at"`
	Rows       []ExportRow `json:"rows"`
}

// exportRows reads a list's entries and their creators. A creator that is
// gone from the store (forgotten) is left out.
func (s *Server) exportRows(c echo.Context, id int64) (*List, []ExportRow, error) {
	ls, err := s.lists()
	if err != nil {
		return nil, nil, err
	}
	if s.deps.Creators == nil {
		return nil, nil, creator.Errorf(creator.EUNAVAILABLE, "the store is not available")
	}
	ctx := c.Request().Context()
	l, err := ls.List(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("api: list %d: %w", id, err)
	}
	items, err := ls.ListItems(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("api: items of list %d: %w", id, err)
	}
	rows := make([]ExportRow, 0, len(items))
	for _, it := range items {
		cr, err := s.deps.Creators.Creator(ctx, it.CreatorID)
		switch {
		case creator.ErrorCode(err) == creator.ENOTFOUND:
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("api: creator %s on list %d: %w", it.CreatorID, id, err)
		}
		brands, err := s.brandsOf(c, cr)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, exportRow(cr, it, brands))
	}
	return l, rows, nil
}

// brandsOf returns a creator's brands by class: the analysis summary when
// there is one, or else the strongest class each recent post gave a brand.
func (s *Server) brandsOf(c echo.Context, cr *creator.Creator) (BrandsBy, error) {
	var brands []creator.Brand
	if a := cr.Analysis; a != nil && a.Disclosures != nil {
		brands = a.Disclosures.Brands
	} else {
		posts, err := s.deps.Creators.Posts(c.Request().Context(), cr.ID, exportPosts)
		if err != nil {
			return BrandsBy{}, fmt.Errorf("api: posts of %s: %w", cr.ID, err)
		}
		brands = strongestBrands(posts)
	}
	by := BrandsBy{Sponsored: []string{}, Affiliate: []string{}, Gifted: []string{}, Organic: []string{}}
	for _, b := range brands {
		switch b.Class {
		case creator.Sponsored:
			by.Sponsored = append(by.Sponsored, b.Name)
		case creator.Affiliate:
			by.Affiliate = append(by.Affiliate, b.Name)
		case creator.Gifted:
			by.Gifted = append(by.Gifted, b.Name)
		default:
			by.Organic = append(by.Organic, b.Name)
		}
	}
	return by, nil
}

// classRank orders disclosure classes by precedence.
var classRank = map[string]int{creator.Organic: 1, creator.Gifted: 2, creator.Affiliate: 3, creator.Sponsored: 4}

// strongestBrands gives each brand the strongest class any post gave it,
// in order of first mention.
func strongestBrands(posts []creator.Post) []creator.Brand {
	var out []creator.Brand
	at := map[string]int{}
	for _, p := range posts {
		for _, b := range p.Brands {
			if b.Name == "" {
				continue
			}
			i, ok := at[b.Name]
			if !ok {
				at[b.Name] = len(out)
				out = append(out, b)
				continue
			}
			if classRank[b.Class] > classRank[out[i].Class] {
				out[i].Class = b.Class
			}
		}
	}
	return out
}

func exportRow(cr *creator.Creator, it ListItem, brands BrandsBy) ExportRow {
	niches := cr.Niches
	if niches == nil {
		niches = []string{}
	}
	return ExportRow{
		Handle: cr.Handle, Platform: cr.Platform, URL: cr.URL, Name: cr.DisplayName,
		Followers: cr.Followers, Tier: cr.Tier, EngagementRate: cr.EngagementRate,
		Niches: niches, Location: locationText(cr.Location), Email: cr.Email, Website: cr.Website,
		Brands: brands, LastPostAt: cr.LastPostAt, Status: it.Status, Note: it.Note,
	}
}

// locationText is "City, Region, CC", or what the profile said when
// nothing was resolved.
func locationText(l *creator.Location) string {
	if l == nil {
		return ""
	}
	var parts []string
	for _, p := range []string{l.City, l.Region, l.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return l.Raw
	}
	return strings.Join(parts, ", ")
}

// exportParams reads the export's only parameter, bom.
func exportParams(c echo.Context, allowBOM bool) (bom bool, err error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return false, creator.Invalid("query", "malformed query string: %v", err)
	}
	for k, vals := range v {
		if k != "bom" || !allowBOM {
			return false, creator.Invalid(truncate(k, 40), "unknown parameter")
		}
		if len(vals) != 1 {
			return false, creator.Invalid("bom", "give it once")
		}
		switch vals[0] {
		case "1", "true":
			bom = true
		case "0", "false", "":
		default:
			return false, creator.Invalid("bom", "%q is not 1, true, 0 or false", truncate(vals[0], 20))
		}
	}
	return bom, nil
}

// GET /v1/lists/:id/export.csv
func (s *Server) exportCSV(c echo.Context) error {
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	bom, err := exportParams(c, true)
	if err != nil {
		return err
	}
	_, rows, err := s.exportRows(c, id)
	if err != nil {
		return err
	}
	body, err := encodeCSV(rows, bom)
	if err != nil {
		return fmt.Errorf("api: export list %d: %w", id, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="list-%d.csv"`, id))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}

// GET /v1/lists/:id/export.json
func (s *Server) exportJSON(c echo.Context) error {
	id, err := positiveID(c, "id", "list")
	if err != nil {
		return err
	}
	if _, err := exportParams(c, false); err != nil {
		return err
	}
	l, rows, err := s.exportRows(c, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="list-%d.json"`, id))
	return c.JSON(http.StatusOK, exportResponse{List: l, ExportedAt: s.now().UTC(), Rows: rows})
}

// utf8BOM makes Excel read the file as UTF-8.
const utf8BOM = "\ufeff"

// encodeCSV writes the header and rows per RFC 4180: comma-separated,
// CRLF line ends, fields with commas, quotes or line breaks quoted. Every
// cell goes through safeCell.
func encodeCSV(rows []ExportRow, bom bool) ([]byte, error) {
	var buf bytes.Buffer
	if bom {
		buf.WriteString(utf8BOM)
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(exportColumns); err != nil {
		return nil, err
	}
	rec := make([]string, len(exportColumns))
	for _, r := range rows {
		rec = rec[:0]
		rec = append(rec,
			r.Handle, r.Platform, r.URL, r.Name,
			intCell(r.Followers), r.Tier, floatCell(r.EngagementRate),
			strings.Join(r.Niches, "; "), r.Location, r.Email, r.Website,
			strings.Join(r.Brands.Sponsored, "; "), strings.Join(r.Brands.Affiliate, "; "),
			strings.Join(r.Brands.Gifted, "; "), strings.Join(r.Brands.Organic, "; "),
			timeCell(r.LastPostAt), r.Status, r.Note,
		)
		for i := range rec {
			rec[i] = safeCell(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// intCell and floatCell leave unknown numbers empty, never 0.
func intCell(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func floatCell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// safeCell makes a cell safe to open in a spreadsheet (OWASP "CSV
// Injection"): invalid UTF-8 is replaced, and a cell whose first character
// after any leading spaces is one a spreadsheet reads as the start of a
// formula (= + - @, tab, CR, LF, or their full-width forms) gets a leading
// single quote, so it is shown as text and never evaluated.
func safeCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	t := strings.TrimLeft(s, " ")
	if t == "" {
		return s
	}
	switch r, _ := utf8.DecodeRuneInString(t); r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}
