package mastodon_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/adapters/mastodon"
	"github.com/inps-social/inpsbot/adapters/mastodon/mastodontest"
	"github.com/inps-social/inpsbot/bot"
)

// newPlatform starts a platform on srv with short intervals; edit changes
// the config first.
func newPlatform(t *testing.T, srv *mastodontest.Server, edit func(*mastodon.Config)) *mastodon.Platform {
	t.Helper()
	cfg := mastodon.Config{
		Account:      "inps",
		Server:       srv.URL,
		Token:        srv.Token,
		Streaming:    true,
		PollInterval: 50 * time.Millisecond,
		HTTPTimeout:  2 * time.Second,
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := mastodon.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// recorder is a bot.Handler keeping what it was given.
type recorder struct {
	mu       sync.Mutex
	posts    []bot.Post
	advances []string
	cursor   string // the last cursor recorded, by Handle or Advance
	fail     error  // returned by Handle when set
}

func (r *recorder) Handle(_ context.Context, p bot.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.posts = append(r.posts, p)
	r.cursor = p.Cursor
	return nil
}

func (r *recorder) Advance(_ context.Context, _, cursor string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.advances = append(r.advances, cursor)
	r.cursor = cursor
	return nil
}

// ids returns the ids of the posts received.
func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, len(r.posts))
	for i, p := range r.posts {
		ids[i] = p.ID
	}
	return ids
}

// position returns the last cursor recorded.
func (r *recorder) position() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cursor
}

// receive runs Receive in the background; stop cancels it and returns its
// result (also called when the test ends).
func receive(t *testing.T, p *mastodon.Platform, cursor string, h bot.Handler) (stop func() error) {
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
				err = errors.New("receive did not stop within 5s")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// eventually waits up to 5s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
