package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestBenchStageChild: each stage crawls the whole synthetic network with
// the crawl's config; the fetch stage reads nothing from the pages and the
// parse stage reads their creators.
func TestBenchStageChild(t *testing.T) {
	ctx := context.Background()
	bn, err := startBenchNet(ctx, 40, 3, 2000, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer bn.sim.Close()
	if len(bn.urls) < 30 {
		t.Fatalf("%d profile URLs in the network", len(bn.urls))
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "run.yml")
	if err := writeConfig(cfgPath, benchConfig(bn, filepath.Join(dir, "data"), 8, 1e6, 1000, 8, bn.urls)); err != nil {
		t.Fatal(err)
	}
	// The child sets the crawl's GC policy for its process: put the test's back.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, stage := range benchStages {
		var out bytes.Buffer
		if err := cmdBenchStageChild(ctx, []string{"--config", cfgPath, "--stage", stage}, &out, io.Discard); err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		var m stageMeasure
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v in %q", stage, err, out.String())
		}
		if m.Stage != stage || m.Pages+m.Errors+m.Denied < len(bn.urls) || m.Pages < len(bn.urls)*9/10 || !(m.CPUPerPage > 0) || !(m.PagesPerSec > 0) {
			t.Errorf("%s: %+v for %d profile URLs", stage, m, len(bn.urls))
		}
		if parsed := m.Creators > 0; parsed != (stage == "parse") {
			t.Errorf("%s: read %d creators", stage, m.Creators)
		}
	}
	var out bytes.Buffer
	if err := cmdBenchStageChild(ctx, []string{"--config", cfgPath, "--stage", "store"}, &out, io.Discard); err == nil {
		t.Error("--stage store accepted")
	}
}
