// Package webtest drives a real headless Chromium for browser tests,
// through chromedriver and the W3C WebDriver protocol (JSON over HTTP on
// loopback), with nothing but the standard library.
//
// Chromium and chromedriver come from Debian's chromium and chromium-driver
// packages (/usr/bin/chromium, /usr/bin/chromedriver); CHROMIUM and
// CHROMEDRIVER override the paths. Start skips the test when they are
// missing, except under CI=true, where a missing browser fails the test:
// CI installs it (.ci/run), so its absence there is a broken setup, not a
// reason to pass.
//
// Waiting is the browser's: element lookups use WebDriver's implicit wait,
// so a test names the element that marks the state it waits for (a chip, a
// data attribute) instead of sleeping.
package webtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default paths of Debian's packages.
const (
	DefaultChromium     = "/usr/bin/chromium"
	DefaultChromedriver = "/usr/bin/chromedriver"
)

// elementKey is the W3C web element identifier.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// Options configure Start. Zero fields take defaults.
type Options struct {
	// Width and Height are the window size in CSS pixels (1400x1000).
	Width, Height int
	// Wait is the implicit wait of element lookups (15 s).
	Wait time.Duration
}

// Browser is one WebDriver session in a fresh, empty Chromium profile.
type Browser struct {
	t        testing.TB
	base     string // http://127.0.0.1:PORT/session/ID
	client   *http.Client
	driver   *exec.Cmd
	profile  string
	download string
	once     sync.Once
}

// Element is one element of the current page.
type Element struct {
	b  *Browser
	id string
	// Selector is how the element was found, for error messages.
	Selector string
}

// Find returns the paths of Chromium and chromedriver, or an error that says
// what is missing and how to install it.
func Find() (chromium, driver string, err error) {
	chromium = envOr("CHROMIUM", DefaultChromium)
	driver = envOr("CHROMEDRIVER", DefaultChromedriver)
	var missing []string
	for _, p := range []string{chromium, driver} {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return "", "", fmt.Errorf("webtest: %s not found; install Debian's chromium and chromium-driver "+
			"(apt-get install -y chromium chromium-driver) or set CHROMIUM and CHROMEDRIVER", strings.Join(missing, " and "))
	}
	return chromium, driver, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Start starts chromedriver and a headless Chromium session, and stops both
// when the test ends. Without Chromium it skips the test, or fails it when
// CI=true.
func Start(t testing.TB, opts Options) *Browser {
	t.Helper()
	chromium, driverPath, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: the browser test must run; .ci/run installs them)", err)
		}
		t.Skipf("browser test skipped: %v", err)
	}
	if opts.Width == 0 {
		opts.Width, opts.Height = 1400, 1000
	}
	if opts.Wait == 0 {
		opts.Wait = 15 * time.Second
	}
	dir := t.TempDir()
	b := &Browser{
		t:        t,
		client:   &http.Client{Timeout: 2 * time.Minute},
		profile:  filepath.Join(dir, "profile"),
		download: filepath.Join(dir, "downloads"),
	}
	for _, d := range []string{b.profile, b.download} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port, err := b.startDriver(driverPath, filepath.Join(dir, "chromedriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.newSession(port, chromium, opts); err != nil {
		t.Fatalf("%v\nchromedriver log (tail):\n%s", err, tail(filepath.Join(dir, "chromedriver.log"), 4000))
	}
	if err := b.post("/timeouts", map[string]any{"implicit": opts.Wait.Milliseconds(), "pageLoad": 60000, "script": 30000}, nil); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: this one runs before Close, while the
	// page is still there to describe.
	t.Cleanup(func() {
		if t.Failed() {
			b.describe(filepath.Join(dir, "failure.png"))
		}
	})
	return b
}

var portLine = regexp.MustCompile(`started successfully on port (\d+)`)

// startDriver runs chromedriver on a port it picks itself and reads the port
// from its banner.
func (b *Browser) startDriver(path, logPath string) (string, error) {
	cmd := exec.Command(path, "--port=0", "--log-path="+logPath, "--allowed-ips=127.0.0.1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("webtest: start %s: %w", path, err)
	}
	b.driver = cmd
	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if m := portLine.FindStringSubmatch(sc.Text()); m != nil && !found {
				found = true
				portc <- m[1]
			}
		}
		if !found {
			close(portc)
		}
	}()
	select {
	case p, ok := <-portc:
		if !ok {
			cmd.Process.Kill()
			cmd.Wait()
			return "", fmt.Errorf("webtest: chromedriver exited without reporting its port; log:\n%s", tail(logPath, 4000))
		}
		return p, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("webtest: chromedriver did not report its port within 30 s")
	}
}

func (b *Browser) newSession(port, chromium string, opts Options) error {
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-proxy-server", "--no-default-browser-check",
		"--user-data-dir=" + b.profile,
		fmt.Sprintf("--window-size=%d,%d", opts.Width, opts.Height),
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":             "chrome",
		"unhandledPromptBehavior": "ignore", // an alert stays open and every command reports it
		"goog:loggingPrefs":       map[string]string{"browser": "ALL"},
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args":   args,
			"prefs": map[string]any{
				"download.default_directory":   b.download,
				"download.prompt_for_download": false,
			},
		},
	}}}
	var resp struct {
		SessionID string `json:"sessionId"`
	}
	root := "http://127.0.0.1:" + port
	if err := b.do(http.MethodPost, root+"/session", caps, &resp); err != nil {
		return fmt.Errorf("webtest: new session: %w", err)
	}
	if resp.SessionID == "" {
		return errors.New("webtest: new session: no session id in the answer")
	}
	b.base = root + "/session/" + resp.SessionID
	// Headless Chromium keeps downloads unless told where to put them.
	return b.post("/goog/cdp/execute", map[string]any{"cmd": "Browser.setDownloadBehavior",
		"params": map[string]any{"behavior": "allow", "downloadPath": b.download}}, nil)
}

// describe logs what the page showed when a test failed: its URL, the
// text of <main>, the console, and a screenshot (kept under
// $ARTIFACTS_DIR when set).
func (b *Browser) describe(png string) {
	b.t.Helper()
	if text, open := b.AlertText(); open {
		b.t.Logf("page has an alert open: %q", text)
		return
	}
	u, _ := b.URL()
	var text string
	b.Exec(`const m = document.querySelector('main'); return (m ? m.innerText : document.body.innerText).slice(0, 3000);`, &text)
	b.t.Logf("page at failure: %s\n--- main text ---\n%s\n---", u, text)
	if logs, err := b.ConsoleLog(); err == nil {
		for _, l := range logs {
			b.t.Logf("console %s: %s", l.Level, l.Message)
		}
	}
	if a := os.Getenv("ARTIFACTS_DIR"); a != "" {
		png = filepath.Join(a, "failure-"+strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
	}
	if err := b.SaveScreenshot(png); err == nil {
		b.t.Logf("screenshot at failure: %s", png)
	}
}

// Close ends the session (closing Chromium) and stops chromedriver.
func (b *Browser) Close() {
	b.once.Do(func() {
		if b.base != "" {
			b.do(http.MethodDelete, b.base, nil, nil)
		}
		if b.driver != nil && b.driver.Process != nil {
			b.driver.Process.Kill()
			b.driver.Wait()
		}
	})
}

// DownloadDir is where downloads land.
func (b *Browser) DownloadDir() string { return b.download }

// WebDriverError is an error answer of the WebDriver protocol.
type WebDriverError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *WebDriverError) Error() string {
	msg, _, _ := strings.Cut(e.Message, "\n  (Session info")
	return fmt.Sprintf("webdriver %d %s: %s", e.Status, e.Code, msg)
}

// do sends one WebDriver command and decodes its "value" into out.
func (b *Browser) do(method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("webtest: %s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("webtest: %s %s: read: %w", method, url, err)
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("webtest: %s %s: status %d, not JSON: %.200s", method, url, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		e := &WebDriverError{Status: resp.StatusCode}
		json.Unmarshal(env.Value, e)
		return e
	}
	if out != nil {
		// "sessionId" sits inside "value" for New Session.
		if err := json.Unmarshal(env.Value, out); err != nil {
			return fmt.Errorf("webtest: %s %s: decode %.200s: %w", method, url, env.Value, err)
		}
	}
	return nil
}

func (b *Browser) post(path string, body, out any) error {
	if body == nil {
		body = map[string]any{}
	}
	return b.do(http.MethodPost, b.base+path, body, out)
}

func (b *Browser) get(path string, out any) error {
	return b.do(http.MethodGet, b.base+path, nil, out)
}

// Navigate loads url and waits for the page's load event.
func (b *Browser) Navigate(url string) error {
	return b.post("/url", map[string]string{"url": url}, nil)
}

// URL returns the current page's URL.
func (b *Browser) URL() (string, error) {
	var u string
	err := b.get("/url", &u)
	return u, err
}

// Find returns the first element matching the CSS selector, waiting up to
// the implicit wait for one to appear.
func (b *Browser) Find(css string) (*Element, error) {
	var v map[string]string
	if err := b.post("/element", map[string]string{"using": "css selector", "value": css}, &v); err != nil {
		return nil, fmt.Errorf("find %q: %w", css, err)
	}
	return &Element{b: b, id: v[elementKey], Selector: css}, nil
}

// FindAll returns every element matching the CSS selector, waiting for at
// least one up to the implicit wait (an empty result is not an error).
func (b *Browser) FindAll(css string) ([]*Element, error) {
	var vs []map[string]string
	if err := b.post("/elements", map[string]string{"using": "css selector", "value": css}, &vs); err != nil {
		return nil, fmt.Errorf("find all %q: %w", css, err)
	}
	out := make([]*Element, len(vs))
	for i, v := range vs {
		out[i] = &Element{b: b, id: v[elementKey], Selector: css}
	}
	return out, nil
}

// Exec runs a script in the page (the body of a function; arguments are in
// `arguments`) and decodes what it returns into out, when out is not nil.
func (b *Browser) Exec(script string, out any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	if err := b.post("/execute/sync", map[string]any{"script": script, "args": args}, out); err != nil {
		return fmt.Errorf("exec %.60q: %w", script, err)
	}
	return nil
}

// WaitJS waits until the JavaScript expression cond is true in the page,
// re-checking it on every DOM change (a MutationObserver, so no polling),
// up to the script timeout (30 s). An expression that throws counts as
// false.
func (b *Browser) WaitJS(cond string) error {
	script := `const done = arguments[arguments.length - 1];
const check = () => { try { return !!(` + cond + `); } catch (e) { return false; } };
if (check()) { done(true); return; }
const obs = new MutationObserver(() => { if (check()) { obs.disconnect(); done(true); } });
obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });`
	if err := b.post("/execute/async", map[string]any{"script": script, "args": []any{}}, nil); err != nil {
		return fmt.Errorf("wait for %s: %w", cond, err)
	}
	return nil
}

// Screenshot returns a PNG of the viewport.
func (b *Browser) Screenshot() ([]byte, error) {
	var s string
	if err := b.get("/screenshot", &s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

// FullScreenshot returns a PNG of the whole page, beyond the viewport,
// through chromedriver's DevTools pass-through.
func (b *Browser) FullScreenshot() ([]byte, error) {
	var out struct {
		Data string `json:"data"`
	}
	err := b.post("/goog/cdp/execute", map[string]any{"cmd": "Page.captureScreenshot",
		"params": map[string]any{"format": "png", "captureBeyondViewport": true}}, &out)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(out.Data)
}

// SaveScreenshot writes a PNG of the viewport to path, creating its folder.
func (b *Browser) SaveScreenshot(path string) error {
	return b.save(path, b.Screenshot)
}

// SaveFullScreenshot writes a PNG of the whole page to path.
func (b *Browser) SaveFullScreenshot(path string) error {
	return b.save(path, b.FullScreenshot)
}

func (b *Browser) save(path string, shot func() ([]byte, error)) error {
	png, err := shot()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// AlertText returns the text of an open alert, confirm or prompt, and
// whether one is open.
func (b *Browser) AlertText() (string, bool) {
	var s string
	if err := b.get("/alert/text", &s); err != nil {
		return "", false
	}
	return s, true
}

// LogEntry is one browser console message.
type LogEntry struct {
	Level     string `json:"level"`
	Message   string `json:"message"`
	Source    string `json:"source"`
	Timestamp int64  `json:"timestamp"`
}

// ConsoleLog returns and clears the browser console messages since the last
// call: script errors, CSP violations and failed loads among them.
func (b *Browser) ConsoleLog() ([]LogEntry, error) {
	var out []LogEntry
	err := b.post("/se/log", map[string]string{"type": "browser"}, &out)
	return out, err
}

// Click clicks the element's centre, as a user would.
func (e *Element) Click() error {
	if err := e.b.post("/element/"+e.id+"/click", nil, nil); err != nil {
		return fmt.Errorf("click %q: %w", e.Selector, err)
	}
	return nil
}

// Type sends keys to the element. "\ue007" is Enter.
func (e *Element) Type(text string) error {
	if err := e.b.post("/element/"+e.id+"/value", map[string]string{"text": text}, nil); err != nil {
		return fmt.Errorf("type into %q: %w", e.Selector, err)
	}
	return nil
}

// Clear empties an input or textarea.
func (e *Element) Clear() error {
	if err := e.b.post("/element/"+e.id+"/clear", nil, nil); err != nil {
		return fmt.Errorf("clear %q: %w", e.Selector, err)
	}
	return nil
}

// Text returns the element's rendered text.
func (e *Element) Text() (string, error) {
	var s string
	if err := e.b.get("/element/"+e.id+"/text", &s); err != nil {
		return "", fmt.Errorf("text of %q: %w", e.Selector, err)
	}
	return s, nil
}

// Attr returns an attribute's value ("" when absent).
func (e *Element) Attr(name string) (string, error) {
	var s *string
	if err := e.b.get("/element/"+e.id+"/attribute/"+name, &s); err != nil {
		return "", fmt.Errorf("attribute %s of %q: %w", name, e.Selector, err)
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// Property returns a DOM property's value as JSON.
func (e *Element) Property(name string) (json.RawMessage, error) {
	var v json.RawMessage
	if err := e.b.get("/element/"+e.id+"/property/"+name, &v); err != nil {
		return nil, fmt.Errorf("property %s of %q: %w", name, e.Selector, err)
	}
	return v, nil
}

// Find finds a descendant of the element by CSS selector, with the implicit
// wait.
func (e *Element) Find(css string) (*Element, error) {
	var v map[string]string
	if err := e.b.post("/element/"+e.id+"/element", map[string]string{"using": "css selector", "value": css}, &v); err != nil {
		return nil, fmt.Errorf("find %q in %q: %w", css, e.Selector, err)
	}
	return &Element{b: e.b, id: v[elementKey], Selector: e.Selector + " " + css}, nil
}

// ElementArg makes an element an argument of Exec.
func (e *Element) ElementArg() map[string]string { return map[string]string{elementKey: e.id} }

// WaitDownload waits up to d for a finished download whose name ends in
// suffix and returns its path. Chromium writes a .crdownload file first and
// renames it when done; the wait polls the folder, since a download has no
// page event to wait on.
func (b *Browser) WaitDownload(suffix string, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	for {
		ents, _ := os.ReadDir(b.download)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), suffix) && !strings.HasSuffix(e.Name(), ".crdownload") {
				p := filepath.Join(b.download, e.Name())
				if st, err := os.Stat(p); err == nil && st.Size() > 0 {
					return p, nil
				}
			}
		}
		if time.Now().After(deadline) {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			return "", fmt.Errorf("webtest: no finished download *%s in %s after %s (folder holds %v)", suffix, b.download, d, names)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ArtifactPath is where a test saves a file to look at later: under
// $ARTIFACTS_DIR when set, else under dir (a gitignored testdata/artifacts).
func ArtifactPath(dir, name string) string {
	if a := os.Getenv("ARTIFACTS_DIR"); a != "" {
		return filepath.Join(a, name)
	}
	return filepath.Join(dir, name)
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
