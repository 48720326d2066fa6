package crawler

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// maxHostLabels bounds the host label's values; later hosts share "other",
// so a crawl of the open web cannot blow up the metric's cardinality.
const maxHostLabels = 500

type metrics struct {
	registered    bool
	fetches       *prometheus.CounterVec // host, status (an HTTP status or an error kind)
	bytes         *prometheus.CounterVec // host
	parseErrors   *prometheus.CounterVec // source
	robotsDenials *prometheus.CounterVec // host
	backoffs      *prometheus.CounterVec // host, reason
	errors        *prometheus.CounterVec // kind
	rejected      *prometheus.CounterVec // reason
	queueDepth    prometheus.Gauge
	inflight      prometheus.Gauge

	mu    sync.Mutex
	hosts map[string]bool
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "creatorscout", "crawler"
	m := &metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "fetches_total",
			Help: "Requests by host and outcome: an HTTP status, or an error kind when no response came."}, []string{"host", "status"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "response_bytes_total",
			Help: "Response body bytes after decompression, by host."}, []string{"host"}),
		parseErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "parse_errors_total",
			Help: "Pages a source could not fully read, by source."}, []string{"source"}),
		robotsDenials: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "robots_denials_total",
			Help: "URLs not fetched because robots.txt disallows them, by host."}, []string{"host"}),
		backoffs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "backoffs_total",
			Help: "Host pauses after a failure, by host and reason (retry_after, backoff)."}, []string{"host", "reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "errors_total",
			Help: "Failed attempts by kind, as in the run summary."}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "urls_rejected_total",
			Help: "Links not queued, by reason (url_length, repeated_segments, depth, scheme, ...)."}, []string{"reason"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "queue_depth",
			Help: "Frontier items of the current run not yet finished."}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "requests_in_flight",
			Help: "Requests being fetched now."}),
		hosts: map[string]bool{},
	}
	if reg == nil {
		return m, nil
	}
	m.registered = true
	var err error
	m.fetches = register(reg, m.fetches, &err)
	m.bytes = register(reg, m.bytes, &err)
	m.parseErrors = register(reg, m.parseErrors, &err)
	m.robotsDenials = register(reg, m.robotsDenials, &err)
	m.backoffs = register(reg, m.backoffs, &err)
	m.errors = register(reg, m.errors, &err)
	m.rejected = register(reg, m.rejected, &err)
	m.queueDepth = register(reg, m.queueDepth, &err)
	m.inflight = register(reg, m.inflight, &err)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same name (a second Crawler on the same registry shares the series).
func register[T prometheus.Collector](reg prometheus.Registerer, c T, errp *error) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
		if *errp == nil {
			*errp = err
		}
	}
	return c
}

// host returns the label value for a host key.
func (m *metrics) host(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hosts[key] {
		return key
	}
	if len(m.hosts) >= maxHostLabels {
		return "other"
	}
	m.hosts[key] = true
	return key
}
