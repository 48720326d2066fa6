package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Errors a fetch can end with; errKind maps each to a RunSummary kind.
var (
	// ErrSSRF: the address or the scheme is not one the crawler may reach.
	ErrSSRF = errors.New("refused by the SSRF guard")
	// ErrTooLarge: the body, after decompression, is over MaxBodyBytes.
	ErrTooLarge = errors.New("body over the size limit")
	// ErrTooManyRedirects: more than MaxRedirects redirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRedirectLoop: a redirect back to a URL already in the chain.
	ErrRedirectLoop = errors.New("redirect loop")
	// ErrRobotsDenied: robots.txt disallows the URL (or a redirect target).
	ErrRobotsDenied = errors.New("disallowed by robots.txt")
	// ErrEncoding: a Content-Encoding the crawler did not ask for.
	ErrEncoding = errors.New("unsupported content encoding")
	// ErrCorrupt: a body that does not decode as its Content-Encoding
	// says (not gzip, truncated, a zstd window over 8 MB).
	ErrCorrupt = errors.New("body does not decode as its Content-Encoding says")
)

// RedirectError stops a redirect to another origin (scheme, host or port):
// the target is queued as a request of its own, so that its host's
// robots.txt, rate limit and budget apply to it.
type RedirectError struct {
	Status int
	Target string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect (%d) to another origin: %s", e.Status, e.Target)
}

// guard is the SSRF check run at connect time, on the resolved address, so
// DNS rebinding cannot get around it. It uses code.dny.dev/ssrf for the
// deny lists (loopback, private, link-local, CGNAT, metadata, reserved) and
// the port rule (80 and 443 only), and lets the explicitly allowed
// prefixes through on any port.
type guard struct {
	strict  *ssrf.Guardian
	allowed []netip.Prefix
}

func newGuard(cfg Config) (*guard, error) {
	g := &guard{strict: ssrf.New()}
	if cfg.AllowLoopback {
		g.allowed = append(g.allowed, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	}
	for _, s := range cfg.AllowedCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("crawler: AllowedCIDRs: %q: %w", s, err)
		}
		g.allowed = append(g.allowed, p.Masked())
	}
	return g, nil
}

// control is a net.Dialer Control function.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %w: %s", ErrSSRF, ssrf.ErrInvalidHostPort, address)
	}
	a := ap.Addr().Unmap()
	for _, p := range g.allowed {
		if p.Contains(a) {
			return nil
		}
	}
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: %w: %s", ErrSSRF, ssrf.ErrProhibitedNetwork, network)
	}
	if err := g.strict.SafeAddrPort(netip.AddrPortFrom(a, ap.Port())); err != nil {
		return fmt.Errorf("%w: %w", ErrSSRF, err)
	}
	return nil
}

// newTransport builds the one transport every request goes through, pages
// and robots.txt alike. Notes on the choices:
//   - Proxy is nil: a proxy from the environment would make the SSRF guard
//     check the proxy's address instead of the target's.
//   - DisableCompression: the transport does not gunzip; limitTransport
//     does, so that the size cap counts decompressed bytes.
//   - MaxIdleConnsPerHost = Parallelism: with Go's default of 2 the same
//     crawl opened 4,240 connections for 6,360 requests (COLLY_NOTES).
func newTransport(cfg Config, g *guard, maxConnsPerHost int) *http.Transport {
	dialer := &net.Dialer{
		Timeout:   cfg.HeaderTimeout,
		KeepAlive: 30 * time.Second,
		Control:   g.control,
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           cfg.Parallelism * 4,
		MaxIdleConnsPerHost:    cfg.Parallelism,
		MaxConnsPerHost:        maxConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    cfg.HeaderTimeout,
		ResponseHeaderTimeout:  cfg.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// limitTransport asks for zstd or gzip, decompresses them itself and caps
// the body after decompression. It marks every response Uncompressed so
// that colly never gunzips on its own: colly gunzips bodies whose
// Content-Type mentions gzip or whose path ends in .xml.gz, after its size
// cap, which would let a gzip bomb through (COLLY_NOTES: "the body-size cap
// counts bytes before colly's own gunzip").
//
// zstd (RFC 9659) comes first in Accept-Encoding: servers that have it
// send fewer bytes, and its decoder takes about a third of gzip's CPU on a
// 90 KB page of the synthetic network's shape (BenchmarkDecompress, 3 runs
// each: 0.21-0.26 ms against 0.58-0.77 ms).
type limitTransport struct {
	base    http.RoundTripper
	maxBody int64
	zstd    sync.Pool // *zstd.Decoder capped at maxBody
	// prefixOK: the caller reads only a prefix of the body, so a
	// Content-Length over maxBody is not refused up front (the body still
	// fails with ErrTooLarge past maxBody).
	prefixOK bool
}

// acceptEncoding is what the crawler asks for.
const acceptEncoding = "zstd, gzip"

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Accept-Encoding") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	var body io.Reader = resp.Body
	switch ce {
	case "", "identity":
		if resp.ContentLength > t.maxBody && !t.prefixOK {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: Content-Length %d is over %d bytes", ErrTooLarge, resp.ContentLength, t.maxBody)
		}
	case "gzip", "x-gzip":
		body = &lazyGzip{src: resp.Body, max: t.maxBody}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	case "zstd":
		body = &lazyZstd{src: resp.Body, max: t.maxBody, pool: &t.zstd}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	default:
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %q", ErrEncoding, ce)
	}
	resp.Body = &capBody{r: body, c: resp.Body, left: t.maxBody, max: t.maxBody}
	resp.Uncompressed = true
	return resp, nil
}

// gzipReaders keeps gzip readers (about 40 KB of decoder state each) and
// gzipInputs the buffers compressed bodies are read into, between
// responses.
var gzipReaders, gzipInputs sync.Pool

// lazyGzip reads the compressed body and opens the gzip stream on the first
// Read, so a server that sends headers and then stalls is caught by the
// request timeout while reading, not inside RoundTrip. It decodes with
// klauspost/compress, from the compressed bytes in memory, where its
// decoder takes its fast path (a stream goes through a slower bufio path):
// BenchmarkGunzip has it about 1.5 times as fast as compress/gzip reading
// the same body from a stream. The compressed bytes are capped at
// max, as the decompressed ones are by capBody: gzip never makes data
// smaller than a few bytes per 64 KB stored block. Reader and buffer go
// back to their pools on Close.
type lazyGzip struct {
	src io.Reader
	max int64
	in  *bytes.Buffer
	zr  *gzip.Reader
	err error
}

func (z *lazyGzip) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.zr == nil {
		if err := z.open(); err != nil {
			if err == io.EOF {
				z.err = io.EOF // an empty body (a 304, a HEAD)
			} else {
				z.err = corrupt("gzip", err)
			}
			return 0, z.err
		}
	}
	n, err := z.zr.Read(p)
	if err != nil && err != io.EOF {
		err = corrupt("gzip", err)
	}
	return n, err
}

// corrupt is the error of a body that failed to decode as coding: the
// decoder's own error (naming the coding once), marked ErrCorrupt unless
// it is the read's own (a timeout, a reset, the size cap).
func corrupt(coding string, err error) error {
	var ne net.Error
	if errors.Is(err, ErrTooLarge) || errors.As(err, &ne) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNRESET) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: truncated", ErrCorrupt, coding)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, coding+":") {
		msg = coding + ": " + msg
	}
	return fmt.Errorf("%w: %s", ErrCorrupt, msg)
}

// readCompressed reads a compressed body into a pooled buffer, at most a
// little over max bytes of it (gzip and zstd never make data larger than
// a few bytes per stored block): io.EOF when it is empty.
func readCompressed(src io.Reader, max int64) (*bytes.Buffer, error) {
	in, _ := gzipInputs.Get().(*bytes.Buffer)
	if in == nil {
		in = new(bytes.Buffer)
	}
	in.Reset()
	limit := max + max/1024 + 1024
	if _, err := in.ReadFrom(io.LimitReader(src, limit+1)); err != nil {
		return in, err
	}
	if int64(in.Len()) > limit {
		return in, fmt.Errorf("%w: more than %d bytes compressed", ErrTooLarge, limit)
	}
	if in.Len() == 0 {
		return in, io.EOF
	}
	return in, nil
}

// putInput gives a buffer of readCompressed back.
func putInput(in *bytes.Buffer) {
	if in != nil && in.Cap() <= 4<<20 {
		gzipInputs.Put(in)
	}
}

func (z *lazyGzip) open() error {
	var err error
	if z.in, err = readCompressed(z.src, z.max); err != nil {
		return err
	}
	src := bytes.NewReader(z.in.Bytes())
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		zr, err = gzip.NewReader(src)
	} else {
		err = zr.Reset(src)
	}
	if err != nil {
		if zr != nil {
			gzipReaders.Put(zr)
		}
		return err
	}
	z.zr = zr
	return nil
}

// release gives the reader and the buffer back; the stream reads as
// closed after.
func (z *lazyGzip) release() {
	if z.zr != nil {
		gzipReaders.Put(z.zr)
		z.zr = nil
	}
	putInput(z.in)
	z.in = nil
	z.err = errBodyClosed
}

// zstdOutputs keeps the buffers zstd bodies are decoded into.
var zstdOutputs sync.Pool

// lazyZstd is lazyGzip for zstd: it reads the compressed body on the first
// Read, capped as gzip's is, and decodes it at once with a pooled decoder.
// The decoder refuses output over the body cap (ErrTooLarge, before it is
// written: a zstd bomb costs no more memory than the cap) and windows over
// 8 MB, as RFC 9659 has the zstd content coding's decoders do; it knows no
// dictionary, which the content coding does not use.
type lazyZstd struct {
	src  io.Reader
	max  int64
	pool *sync.Pool
	in   *bytes.Buffer
	out  *[]byte
	r    *bytes.Reader
	err  error
}

// zstdWindow is the largest window the zstd content coding uses (RFC 9659).
const zstdWindow = 8 << 20

func (z *lazyZstd) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.r == nil {
		if z.err = z.open(); z.err != nil {
			return 0, z.err // io.EOF for an empty body
		}
	}
	return z.r.Read(p)
}

func (z *lazyZstd) open() error {
	var err error
	if z.in, err = readCompressed(z.src, z.max); err != nil {
		return err
	}
	dec, _ := z.pool.Get().(*zstd.Decoder)
	if dec == nil {
		dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(uint64(z.max)+1), zstd.WithDecoderMaxWindow(zstdWindow))
		if err != nil {
			return fmt.Errorf("zstd: %w", err) // the options: never in practice
		}
	}
	z.out, _ = zstdOutputs.Get().(*[]byte)
	if z.out == nil {
		z.out = new([]byte)
	}
	*z.out, err = dec.DecodeAll(z.in.Bytes(), (*z.out)[:0])
	z.pool.Put(dec)
	switch {
	case errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, z.max)
	case errors.Is(err, zstd.ErrWindowSizeExceeded):
		return fmt.Errorf("%w: zstd: window over %d bytes, the most the zstd content coding allows (RFC 9659)", ErrCorrupt, zstdWindow)
	case err != nil:
		return corrupt("zstd", err)
	}
	z.r = bytes.NewReader(*z.out)
	return nil
}

// release gives the buffers back; the stream reads as closed after.
func (z *lazyZstd) release() {
	putInput(z.in)
	z.in = nil
	if z.out != nil && cap(*z.out) <= 4<<20 {
		zstdOutputs.Put(z.out)
	}
	z.out, z.r = nil, nil
	z.err = errBodyClosed
}

var errBodyClosed = errors.New("read after the body was closed")

// capBody fails with ErrTooLarge as soon as more than max bytes come out.
type capBody struct {
	r         io.Reader
	c         io.Closer
	left, max int64
}

func (b *capBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, b.max)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("%w: more than %d bytes after decompression", ErrTooLarge, b.max)
	}
	return n, err
}

func (b *capBody) Close() error {
	if z, ok := b.r.(interface{ release() }); ok {
		z.release()
	}
	return b.c.Close()
}
