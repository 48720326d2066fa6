package main

import (
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"testing"

	"github.com/creatorscout/creatorscout/config"
)

// What net/http writes through the log package comes out as one of the
// command's JSON log records, with the text escaped, not as a plain line.
func TestStandardLogGoesThroughTheLogger(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	var buf bytes.Buffer
	cfg := config.Default()
	cfg.Log.Format = "json"
	newLogger(cfg, &buf)
	log.Printf("Unsolicited response received on idle HTTP channel starting with %q; err=%v", "d+json\">{\"a\":1}\n<", nil)
	line := strings.TrimSpace(buf.String())
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil || strings.Count(line, "\n") != 0 {
		t.Fatalf("log output %q is not one JSON record: %v", line, err)
	}
	if msg, _ := rec["msg"].(string); !strings.Contains(msg, "Unsolicited response") {
		t.Fatalf("record %v", rec)
	}
}
