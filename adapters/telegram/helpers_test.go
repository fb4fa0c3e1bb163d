package telegram_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

const (
	token     = "123456:AAE-test_secret_token_0123456789"
	tokenPart = "AAE-test_secret_token_0123456789"
	botID     = 123456
	group     = -100123
)

// newPlatform starts a fake server and a platform on it.
func newPlatform(t *testing.T, edit ...func(*telegram.Config)) (*telegram.Platform, *telegramtest.Server) {
	t.Helper()
	s := telegramtest.NewServer(t, token)
	return mustPlatform(t, s, edit...), s
}

// mustPlatform connects a platform to s.
func mustPlatform(t *testing.T, s *telegramtest.Server, edit ...func(*telegram.Config)) *telegram.Platform {
	t.Helper()
	cfg := telegram.Config{
		Account:     "inps",
		Token:       token,
		APIURL:      s.URL(),
		PollTimeout: 2 * time.Second,
		HTTPTimeout: 5 * time.Second,
	}
	for _, e := range edit {
		e(&cfg)
	}
	p, err := telegram.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	telegram.SetBackoff(p, 5*time.Millisecond, 50*time.Millisecond)
	return p
}

// recorder is a bot.Handler keeping what it was given. fail makes the next
// Handle or Advance calls fail, as a store that is down.
type recorder struct {
	mu       sync.Mutex
	posts    []bot.Post
	advanced []string
	cursor   string
	calls    int
	fail     int
}

var errStore = errors.New("store down")

func (r *recorder) Handle(_ context.Context, p bot.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		return errStore
	}
	r.posts = append(r.posts, p)
	r.cursor = p.Cursor
	return nil
}

func (r *recorder) Advance(_ context.Context, source, cursor string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		return errStore
	}
	r.advanced = append(r.advanced, source+"@"+cursor)
	r.cursor = cursor
	return nil
}

func (r *recorder) snapshot() (posts []bot.Post, advanced []string, cursor string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Post(nil), r.posts...), append([]string(nil), r.advanced...), r.cursor
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// receive runs p.Receive in the background; stop ends it and returns its
// error.
func receive(t *testing.T, p *telegram.Platform, cursor string, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Receive(ctx, cursor, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				err = errors.New("Receive did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// noSecret fails the test if err's text holds the token.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if msg := err.Error(); strings.Contains(msg, tokenPart) {
		t.Errorf("error text holds the token: %q", msg)
	}
}
