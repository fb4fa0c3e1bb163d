package admin

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// ConsoleConfig holds the knobs of the moderators' web console, served by
// the admin server under /console/. The console is off without users.
type ConsoleConfig struct {
	// Users are the moderators who may sign in.
	Users []ConsoleUser `yaml:"users"`
	// SecureCookies marks the session cookie Secure on every answer, for a
	// console behind a TLS proxy that does not set X-Forwarded-Proto. The
	// cookie is Secure anyway when the request came over TLS.
	SecureCookies bool `yaml:"secure_cookies"`
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// MaxFailures failed sign-ins of one moderator, or from one client
	// address, lock that moderator or address out for LockFor.
	MaxFailures int           `yaml:"max_failures"`
	LockFor     time.Duration `yaml:"lock_for"`
	// Lang is the interface language: "it" (the default) or "en".
	Lang string `yaml:"lang"`
}

// ConsoleUser is one moderator: a name, shown in the audit trail, and the
// bcrypt hash of a password ("inpsbot moderator add NAME" prints both).
type ConsoleUser struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"`
}

// The defaults of ConsoleConfig.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultMaxFailures = 5
	DefaultLockFor     = 15 * time.Minute
	DefaultLang        = "it"
)

// MinPasswordLen is the shortest moderator password accepted, in
// characters.
const MinPasswordLen = 12

// Validate fills defaults and checks the values.
func (c *ConsoleConfig) Validate() error {
	var errs []error
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.LockFor <= 0 {
		c.LockFor = DefaultLockFor
	}
	c.Lang = strings.ToLower(strings.TrimSpace(c.Lang))
	if c.Lang == "" {
		c.Lang = DefaultLang
	}
	if _, ok := messages[c.Lang]; !ok {
		errs = append(errs, fmt.Errorf("admin: console: lang: %q is not it or en", c.Lang))
	}
	seen := make(map[string]bool, len(c.Users))
	for i, u := range c.Users {
		if err := ValidModeratorName(u.Name); err != nil {
			errs = append(errs, fmt.Errorf("admin: console: users[%d]: %w", i, err))
			continue
		}
		if seen[u.Name] {
			errs = append(errs, fmt.Errorf("admin: console: users[%d]: %s listed twice", i, u.Name))
		}
		seen[u.Name] = true
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			errs = append(errs, fmt.Errorf("admin: console: users[%d] (%s): password_hash is not a bcrypt hash", i, u.Name))
		}
	}
	return errors.Join(errs...)
}

// String prints the configuration without the password hashes.
func (c ConsoleConfig) String() string {
	names := make([]string, len(c.Users))
	for i, u := range c.Users {
		names[i] = u.Name
	}
	return fmt.Sprintf("{Users:[%s] SecureCookies:%t SessionTTL:%s MaxFailures:%d LockFor:%s Lang:%s}",
		strings.Join(names, " "), c.SecureCookies, c.SessionTTL, c.MaxFailures, c.LockFor, c.Lang)
}

// ValidModeratorName checks a moderator's name: printable, without spaces
// at the ends, at most 64 characters. It appears in the audit trail.
func ValidModeratorName(name string) error {
	switch {
	case name == "":
		return errors.New("name: required")
	case name != strings.TrimSpace(name):
		return errors.New("name: leading or trailing spaces")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxName:
		return fmt.Errorf("name: at most %d characters", maxName)
	case strings.IndexFunc(name, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0:
		return errors.New("name: unprintable characters")
	}
	return nil
}

//go:embed web
var webFS embed.FS

// console is the moderators' web console of a Server.
type console struct {
	s     *Server
	cfg   ConsoleConfig
	auth  *auth
	pages map[string]*template.Template
	t     map[string]string // the interface texts in the configured language
	stats *statsWorker      // keeps the activity charts' counts
	now   func() time.Time
}

// EnableConsole turns on the moderators' web console under /console/ (and
// sends / there). It must be called before Serve. Without users it does
// nothing: the console stays off.
//
// The console counts the activity charts in a goroutine of its own, which
// runs while Serve serves: Serve returns only once it has ended.
func (s *Server) EnableConsole(cfg ConsoleConfig) error {
	_, err := s.enableConsole(cfg)
	return err
}

// enableConsole is EnableConsole, returning the console (nil when off).
func (s *Server) enableConsole(cfg ConsoleConfig) (*console, error) {
	if s.served.Load() {
		return nil, errors.New("admin: enable console: the server is serving already")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Users) == 0 {
		s.log.Info().Msg("no moderators configured: the web console is off")
		return nil, nil
	}
	c, err := newConsole(s, cfg)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	c.consoleRoutes(mux)
	mux.Handle("/", s.srv.Handler)
	s.srv.Handler = mux
	// Serve closes the listener on its way out, whatever ends it, and
	// waits for that: closing it stops the console's goroutine.
	s.ln = &workerListener{Listener: s.ln, stop: c.stats.stop}
	base := s.srv.BaseContext
	s.srv.BaseContext = func(l net.Listener) context.Context {
		c.stats.start()
		if base != nil {
			return base(l)
		}
		return context.Background()
	}
	s.log.Info().Int("moderators", len(cfg.Users)).Msg("web console enabled under /console/")
	return c, nil
}

func newConsole(s *Server, cfg ConsoleConfig) (*console, error) {
	users := make(map[string][]byte, len(cfg.Users))
	for _, u := range cfg.Users {
		users[u.Name] = []byte(u.PasswordHash)
	}
	c := &console{s: s, cfg: cfg, t: messages[cfg.Lang], now: time.Now}
	c.auth = &auth{users: users, ttl: cfg.SessionTTL, maxFailures: cfg.MaxFailures, lockFor: cfg.LockFor,
		secure: cfg.SecureCookies, now: func() time.Time { return c.now() },
		sessions: make(map[[32]byte]*session), byUser: make(map[string]*failures), byClient: make(map[string]*failures)}
	c.stats = newStatsWorker(s.eng.Store(), func() time.Time { return c.now() }, s.log)
	pages, err := parsePages(c.funcs())
	if err != nil {
		return nil, err
	}
	c.pages = pages
	return c, nil
}

// pageNames are the console's pages; each is web/templates/NAME.html
// inside the layout.
var pageNames = []string{"login", "overview", "review", "activity", "rules", "error"}

func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("admin: console: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func (c *console) funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string {
			if v, ok := c.t[key]; ok {
				return v
			}
			return key
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.Local().Format("02/01/2006 15:04")
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join": strings.Join,
	}
}

// consoleRoutes registers the console's endpoints on mux.
func (c *console) consoleRoutes(mux *http.ServeMux) {
	h := func(fn func(http.ResponseWriter, *http.Request)) http.Handler {
		return c.s.accessLog(c.headers(http.HandlerFunc(fn)))
	}
	page := func(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler { return h(c.page(fn)) }
	act := func(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler { return h(c.action(fn)) }

	mux.Handle("GET /{$}", h(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	}))
	mux.Handle("GET /console", h(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	}))
	mux.Handle("GET /console/static/", c.s.accessLog(c.static()))
	mux.Handle("GET /console/login", h(c.loginForm))
	mux.Handle("POST /console/login", h(c.login))
	mux.Handle("POST /console/logout", act(c.logout))

	mux.Handle("GET /console/{$}", page(c.overview))
	mux.Handle("POST /console/switch", act(c.setSwitch))
	mux.Handle("GET /console/review", page(c.review))
	mux.Handle("POST /console/proposals/{id}/amend", act(c.amend))
	mux.Handle("POST /console/proposals/{id}/approve", act(c.approve))
	mux.Handle("POST /console/proposals/{id}/reject", act(c.reject))
	mux.Handle("POST /console/escalations/{id}/take", act(c.take))
	mux.Handle("POST /console/escalations/{id}/resolve", act(c.resolve))
	mux.Handle("GET /console/link/{kind}/{id}", page(c.link))
	mux.Handle("GET /console/activity", page(c.activity))
	mux.Handle("GET /console/rules", page(c.rules))
	mux.Handle("POST /console/check", act(c.check))
	mux.Handle("/console/", h(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, http.StatusNotFound, "err_not_found")
	}))
}

// headers sets the security headers of every console answer: nothing is
// cached, framed, sniffed or loaded from elsewhere.
func (c *console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// static serves the embedded stylesheet and script.
func (c *console) static() http.Handler {
	sub, err := fs.Sub(webFS, "web/static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	fsrv := http.StripPrefix("/console/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fsrv.ServeHTTP(w, r)
	})
}

// sessionOf returns the live session of a request.
func (c *console) sessionOf(r *http.Request) (*session, string, bool) {
	id := cookieValue(r, sessionCookie)
	s, ok := c.auth.lookup(id)
	return s, id, ok
}

// page lets a signed-in moderator through; anyone else goes to the
// sign-in form, which brings them back here.
func (c *console) page(fn func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, _, ok := c.sessionOf(r)
		if !ok {
			http.Redirect(w, r, "/console/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		fn(w, r, s)
	}
}

// action lets through a form sent by a signed-in moderator from one of
// the console's pages: a live session, the session's CSRF token, and a
// same-origin request. Anything else is refused with 403.
func (c *console) action(fn func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, _, ok := c.sessionOf(r)
		if !ok {
			c.fail(w, r, nil, http.StatusForbidden, "err_signed_out")
			return
		}
		if !c.auth.sameOrigin(r) {
			c.s.log.Warn().Str("route", r.Pattern).Msg("console: cross-origin form refused")
			c.fail(w, r, s, http.StatusForbidden, "err_origin")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, c.s.cfg.MaxBody)
		if err := r.ParseForm(); err != nil {
			c.fail(w, r, s, http.StatusBadRequest, "err_form")
			return
		}
		if !sameToken(r.PostForm.Get("csrf"), s.csrf) {
			c.s.log.Warn().Str("route", r.Pattern).Msg("console: form without a valid CSRF token refused")
			c.fail(w, r, s, http.StatusForbidden, "err_csrf")
			return
		}
		fn(w, r, s)
	}
}

// pageData is what every page template gets.
type pageData struct {
	Lang  string
	Page  string // the page's name, for the navigation
	Title string
	User  string // the signed-in moderator, "" on the sign-in form
	CSRF  string
	Flash string // a message after a change
	Error string // a message after a refusal
	Body  any    // the page's own data
}

// render writes a page. The page is built in memory first, so that a
// template error gives a clean 500 instead of half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, s *session, body any) {
	d := pageData{Lang: c.cfg.Lang, Page: name, Title: c.t["title_"+name], Body: body}
	if s != nil {
		d.User, d.CSRF = s.user, s.csrf
	}
	if k := r.URL.Query().Get("ok"); k != "" {
		if msg, ok := c.t["ok_"+k]; ok {
			d.Flash = msg
		}
	}
	if k := r.URL.Query().Get("err"); k != "" {
		if msg, ok := c.t["err_"+k]; ok {
			d.Error = msg
		}
	}
	if e, ok := body.(interface{ errorKey() string }); ok && e.errorKey() != "" {
		d.Error = c.t[e.errorKey()]
	}
	if e, ok := body.(interface{ errorText() string }); ok && e.errorText() != "" {
		d.Error = e.errorText()
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, d); err != nil {
		c.s.log.Error().Err(err).Str("page", name).Msg("console: page not rendered")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string
}

// fail answers with the error page; key names its message.
func (c *console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, key string) {
	c.render(w, r, status, "error", s, errorPage{Status: status, Message: c.t[key]})
}

// internal answers a failure of the engine or the store: logged (errors
// name operations and ids only), and told to the moderator without detail.
func (c *console) internal(w http.ResponseWriter, r *http.Request, s *session, err error) {
	c.s.log.Error().Err(err).Str("method", r.Method).Str("route", r.Pattern).Msg("console request failed")
	c.fail(w, r, s, http.StatusInternalServerError, "err_internal")
}

// back redirects after a change to a console path, with a message key.
func back(w http.ResponseWriter, r *http.Request, path, ok, fragment string) {
	u := path
	if ok != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "ok=" + url.QueryEscape(ok)
	}
	if fragment != "" {
		u += "#" + fragment
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// localPath keeps a redirect inside the console: a path under /console/,
// never another host.
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/console/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") ||
		strings.ContainsAny(p, "\r\n") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return p
}

// loginPage is the data of the sign-in form.
type loginPage struct {
	Token string
	Next  string
	Err   string
}

func (p loginPage) errorKey() string { return p.Err }

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := c.sessionOf(r); ok {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/console/"), http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, "")
}

// showLogin renders the sign-in form with a fresh token, also set as a
// cookie: the form must send both back (a double-submit token, since there
// is no session yet).
func (c *console) showLogin(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	tok := randomToken()
	c.auth.setCookie(w, r, loginCookie, tok, loginTTL)
	next := localPath(r.FormValue("next"), "/console/")
	c.render(w, r, status, "login", nil, loginPage{Token: tok, Next: next, Err: errKey})
}

func (c *console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, c.s.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		c.showLogin(w, r, http.StatusBadRequest, "err_form")
		return
	}
	if !c.auth.sameOrigin(r) || !sameToken(r.PostForm.Get("csrf"), cookieValue(r, loginCookie)) {
		c.s.log.Warn().Msg("console: sign-in form without a valid token refused")
		c.showLogin(w, r, http.StatusForbidden, "err_csrf")
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	password := r.PostForm.Get("password")
	if len(name) > 4*maxName || len(password) > 1024 {
		c.showLogin(w, r, http.StatusUnauthorized, "err_login")
		return
	}
	ok, locked := c.auth.signIn(name, password, clientIP(r))
	switch {
	case locked:
		c.s.log.Warn().Msg("console: sign-in refused during a lock-out")
		c.showLogin(w, r, http.StatusTooManyRequests, "err_locked")
		return
	case !ok:
		c.s.log.Warn().Msg("console: failed sign-in")
		c.showLogin(w, r, http.StatusUnauthorized, "err_login")
		return
	}
	id, _ := c.auth.start(name)
	c.auth.setCookie(w, r, sessionCookie, id, c.cfg.SessionTTL)
	c.auth.setCookie(w, r, loginCookie, "", 0)
	c.s.log.Info().Str("actor", name).Msg("console: moderator signed in")
	http.Redirect(w, r, localPath(r.PostForm.Get("next"), "/console/"), http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	_, id, _ := c.sessionOf(r)
	c.auth.end(id)
	c.auth.setCookie(w, r, sessionCookie, "", 0)
	c.s.log.Info().Str("actor", s.user).Msg("console: moderator signed out")
	http.Redirect(w, r, "/console/login?ok=signed_out", http.StatusSeeOther)
}
