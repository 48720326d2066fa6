package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/creatorscout/creatorscout/creator"
)

// ctxKeyName is where guard leaves the name of the request's API key.
const ctxKeyName = "api.key"

// middleware installs what runs on every request, matched or not, outermost
// first: access log and metrics, panic recovery, secure headers, CORS (only
// when origins are configured), the body limit and the request deadline.
func (s *Server) middleware(e *echo.Echo) error {
	e.Use(s.observe, s.recover, s.secureHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		for i, o := range s.cfg.CORSOrigins {
			if o == "" {
				return fmt.Errorf("api: %w", creator.Invalid(fmt.Sprintf("cors_origins[%d]", i), "is empty"))
			}
		}
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  s.cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, HeaderAPIKey, echo.HeaderContentType},
			ExposeHeaders: []string{echo.HeaderRetryAfter},
			MaxAge:        600,
		}))
	}
	e.Use(s.bodyLimit)
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{
		Timeout:      s.cfg.RequestTimeout,
		ErrorHandler: func(err error, _ echo.Context) error { return err }, // handleError maps deadlines
	}))
	return nil
}

// observe writes the access log line and the request metrics. It renders a
// returned error itself (through handleError) so the status it records is
// the one sent.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := s.now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		took := s.now().Sub(start)
		req, res := c.Request(), c.Response()
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		if s.metrics != nil {
			s.metrics.requests.WithLabelValues(req.Method, route, strconv.Itoa(res.Status)).Inc()
			s.metrics.latency.WithLabelValues(req.Method, route).Observe(took.Seconds())
		}
		key, _ := c.Get(ctxKeyName).(string)
		s.log.Info("api: request", "method", req.Method, "route", route, "status", res.Status,
			"bytes", res.Size, "took", took, "ip", c.RealIP(), "key", key)
		return nil
	}
}

// recover turns a panic in a handler into an internal error with its stack.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("api: panic in %s %s: %v\n%s", c.Request().Method, c.Path(), r, debug.Stack())
			}
		}()
		return next(c)
	}
}

// secureHeaders sets the headers every response carries, errors included.
func (s *Server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		h.Set(echo.HeaderXFrameOptions, "DENY")
		h.Set(echo.HeaderReferrerPolicy, "no-referrer")
		h.Set(echo.HeaderContentSecurityPolicy, s.cfg.CSP)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// bodyLimit refuses a body over the limit: at once from Content-Length, or
// while it is read (a chunked body) through http.MaxBytesReader, whose
// error handleError maps to 413.
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	limit := s.cfg.BodyLimit
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > limit {
			return &creator.Error{Code: creator.ETOOLARGE, Param: "body",
				Message: fmt.Sprintf("is %d bytes; the limit is %d", req.ContentLength, limit)}
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		return next(c)
	}
}

// guard runs on every routed request: it finds the API key, rate limits the
// key (or the client IP without a valid key) and checks the key's scope.
// A request over the limit gets 429 before its key is judged, so guessing
// keys is rate limited too.
func (s *Server) guard(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if scope == ScopePublic {
			return next
		}
		return func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
			var (
				k     parsedKey
				valid bool
			)
			raw, sent, conflict := presentedKey(c.Request())
			if sent && len(s.keys) > 0 && conflict == "" {
				k, valid = s.lookupKey(raw)
			}
			if s.limiter != nil {
				client := clientBucket(c.RealIP())
				if valid {
					client = "key:" + k.name
				}
				if ok, wait := s.limiter.allow(client, s.now()); !ok {
					secs := int64(math.Ceil(wait.Seconds()))
					if secs < 1 {
						secs = 1
					}
					c.Response().Header().Set(echo.HeaderRetryAfter, strconv.FormatInt(secs, 10))
					return creator.Errorf(creator.ERATELIMITED, "too many requests; retry after %d s", secs)
				}
			}
			if len(s.keys) == 0 {
				return next(c)
			}
			switch {
			case conflict != "":
				e := creator.Errorf(creator.EUNAUTHORIZED, "send one credential: \"Authorization: Bearer KEY\" or \"%s: KEY\", once", HeaderAPIKey)
				e.Param = conflict
				return e
			case !sent:
				return creator.Errorf(creator.EUNAUTHORIZED, "an API key is required: send \"Authorization: Bearer KEY\" or \"%s: KEY\"", HeaderAPIKey)
			case !valid:
				return creator.Errorf(creator.EUNAUTHORIZED, "the API key is not valid")
			}
			c.Set(ctxKeyName, k.name)
			if !scopeAllows(k.scope, scope) {
				return creator.Errorf(creator.EFORBIDDEN, "this route needs a key with %s scope; key %q has %s", scope, k.name, k.scope)
			}
			return next(c)
		}
	}
}

// httpMetrics are the API's request metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "creatorscout_http_requests_total",
			Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "creatorscout_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	// A second server on the same registry shares the collectors.
	if err := reg.Register(m.requests); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
		if m.requests, _ = are.ExistingCollector.(*prometheus.CounterVec); m.requests == nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	if err := reg.Register(m.latency); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
		if m.latency, _ = are.ExistingCollector.(*prometheus.HistogramVec); m.latency == nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	return m, nil
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{}))
}
