package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/admin"
	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
)

const testToken = "s3cret-admin-token-for-tests"

// replyText is what fixedReplier answers every post that gets a reply.
const replyText = "Gentile utente, trova le informazioni su inps.it o al Contact Center 803 164."

// fixedReplier is a bot.Replier that gives the same text to every verdict.
type fixedReplier struct{}

func (fixedReplier) Reply(*bot.Verdict, bot.Post) string { return replyText }

// fakePlatform is a bot.Platform that receives nothing, records what the
// engine sends, and stops with ErrForbidden when refuse is closed.
type fakePlatform struct {
	refuse chan struct{}

	mu      sync.Mutex
	replies []string // post ids
	hides   []string
	notices []string
}

func (fixedReplier) Check(string, string) error { return nil }

func newFakePlatform() *fakePlatform { return &fakePlatform{refuse: make(chan struct{})} }

func (f *fakePlatform) Name() string     { return "telegram" }
func (f *fakePlatform) Account() string  { return "inps" }
func (f *fakePlatform) Idempotent() bool { return true }

func (f *fakePlatform) Receive(ctx context.Context, _ string, _ bot.Handler) error {
	select {
	case <-ctx.Done():
		return nil
	case <-f.refuse:
		return fmt.Errorf("fake: getUpdates: %w", bot.ErrForbidden)
	}
}

func (f *fakePlatform) Reply(_ context.Context, to bot.Post, _, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = append(f.replies, to.ID)
	return nil
}

func (f *fakePlatform) Hide(_ context.Context, p bot.Post, _ string) (bot.HideOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hides = append(f.hides, p.ID)
	return bot.HideDeleted, nil
}

func (f *fakePlatform) Notify(_ context.Context, about bot.Post, _, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, about.ID)
	return nil
}

// sent returns what the platform was asked to do so far.
func (f *fakePlatform) sent() (replies, hides []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.replies...), append([]string(nil), f.hides...)
}

// logBuffer is a bytes.Buffer safe for concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sharedResponder builds the responder of the tests once: it is pure and
// safe for concurrent use, and loading the rules takes a while.
var sharedResponder = sync.OnceValues(func() (*bot.Responder, error) {
	rs, err := rules.Load(configs.FS, "rules")
	if err != nil {
		return nil, err
	}
	return bot.NewResponder(pii.New(), rs, fixedReplier{})
})

// harness is an engine on an in-memory store with one fake platform, and
// an admin server for it on 127.0.0.1:0.
type harness struct {
	t       *testing.T
	eng     *bot.Engine
	store   bot.Store
	plat    *fakePlatform
	metrics *admin.Metrics
	logs    *logBuffer
	base    string
	token   string
}

func newHarness(t *testing.T, token string) *harness {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("store Close: %v", err)
		}
	})
	resp, err := sharedResponder()
	if err != nil {
		t.Fatalf("responder: %v", err)
	}
	logs := &logBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	plat := newFakePlatform()
	eng, err := bot.NewEngine(bot.EngineConfig{
		AuthorKey: []byte("an author key of the tests"),
		Poll:      20 * time.Millisecond,
		RetryBase: 10 * time.Millisecond,
		Grace:     time.Second,
	}, st, resp, []bot.Platform{plat}, log)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	m := admin.NewMetrics()
	eng.SetMetrics(m)
	srv, err := admin.New(admin.Config{Addr: "127.0.0.1:0", Token: token}, eng, m, log)
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &harness{t: t, eng: eng, store: st, plat: plat, metrics: m, logs: logs,
		base: "http://" + srv.Addr(), token: token}
}

// runEngine runs the engine until the test ends.
func (h *harness) runEngine() {
	h.t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	h.t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			h.t.Errorf("engine Run: %v", err)
		}
	})
}

// handle drives a post through the engine as a platform would.
func (h *harness) handle(id, text string) {
	h.t.Helper()
	p := bot.Post{Platform: "telegram", Account: "inps", ID: id, Channel: "-100200300", Author: "98765",
		Handle: "@mario_rossi_85", Kind: bot.KindComment, Text: text, Time: time.Now()}
	if err := h.eng.Handle(h.t.Context(), p); err != nil {
		h.t.Fatalf("Handle(%s): %v", id, err)
	}
}

// response is an answer of the server.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into v, failing the test if it is not JSON.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not the JSON expected: %v\n%s", err, r.body)
	}
}

// errorText is the "error" of a JSON error body, or "" if there is none.
func (r response) errorText() string {
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error
}

// request is one call to the server; auth is the whole Authorization
// header ("" for none).
type request struct {
	method    string
	path      string
	body      string
	auth      string
	moderator string
}

func (h *harness) do(req request) response {
	h.t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r, err := http.NewRequestWithContext(h.t.Context(), req.method, h.base+req.path, body)
	if err != nil {
		h.t.Fatalf("NewRequest: %v", err)
	}
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.auth != "" {
		r.Header.Set("Authorization", req.auth)
	}
	if req.moderator != "" {
		r.Header.Set("X-Inpsbot-Moderator", req.moderator)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: read body: %v", req.method, req.path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// api calls the JSON API with the right token.
func (h *harness) api(method, path, body string) response {
	h.t.Helper()
	return h.do(request{method: method, path: path, body: body, auth: "Bearer " + h.token})
}

// eventually polls cond until it holds or 5s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
