package mastodon_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/mastodon/mastodontest"
	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
	"github.com/inps-social/inpsbot/replies"
)

// syncBuffer is a log sink safe for the engine's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestScenario runs the whole bot (engine, rules, replies, sqlite store)
// against the fake instance: a thread with a question, a reply with a
// fiscal code, a direct message with a personal case, a stream dropped
// half-way and a rate limit.
func TestScenario(t *testing.T) {
	const taxCode = "RSSMRA85T10A562S"
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)

	resp := newResponder(t)
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "inpsbot.db"))
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &syncBuffer{}
	engine, err := bot.NewEngine(bot.EngineConfig{
		AuthorKey: []byte("0123456789abcdef0123"),
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Poll: 10 * time.Millisecond, Grace: 2 * time.Second, SendTimeout: 5 * time.Second,
		Limits: map[string]bot.Limits{"mastodon": {PerSecond: 1e6, Burst: 1e6}},
	}, store, resp, []bot.Platform{p}, zerolog.New(logs).Level(zerolog.DebugLevel))
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop")
		}
	}()
	eventually(t, "the stream", func() bool { return srv.OpenStreams() == 1 })

	thread := srv.AddStatus("Novità sulla NASpI dal 1° marzo")
	question := srv.AddMention("mario", "<p>Buongiorno, quanti mesi di NASpI spettano se ho lavorato due anni con contratti a termine?</p>", "public", thread)
	personalData := srv.AddMention("anna@mastodon.uno", "<p>Il mio codice fiscale è "+taxCode+", quando mi pagate la NASpI?</p>", "public", thread)
	direct := srv.AddMention("luca", "<p>Buongiorno, la mia domanda di NASpI è ferma da due mesi, potete controllare la mia pratica?</p>", "direct", "")

	eventually(t, "the answers to the first three", func() bool {
		return len(repliesTo(srv, question.StatusID)) == 1 && len(repliesTo(srv, direct.StatusID)) == 1 &&
			len(srv.Reports()) == 1 && len(directTo(srv, "anna@mastodon.uno")) == 1
	})

	// The stream drops; mentions posted meanwhile arrive once, and one
	// reply meets a rate limit.
	srv.SetStreaming(false)
	srv.DropStream()
	eventually(t, "the drop", func() bool { return srv.OpenStreams() == 0 })
	srv.Fail(mastodontest.Failure{Method: "POST", Path: "/api/v1/statuses", Status: 429, RateLimit: time.Second})
	during := []mastodontest.Mention{
		srv.AddMention("giulia", "<p>Come si presenta la domanda di NASpI?</p>", "public", thread),
		srv.AddMention("paolo", "<p>Quando arriva il pagamento della NASpI?</p>", "unlisted", thread),
	}
	srv.SetStreaming(true)
	eventually(t, "the new stream", func() bool { return srv.OpenStreams() == 1 })
	after := srv.AddMention("sara", "<p>Quanto dura la NASpI per chi ha lavorato tre anni?</p>", "public", thread)

	eventually(t, "the answers after the drop", func() bool {
		for _, m := range append(during, after) {
			if len(repliesTo(srv, m.StatusID)) != 1 {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond) // room for a duplicate to show up

	for _, m := range []mastodontest.Mention{question, direct, during[0], during[1], after} {
		got := repliesTo(srv, m.StatusID)
		if len(got) != 1 {
			t.Errorf("%d replies to status %s, want 1", len(got), m.StatusID)
			continue
		}
		r := got[0]
		if !slices.Equal(r.Mentions, []string{m.Acct}) || !strings.HasPrefix(r.Text, "@"+m.Acct+" ") {
			t.Errorf("reply to %s mentions %v, starts %q; want only @%s, first", m.StatusID, r.Mentions, r.Text[:min(20, len(r.Text))], m.Acct)
		}
		if want := map[string]string{"public": "unlisted", "unlisted": "unlisted", "direct": "direct"}[m.Visibility]; r.Visibility != want {
			t.Errorf("reply to a %s status is %s, want %s", m.Visibility, r.Visibility, want)
		}
		if r.IdempotencyKey == "" {
			t.Errorf("reply to %s without an Idempotency-Key", m.StatusID)
		}
	}
	if r := repliesTo(srv, direct.StatusID); len(r) == 1 && !strings.Contains(r[0].Text, "803") && !strings.Contains(strings.ToLower(r[0].Text), "contact center") {
		t.Errorf("reply to the personal case does not redirect to the Contact Center: %q", r[0].Text)
	}

	if n := srv.Count("POST", "/api/v1/statuses"); n <= len(srv.Posted()) {
		t.Errorf("%d status requests for %d statuses: the rate limit was never met", n, len(srv.Posted()))
	}

	// The fiscal code: reported, the author told privately, never quoted.
	if got := srv.Reports(); len(got) != 1 || got[0].AccountID != personalData.AccountID || !slices.Equal(got[0].StatusIDs, []string{personalData.StatusID}) {
		t.Errorf("reports = %+v, want one on status %s", got, personalData.StatusID)
	}
	notices := directTo(srv, "anna@mastodon.uno")
	if len(notices) != 1 || notices[0].InReplyTo != "" || !slices.Equal(notices[0].Mentions, []string{"anna@mastodon.uno"}) {
		t.Errorf("notices = %+v, want one direct status mentioning only the author", notices)
	}
	for _, s := range srv.Posted() {
		if strings.Contains(s.Text, taxCode) {
			t.Errorf("status %s quotes the fiscal code", s.ID)
		}
		if s.InReplyTo == personalData.StatusID && s.Visibility != "direct" {
			t.Errorf("public answer %s to the post with personal data", s.ID)
		}
	}
	if strings.Contains(logs.String(), taxCode) || strings.Contains(logs.String(), srv.Token) {
		t.Error("the log holds the fiscal code or the token")
	}
}

// newResponder is the real responder: the embedded rules and replies and
// the personal-data detector.
func newResponder(t *testing.T) *bot.Responder {
	t.Helper()
	rs, err := rules.Load(configs.FS, "rules")
	if err != nil {
		t.Fatalf("rules: %v", err)
	}
	cat, err := replies.Load(replies.Config{})
	if err != nil {
		t.Fatalf("replies: %v", err)
	}
	resp, err := bot.NewResponder(pii.New(), rs, cat)
	if err != nil {
		t.Fatalf("responder: %v", err)
	}
	return resp
}

// repliesTo returns the statuses posted in reply to id.
func repliesTo(srv *mastodontest.Server, id string) []mastodontest.Status {
	var out []mastodontest.Status
	for _, s := range srv.Posted() {
		if s.InReplyTo == id {
			out = append(out, s)
		}
	}
	return out
}

// directTo returns the direct statuses addressed to acct outside a thread.
func directTo(srv *mastodontest.Server, acct string) []mastodontest.Status {
	var out []mastodontest.Status
	for _, s := range srv.Posted() {
		if s.Visibility == "direct" && s.InReplyTo == "" && slices.Contains(s.Mentions, acct) {
			out = append(out, s)
		}
	}
	return out
}
