package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Flags after positional arguments are flags: "forget ID --data DIR"
// works on DIR, not on the default data directory with "--data" and DIR
// taken for two more ids. "--" still ends the flags.
func TestFlagsMayFollowArguments(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	data := fs.String("data", "", "")
	reason := fs.String("reason", "", "")
	if err := parseFlags(fs, []string{"a:1", "--data", "/d", "b:2", "--reason=why", "--", "--data", "c"}, true); err != nil {
		t.Fatal(err)
	}
	if *data != "/d" || *reason != "why" || strings.Join(fs.Args(), " ") != "a:1 b:2 --data c" {
		t.Fatalf("data %q reason %q args %q", *data, *reason, fs.Args())
	}
	fs2 := flag.NewFlagSet("y", flag.ContinueOnError)
	fs2.SetOutput(io.Discard)
	if err := parseFlags(fs2, []string{"extra"}, false); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Fatalf("a command without arguments took one: %v", err)
	}
}

// forget works on the --data directory wherever the flag stands, and
// refuses what is neither a creator id nor a profile URL (exit 2) before
// it touches anything.
func TestForgetFlagsAndKeys(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"forget", "web:someone@x.example", "--data", data}, &out, &errb); code != 0 {
		t.Fatalf("forget: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(data, "creatorscout.db")); err != nil {
		t.Fatalf("forget did not work on --data %s: %v (stdout %s)", data, err, out.String())
	}
	if strings.Contains(out.String(), "--data") || strings.Contains(out.String(), data) {
		t.Fatalf("the flag was taken for an id: %s", out.String())
	}
	for _, bad := range []string{"nosuch:id", "http://", "just-a-name"} {
		errb.Reset()
		if code := run(context.Background(), []string{"forget", "--data", data, bad}, &out, &errb); code != 2 {
			t.Errorf("forget %q: exit %d, want 2 (%s)", bad, code, errb.String())
		}
	}
}

// The commands that read what a crawl stored refuse a data directory that
// does not exist, and do not create one: a mistyped --data is an error,
// not "0 creators".
func TestReadCommandsNeedTheirDataDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{
		{"search", "--data", missing},
		{"report", "--data", missing},
		{"reindex", "--data", missing},
		{"backup", "--data", missing, filepath.Join(t.TempDir(), "b")},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), "data directory "+missing+" does not exist") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, missing)
		}
	}
}

// serve checks --addr before anything starts, and says "serving on" only
// of an address it listens on: a bad one exits 2 naming the flag, a busy
// one exits 1 without claiming to serve.
func TestServeAddr(t *testing.T) {
	data := t.TempDir()
	for _, bad := range []string{"nonsense", "127.0.0.1:99999", ":abc"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"serve", "--data", data, "--addr", bad}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--addr") {
			t.Errorf("--addr %q: exit %d, stderr %q", bad, code, errb.String())
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data", data, "--addr", ln.Addr().String()}, &out, &errb)
	if code != 1 || strings.Contains(out.String(), "serving on") || !strings.Contains(errb.String(), "listen on "+ln.Addr().String()) {
		t.Errorf("busy address: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// A data directory a restore was interrupted in is refused by the commands
// that use it, until the restore is run again.
func TestPendingRestoreIsRefused(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "RESTORE-IN-PROGRESS"), []byte(`{"backup":"/backups/b1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"search", "--data", data}, {"report", "--data", data}, {"serve", "--data", data, "--addr", "127.0.0.1:0"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 1 || !strings.Contains(errb.String(), "did not finish: run creatorscout restore /backups/b1 again") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

// A flag value only the search can judge, such as a cursor from no earlier
// page, is still a bad flag: exit 2 naming it.
func TestSearchCursorIsAFlag(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"search", "--data", t.TempDir(), "--cursor", "garbage"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--cursor") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

// bench crawl refuses flags that would be ignored, and an --exe that is
// not there, before it builds anything.
func TestBenchCrawlFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "crawl", "--rate", "5"}, "--throttled"},
		{[]string{"bench", "crawl", "--duration", "5s"}, "--throttled"},
		{[]string{"bench", "crawl", "--exe", "/nonexistent/creatorscout"}, "--exe"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errb.String())
		}
	}
}
