package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
)

// BenchmarkConsolePages renders each page of the console over a store
// holding 100,000 audit rows spread over the last 30 days.
func BenchmarkConsolePages(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	resp, err := consoleResponder()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := bot.NewEngine(bot.EngineConfig{Mode: bot.ModeApprove, AuthorKey: []byte("an author key of the benchmark")},
		st, resp, []bot.Platform{&consolePlatform{}}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	seedConsole(b, st, eng, rows)

	srv, err := New(Config{Addr: "127.0.0.1:0"}, eng, nil, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.ln.Close() })
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	con, err := srv.enableConsole(ConsoleConfig{Users: []ConsoleUser{{Name: testModerator, PasswordHash: string(hash)}}})
	if err != nil {
		b.Fatal(err)
	}
	handler := srv.srv.Handler
	cookie, token := benchSignIn(b, handler)
	// Serve would start the console's counting goroutine; the handler is
	// called directly here, so it is started by hand, and stopped with the
	// listener. The pages are measured once the first count is in.
	con.stats.start()
	deadline := time.Now().Add(time.Minute)
	for con.stats.current() == nil {
		if time.Now().After(deadline) {
			b.Fatal("the charts were not counted within a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}

	serve := func(method, path string, form url.Values) *httptest.ResponseRecorder {
		var req *http.Request
		if form != nil {
			req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://example.com")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	day := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
	pages := []struct {
		name, method, path string
		form               url.Values
		cold               bool // before the first count
		recount            bool // while the whole window is counted again, over and over
	}{
		{name: "overview", method: http.MethodGet, path: "/console/"},
		{name: "review", method: http.MethodGet, path: "/console/review"},
		{name: "activity", method: http.MethodGet, path: "/console/activity"},
		{name: "activity filtered", method: http.MethodGet, path: "/console/activity?platform=telegram&label=hate&action=escalate&day=" + day},
		{name: "activity deep page", method: http.MethodGet, path: fmt.Sprintf("/console/activity?before=%d", rows/2)},
		{name: "rules", method: http.MethodGet, path: "/console/rules"},
		{name: "check", method: http.MethodPost, path: "/console/check",
			form: url.Values{"csrf": {token}, "platform": {"telegram"}, "text": {piiPost}}},
		{name: "activity cold charts", method: http.MethodGet, path: "/console/activity", cold: true},
		{name: "activity during a recount", method: http.MethodGet, path: "/console/activity", recount: true},
		{name: "review during a recount", method: http.MethodGet, path: "/console/review", recount: true},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			if p.cold {
				counted := con.stats
				con.stats = newStatsWorker(st, time.Now, zerolog.Nop()) // never started: no counts yet
				b.Cleanup(func() { con.stats = counted })
			}
			if p.recount {
				stop := recountLoop(b, st)
				defer stop()
			}
			for b.Loop() {
				rec := serve(p.method, p.path, p.form)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s %s = %d\n%.500s", p.method, p.path, rec.Code, rec.Body.String())
				}
				if p.cold && !strings.Contains(rec.Body.String(), messages["it"]["charts_pending"]) {
					b.Fatal("the activity page before the first count does not say the charts are being counted")
				}
			}
		})
	}
	// What the console's goroutine does every statsRebuild, off any
	// request: count the whole window again.
	b.Run("charts full recount (background)", func(b *testing.B) {
		for b.Loop() {
			if err := (&statsCache{}).refresh(ctx, st, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// recountLoop counts the charts' whole window again and again in the
// background, as the console's goroutine does at times, until stopped.
func recountLoop(b *testing.B, st bot.Store) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := (&statsCache{}).refresh(ctx, st, time.Now()); err != nil && ctx.Err() == nil {
				b.Error(err)
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// seedConsole writes n audit rows of decisions and actions over the last
// 30 days, and a few real posts so that the review page has work.
func seedConsole(b *testing.B, st bot.Store, eng *bot.Engine, n int) {
	b.Helper()
	ctx := context.Background()
	labels := []string{"phone", "hate", "insult", "profanity", "advertising", "shouting", "iban", "personal_data"}
	intents := []string{"naspi", "isee", "pensione", "none", "complaint", "assegno_unico"}
	acts := [][]string{{"reply"}, {"hide"}, {"escalate", "hide"}, {"reply"}, {}}
	start := time.Now().AddDate(0, 0, -30)
	step := 30 * 24 * time.Hour / time.Duration(n)
	for i := range n {
		e := bot.AuditEntry{
			At:       start.Add(time.Duration(i) * step),
			Actor:    "bot",
			Event:    []string{"decision", "decision", "decision", "action"}[i%4],
			Platform: []string{"telegram", "mastodon"}[i%2],
			PostKey:  fmt.Sprint("telegram/inps/", i),
			AuthorFP: fmt.Sprintf("fp%05d", i%5000),
			Intent:   intents[i%len(intents)],
			Labels:   []string{labels[i%len(labels)]},
			Actions:  acts[i%len(acts)],
			Redacted: "Buongiorno, non ho ricevuto la NASpI di febbraio, scrivo da [telefono]",
		}
		if err := st.Audit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 30 {
		p := bot.Post{Platform: "telegram", Account: "inps", ID: fmt.Sprint("b", i), Channel: "-100200300",
			Author: fmt.Sprint(1000 + i), Kind: bot.KindComment, Time: time.Now(), URL: "https://t.me/c/200300/1"}
		p.Text = []string{"Come faccio a chiedere la NASpI?", piiPost, "Quando arriva l'assegno unico?"}[i%3]
		if err := eng.Handle(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSignIn signs in through the handler and returns the session cookie
// and its CSRF token.
func benchSignIn(b *testing.B, h http.Handler) (*http.Cookie, string) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/login", nil))
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		b.Fatal("no sign-in token")
	}
	form := url.Values{"csrf": {m[1]}, "name": {testModerator}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var sess *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil {
		b.Fatalf("sign-in = %d, no session", rec.Code)
	}
	req = httptest.NewRequest(http.MethodGet, "/console/", nil)
	req.AddCookie(sess)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	m = csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		b.Fatal("no session token")
	}
	return sess, m[1]
}
