// Package admin is the bot's HTTP face for operators and moderators:
// liveness and readiness probes, Prometheus metrics, and a JSON API behind
// a bearer token to switch modes, approve proposed replies, work the
// escalation queue, read the audit trail and check a text.
//
// Probes and metrics are open, as probes and scrapers expect; bind the
// server to a private address. The API answers only requests carrying the
// configured token and is disabled without one.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/bot"
)

// Config holds the admin server's knobs, as plain values.
type Config struct {
	// Addr is the address to listen on; port 0 picks a free port (see
	// Server.Addr).
	Addr string
	// Token is the bearer token of the JSON API; empty disables the API.
	// It is a secret: never logged, and masked by String.
	Token string
	// ReadTimeout bounds reading a request, headers included.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response.
	WriteTimeout time.Duration
	// IdleTimeout bounds a kept-alive connection waiting for a request.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for requests in flight at shutdown.
	ShutdownTimeout time.Duration
	// ReadyTimeout bounds the store ping of /readyz.
	ReadyTimeout time.Duration
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
}

// The defaults of Config.
const (
	DefaultReadTimeout     = 10 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultIdleTimeout     = 2 * time.Minute
	DefaultShutdownTimeout = 5 * time.Second
	DefaultReadyTimeout    = 2 * time.Second
	DefaultMaxBody         = 256 << 10
)

// Validate fills defaults and checks the values.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Addr) == "" {
		errs = append(errs, errors.New("admin: addr: required"))
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	setDur(&c.ReadTimeout, DefaultReadTimeout)
	setDur(&c.WriteTimeout, DefaultWriteTimeout)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	setDur(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDur(&c.ReadyTimeout, DefaultReadyTimeout)
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Token != strings.TrimSpace(c.Token) {
		errs = append(errs, errors.New("admin: token: leading or trailing spaces"))
	}
	return errors.Join(errs...)
}

// String prints the configuration with the token masked.
func (c Config) String() string {
	tok := ""
	if c.Token != "" {
		tok = "********"
	}
	return fmt.Sprintf("{Addr:%s Token:%s ReadTimeout:%s WriteTimeout:%s IdleTimeout:%s ShutdownTimeout:%s ReadyTimeout:%s MaxBody:%d}",
		c.Addr, tok, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout, c.ShutdownTimeout, c.ReadyTimeout, c.MaxBody)
}

// Server is the admin HTTP server. It listens from New on; Serve serves
// until its context ends.
type Server struct {
	cfg     Config
	eng     *bot.Engine
	metrics *Metrics
	log     zerolog.Logger

	tokenSum [sha256.Size]byte // hash of the token, compared in constant time
	ln       net.Listener
	srv      *http.Server
	served   atomic.Bool
}

// New returns a server for eng, listening on cfg.Addr. m is what /metrics
// serves; it should be the Metrics given to the engine and the scheduler
// (nil serves a fresh one). A failure to listen is returned here, so that
// it stops the program at start-up.
func New(cfg Config, eng *bot.Engine, m *Metrics, log zerolog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if eng == nil {
		return nil, errors.New("admin: an engine is required")
	}
	if m == nil {
		m = NewMetrics()
	}
	s := &Server{
		cfg:      cfg,
		eng:      eng,
		metrics:  m,
		log:      log.With().Str("component", "admin").Logger(),
		tokenSum: sha256.Sum256([]byte(cfg.Token)),
	}
	if cfg.Token == "" {
		s.log.Warn().Msg("no admin token configured: the JSON API is disabled")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("admin: listen on %s: %w", cfg.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: cfg.ReadTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          stdlog.New(s.log, "", 0),
	}
	return s, nil
}

// Addr is the address the server listens on, with the port picked when
// the configured one was 0.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve answers requests until ctx ends, then shuts down: it stops
// listening and waits, up to the shutdown timeout, for the requests in
// flight. It returns nil after a clean shutdown. It can be called once; it
// closes the listener opened by New.
func (s *Server) Serve(ctx context.Context) error {
	if !s.served.CompareAndSwap(false, true) {
		return errors.New("admin: serve: already called")
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	s.log.Info().Str("addr", s.Addr()).Bool("api", s.cfg.Token != "").Msg("admin server listening")
	select {
	case err := <-errc:
		return fmt.Errorf("admin: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	<-errc // http.ErrServerClosed once Shutdown has begun
	if err != nil {
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	s.log.Info().Msg("admin server stopped")
	return nil
}

// routes builds the handler of every endpoint.
func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.Handle("GET /api/v1/status", s.handle(s.status))
	api.Handle("GET /api/v1/switches", s.handle(s.switches))
	api.Handle("PUT /api/v1/switches", s.handle(s.setSwitch))
	api.Handle("DELETE /api/v1/switches", s.handle(s.clearSwitch))
	api.Handle("GET /api/v1/proposals", s.handle(s.proposals))
	api.Handle("POST /api/v1/proposals/{id}/approve", s.handle(s.approve))
	api.Handle("POST /api/v1/proposals/{id}/reject", s.handle(s.reject))
	api.Handle("GET /api/v1/escalations", s.handle(s.escalations))
	api.Handle("POST /api/v1/escalations/{id}/resolve", s.handle(s.resolve))
	api.Handle("GET /api/v1/audit", s.handle(s.audit))
	api.Handle("POST /api/v1/check", s.handle(s.check))
	api.Handle("/api/", fallback(api, "/api/"))

	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", s.healthz)
	root.HandleFunc("GET /readyz", s.readyz)
	root.Handle("GET /metrics", s.metrics.Handler())
	root.Handle("/api/", s.authorize(api))
	root.Handle("/", fallback(root, "/"))
	return s.accessLog(root)
}

// fallback answers what mux has no route for: 405 naming the allowed
// methods when the path exists with another method, else 404.
func fallback(mux *http.ServeMux, catchAll string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
}

// authorize lets through only requests with the configured bearer token.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Token == "" {
			writeError(w, http.StatusForbidden, "the admin API is disabled: no token is configured")
			return
		}
		if !s.authorized(r.Header.Get("Authorization")) {
			s.log.Warn().Str("method", r.Method).Msg("admin API request without a valid token refused")
			w.Header().Set("WWW-Authenticate", `Bearer realm="inpsbot"`)
			writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized reports whether an Authorization header carries the token.
// Both sides are hashed first, so the comparison takes the same time
// whatever the length or content of the token offered.
func (s *Server) authorized(header string) bool {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], s.tokenSum[:]) == 1
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs each request at debug by its route pattern: never the
// raw path, query or body.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.Debug().Str("method", r.Method).Str("route", r.Pattern).Int("status", sw.status).
			Int64("duration_ms", time.Since(start).Milliseconds()).Msg("request")
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of /readyz.
type readiness struct {
	Ready     bool            `json:"ready"`
	Store     string          `json:"store"` // "ok" or "unreachable"
	Platforms map[string]bool `json:"platforms"`
	NotReady  []string        `json:"not_ready,omitempty"` // "store" and the sources down
}

// readyz answers 200 when the store answers and every platform source is
// receiving, else 503 naming what is not ready.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	res := readiness{Ready: true, Store: "ok", Platforms: s.eng.Up()}
	if err := s.eng.Store().Ping(ctx); err != nil {
		s.log.Debug().Err(err).Msg("readiness: store ping failed")
		res.Ready, res.Store = false, "unreachable"
		res.NotReady = append(res.NotReady, "store")
	}
	var down []string
	for src, up := range res.Platforms {
		if !up {
			down = append(down, src)
		}
	}
	sort.Strings(down)
	if len(down) > 0 {
		res.Ready = false
		res.NotReady = append(res.NotReady, down...)
	}
	status := http.StatusOK
	if !res.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, res)
}
