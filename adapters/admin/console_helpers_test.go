package admin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
	"github.com/inps-social/inpsbot/replies"
)

// The moderator of the console tests.
const (
	testModerator = "maria.bianchi"
	testPassword  = "una-password-lunga-per-i-test"
)

// The personal data of the posts the console tests drive through the
// engine: none may appear in any page.
var personalData = []string{"333 1234567", "3331234567", "IT60X0542811101000000123456", "RSSMRA85T10A562S",
	"mario.rossi85@example.com", "@mario_rossi_85", "98765"}

// piiPost is a citizen's post full of personal data.
// It asks to be forgotten, so that it is escalated as well as hidden.
const piiPost = "Buongiorno, voglio che cancelliate tutti i miei dati. Il mio numero è 333 1234567, " +
	"IBAN IT60X0542811101000000123456, codice fiscale RSSMRA85T10A562S, scrivetemi a mario.rossi85@example.com"

// testHash is the bcrypt hash of testPassword, at the lowest cost.
var testHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// consoleResponder is the real responder: rules, replies and detector as
// shipped. It is pure and shared by the tests.
var consoleResponder = sync.OnceValues(func() (*bot.Responder, error) {
	rs, err := rules.Load(configs.FS, "rules")
	if err != nil {
		return nil, err
	}
	cat, err := replies.Load(replies.Config{})
	if err != nil {
		return nil, err
	}
	return bot.NewResponder(pii.New(), rs, cat)
})

// sentReply is a reply the fake platform was asked to post.
type sentReply struct {
	PostID string
	Text   string
}

// consolePlatform is an in-process bot.Platform: it receives nothing and
// records what the engine sends.
type consolePlatform struct {
	mu      sync.Mutex
	replies []sentReply
	hides   []string
}

func (p *consolePlatform) Name() string     { return "telegram" }
func (p *consolePlatform) Account() string  { return "inps" }
func (p *consolePlatform) Idempotent() bool { return true }

func (p *consolePlatform) Receive(ctx context.Context, _ string, _ bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (p *consolePlatform) Reply(_ context.Context, to bot.Post, text, _ string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replies = append(p.replies, sentReply{PostID: to.ID, Text: text})
	return nil
}

func (p *consolePlatform) Hide(_ context.Context, post bot.Post, _ string) (bot.HideOutcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hides = append(p.hides, post.ID)
	return bot.HideDeleted, nil
}

func (p *consolePlatform) Notify(context.Context, bot.Post, string, string) error { return nil }

func (p *consolePlatform) sent() []sentReply {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sentReply(nil), p.replies...)
}

// testClock is a clock the tests move; safe for the server's goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// consoleOptions vary the harness.
type consoleOptions struct {
	mode   bot.Mode // the engine's default mode
	cfg    ConsoleConfig
	run    bool // run the engine (sources and dispatcher)
	logger zerolog.Logger
	store  func(bot.Store) bot.Store // wraps the store the engine is given, when set
}

// consoleHarness is an engine on an in-memory store with a fake platform,
// and an admin server with the console on 127.0.0.1:0.
type consoleHarness struct {
	t     *testing.T
	eng   *bot.Engine
	store bot.Store
	plat  *consolePlatform
	con   *console
	clock *testClock
	base  string
	// stopServing ends Serve and waits for it to return; the test's
	// cleanup does it anyway.
	stopServing func()
}

func newConsoleHarness(t *testing.T, o consoleOptions) *consoleHarness {
	t.Helper()
	st, err := sqlite.Open(t.Context(), storePath(t))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("store Close: %v", err)
		}
	})
	resp, err := consoleResponder()
	if err != nil {
		t.Fatalf("responder: %v", err)
	}
	plat := &consolePlatform{}
	var engStore bot.Store = st
	if o.store != nil {
		engStore = o.store(st)
	}
	eng, err := bot.NewEngine(bot.EngineConfig{Mode: o.mode, AuthorKey: []byte("an author key of the console tests"),
		Poll: 20 * time.Millisecond, RetryBase: 10 * time.Millisecond, Grace: time.Second}, engStore, resp, []bot.Platform{plat}, o.logger)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	srv, err := New(Config{Addr: "127.0.0.1:0"}, eng, nil, o.logger)
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	cfg := o.cfg
	if cfg.Users == nil {
		cfg.Users = []ConsoleUser{{Name: testModerator, PasswordHash: testHash()}}
	}
	con, err := srv.enableConsole(cfg)
	if err != nil {
		t.Fatalf("EnableConsole: %v", err)
	}
	clock := newTestClock()
	if con != nil {
		con.now = clock.now
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	var once sync.Once
	var serveErr error
	stopServing := func() {
		once.Do(func() {
			stop()
			serveErr = <-done
		})
		if serveErr != nil {
			t.Errorf("Serve: %v", serveErr)
		}
	}
	t.Cleanup(stopServing)
	h := &consoleHarness{t: t, eng: eng, store: st, plat: plat, con: con, clock: clock, base: "http://" + srv.Addr(),
		stopServing: stopServing}
	if o.run {
		ctx, stopEng := context.WithCancel(context.Background())
		engDone := make(chan error, 1)
		go func() { engDone <- eng.Run(ctx) }()
		t.Cleanup(func() {
			stopEng()
			if err := <-engDone; err != nil {
				t.Errorf("engine Run: %v", err)
			}
		})
	}
	return h
}

// handle drives a post through the engine as the platform would.
func (h *consoleHarness) handle(id, text string) {
	h.t.Helper()
	p := bot.Post{Platform: "telegram", Account: "inps", ID: id, Channel: "-100200300", Author: "98765",
		Handle: "@mario_rossi_85", Kind: bot.KindComment, Text: text, Time: time.Now(),
		URL: "https://t.me/c/200300/" + id}
	if err := h.eng.Handle(h.t.Context(), p); err != nil {
		h.t.Fatalf("Handle(%s): %v", id, err)
	}
}

// page is an answer of the server.
type page struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

// location is the redirect target of an answer.
func (p page) location() string { return p.header.Get("Location") }

// client is a browser-like caller: it keeps its cookies by hand (to see
// their flags) and does not follow redirects.
type client struct {
	h       *consoleHarness
	cookies map[string]string
	header  http.Header // added to every request
}

func (h *consoleHarness) client() *client {
	return &client{h: h, cookies: map[string]string{}, header: http.Header{}}
}

func (c *client) do(method, path string, form url.Values, extra http.Header) page {
	c.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(c.h.t.Context(), method, c.h.base+path, body)
	if err != nil {
		c.h.t.Fatalf("NewRequest: %v", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	for name, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.h.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), cookies: resp.Cookies()}
}

func (c *client) get(path string) page { c.h.t.Helper(); return c.do(http.MethodGet, path, nil, nil) }

// post sends a form from a console page (the right Origin).
func (c *client) post(path string, form url.Values) page {
	c.h.t.Helper()
	return c.do(http.MethodPost, path, form, http.Header{"Origin": {c.h.base}})
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of a page's forms.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%.400s", body)
	}
	return m[1]
}

// signIn signs in with a name and password and returns the sign-in answer.
func (c *client) signIn(name, password string) page {
	c.h.t.Helper()
	form := c.get("/console/login")
	if form.status != http.StatusOK {
		c.h.t.Fatalf("GET /console/login = %d", form.status)
	}
	return c.post("/console/login", url.Values{"csrf": {csrfOf(c.h.t, form.body)}, "name": {name},
		"password": {password}, "next": {"/console/"}})
}

// signedIn returns a client signed in as the test moderator and the CSRF
// token of its session.
func (h *consoleHarness) signedIn() (*client, string) {
	h.t.Helper()
	c := h.client()
	if p := c.signIn(testModerator, testPassword); p.status != http.StatusSeeOther || p.location() != "/console/" {
		h.t.Fatalf("sign-in = %d → %q, want 303 → /console/\n%.600s", p.status, p.location(), p.body)
	}
	ov := c.get("/console/")
	if ov.status != http.StatusOK {
		h.t.Fatalf("GET /console/ after sign-in = %d", ov.status)
	}
	return c, csrfOf(h.t, ov.body)
}

// waitFor polls cond until it holds or 5s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proposed waits until the running engine has proposed at least n
// replies to the moderators, and returns them, newest first.
func (h *consoleHarness) proposed(n int) []bot.Action {
	h.t.Helper()
	var acts []bot.Action
	waitFor(h.t, fmt.Sprintf("%d proposed replies", n), func() bool {
		var err error
		acts, err = h.store.Actions(h.t.Context(), bot.StateProposed, 100)
		if err != nil {
			h.t.Fatalf("proposed actions: %v", err)
		}
		return len(acts) >= n
	})
	return acts
}

// noPersonalData fails when body holds any of the test's personal data.
func noPersonalData(t *testing.T, where, body string) {
	t.Helper()
	for _, d := range personalData {
		if strings.Contains(body, d) {
			t.Errorf("%s holds the personal datum %q", where, d)
		}
	}
}

func idPath(format string, id int64) string { return fmt.Sprintf(format, id) }

// syncWriter serialises writes to w, for a logger shared by goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// storePath is where a test's store lives: in memory, unless
// INPSBOT_TEST_STORE=file asks for a file in the test's directory.
func storePath(t *testing.T) string {
	if os.Getenv("INPSBOT_TEST_STORE") == "file" {
		return filepath.Join(t.TempDir(), "inpsbot.db")
	}
	return ":memory:"
}
