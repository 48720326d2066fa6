package config

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigIsDefaultsAndDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../creatorscout.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data)
	if err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	if def := Default(); !reflect.DeepEqual(normalise(cfg), normalise(def)) {
		t.Errorf("example config differs from Default():\nexample %+v\ndefault %+v", cfg, def)
	}
	lines, err := decode(data, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, key := range EnvKeys() {
		if _, ok := lines[key]; !ok {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys not documented in creatorscout.example.yaml: %s", strings.Join(missing, ", "))
	}
}

// normalise maps empty slices and maps to nil so "[]" in YAML equals an unset default.
func normalise(c Config) Config {
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Map:
			if v.Len() == 0 && v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
		}
	}
	walk(reflect.ValueOf(&c).Elem())
	return c
}

func TestGoodAndBadFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yml")
	if len(files) < 5 {
		t.Fatalf("expected testdata files, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(data)
			if strings.HasSuffix(f, ".good.yml") {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			// The first line of a bad file is "# want: <error substring>".
			first, _, _ := strings.Cut(string(data), "\n")
			want := strings.TrimSpace(strings.TrimPrefix(first, "# want:"))
			if err == nil {
				t.Fatalf("want error containing %q, got none", want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("want error containing %q, got %q", want, err.Error())
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("api:\n  addr: 127.0.0.1:9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, []string{
		"CREATORSCOUT_API_ADDR=0.0.0.0:8081",
		"CREATORSCOUT_SOURCES_YOUTUBE_API_KEY=k123",
		"CREATORSCOUT_CRAWLER_MAX_BODY_BYTES=2MiB",
		"CREATORSCOUT_CRAWLER_REQUEST_TIMEOUT=7s",
		"CREATORSCOUT_JOBS_HASHTAGS=pilates, vegan",
		"CREATORSCOUT_CRAWLER_ALLOW_LOOPBACK=true",
		"PATH=/usr/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Addr != "0.0.0.0:8081" || cfg.Sources.YouTube.APIKey != "k123" ||
		cfg.Crawler.MaxBodyBytes != 2<<20 || cfg.Crawler.RequestTimeout != 7*time.Second ||
		!reflect.DeepEqual(cfg.Jobs.Hashtags, []string{"pilates", "vegan"}) || !cfg.Crawler.AllowLoopback {
		t.Fatalf("overrides not applied: %+v", cfg)
	}
	for _, tc := range []struct{ env, want string }{
		{"CREATORSCOUT_API_ADRR=x", "CREATORSCOUT_API_ADRR: no such setting"},
		{"CREATORSCOUT_CRAWLER_MAX_DEPTH=deep", `CREATORSCOUT_CRAWLER_MAX_DEPTH (crawler.max_depth): "deep" is not a whole number`},
		{"CREATORSCOUT_CRAWLER_PARALLELISM=0", "CREATORSCOUT_CRAWLER_PARALLELISM: crawler.parallelism: must be between 1 and 512"},
	} {
		_, err := Load("", []string{tc.env})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want error containing %q, got %v", tc.env, tc.want, err)
		}
	}
	// A value the environment set is blamed on the variable, not on the
	// file (whose line 1 sets something else).
	for _, tc := range []struct{ env, want string }{
		{"CREATORSCOUT_DATA_DIR=", "config: CREATORSCOUT_DATA_DIR: data_dir: must not be empty"},
		{"CREATORSCOUT_API_READ_TIMEOUT=-1s", "config: CREATORSCOUT_API_READ_TIMEOUT: api.read_timeout"},
	} {
		_, err := Load(path, []string{tc.env})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("%s: want error containing %q and not the file, got %v", tc.env, tc.want, err)
		}
	}
}

func TestLoadNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte("crawler:\n  parallelism: 4\n  max_depth: -2\n"), 0o600)
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), path+": line 3: crawler.max_depth") {
		t.Fatalf("want file, line and key in error, got %v", err)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("want missing file named, got %v", err)
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"1024": 1024, "1KiB": 1024, "5MiB": 5 << 20, "2MB": 2e6, "1 GiB": 1 << 30, "10B": 10} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5MiB", "lots", "5XB", "20000000000GiB", "9223372036854775807KB"} {
		if _, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q): want error", in)
		}
	}
}

// A file far larger than any config is refused before it is decoded.
func TestLoadRefusesAHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte("jobs:\n  hashtags: ["+strings.Repeat("a, ", MaxFileSize/3)+"b]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "not a config file") {
		t.Fatalf("err %v", err)
	}
}
