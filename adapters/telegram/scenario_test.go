package telegram_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
	"github.com/inps-social/inpsbot/replies"
)

// run is one life of the bot: store, platform and engine over the fake
// server, as cmd/inpsbot wires them, until stop.
type run struct {
	store *sqlite.Store
	stop  func()
}

func startBot(t *testing.T, s *telegramtest.Server, dbPath string) *run {
	t.Helper()
	return startBotWith(t, s, dbPath, map[string]bot.Limits{"telegram": {PerSecond: 100, Burst: 100}}, nil)
}

// startBotWith is startBot with the engine's send limits and, unless nil,
// a sink for its metrics.
func startBotWith(t *testing.T, s *telegramtest.Server, dbPath string, limits map[string]bot.Limits, m bot.Metrics) *run {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	resp := newResponder(t)
	p := mustPlatform(t, s)
	eng, err := bot.NewEngine(bot.EngineConfig{
		Mode:        bot.ModeAuto,
		AuthorKey:   []byte("0123456789abcdef0123456789abcdef"),
		RetryBase:   20 * time.Millisecond,
		RetryMax:    200 * time.Millisecond,
		Poll:        20 * time.Millisecond,
		SendTimeout: 3 * time.Second,
		Grace:       2 * time.Second,
		Limits:      limits,
	}, st, resp, []bot.Platform{p}, zerolog.Nop())
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	eng.SetMetrics(m)
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	r := &run{store: st}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("engine run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("engine did not stop")
		}
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	}
	t.Cleanup(r.stop)
	return r
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

// settled waits until the store holds cursor and nothing is left to send.
func (r *run) settled(t *testing.T, cursor string) {
	t.Helper()
	waitFor(t, "cursor "+cursor+" and an empty outbox", func() bool {
		c, err := r.store.Cursor(t.Context(), "telegram/inps")
		if err != nil || c != cursor {
			return false
		}
		n, err := r.store.Pending(t.Context())
		return err == nil && n == 0
	})
}

func TestScenarioDiscussionGroup(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	s.AddChat(pubChat)
	maria := citizen
	luigi := noname
	rude := tgmodels.User{ID: 44, FirstName: "Anon"}
	for _, u := range []tgmodels.User{maria, luigi, rude} {
		s.AddUser(u)
	}
	db := filepath.Join(t.TempDir(), "inpsbot.db")

	// The channel's post reaches its discussion group as an automatic
	// forward; citizens comment under it.
	root := s.NewMessage(group, 777000, "Da oggi è attivo il nuovo servizio.")
	root.SenderChat = &channel
	root.IsAutomaticForward = true
	s.Add(tgmodels.Update{Message: &root})
	comment := func(from tgmodels.User, text string) tgmodels.Message {
		m := s.NewMessage(group, from.ID, text)
		m.ReplyToMessage = &root
		m.MessageThreadID = root.ID
		s.Add(tgmodels.Update{Message: &m})
		return m
	}
	const question = "Buongiorno, come si fa domanda di NASpI? Ho perso il lavoro il mese scorso."
	const iban = "IT60X0542811101000000123456"

	// First life: a question (its reply meets a 429 first) and an IBAN.
	s.Fail("sendMessage", 1, telegramtest.TooManyRequests(1))
	ask := comment(maria, question)
	leak := comment(luigi, "Non mi è arrivato il pagamento, il mio IBAN è "+iban)
	r1 := startBot(t, s, db)
	r1.settled(t, strconv.Itoa(1000+3+1))
	r1.stop()
	firstLife := len(s.Requests())

	// Second life: what arrived while the bot was down.
	insult := comment(rude, "INPS di merda, andate a fanculo bastardi")
	again := comment(maria, question)
	r2 := startBot(t, s, db)
	r2.settled(t, strconv.Itoa(1000+5+1))
	r2.stop()

	sent := s.Sent()
	var replies, notices []telegramtest.SentMessage
	for _, m := range sent {
		if m.ReplyTo != 0 {
			replies = append(replies, m)
		} else {
			notices = append(notices, m)
		}
		if strings.Contains(m.Text, iban) || strings.Contains(m.Text, "fanculo") {
			t.Errorf("the bot repeated a citizen's words: %q", m.Text)
		}
		if m.ChatID != group || m.ParseMode != "" {
			t.Errorf("message in chat %d with parse mode %q, want chat %d, plain", m.ChatID, m.ParseMode, group)
		}
	}

	// One reply to the question, none to its repeat, despite the 429.
	if len(replies) != 1 || replies[0].ReplyTo != ask.ID || !strings.Contains(replies[0].Text, "NASpI") {
		t.Errorf("replies = %+v, want one NASpI reply to message %d", replies, ask.ID)
	}
	for _, m := range replies {
		if m.ReplyTo == again.ID {
			t.Errorf("the repeated question got a second reply")
		}
	}
	if got := s.Calls("sendMessage"); got != len(sent)+1 {
		t.Errorf("sendMessage calls = %d, want %d (one 429)", got, len(sent)+1)
	}

	// The IBAN and the insult are gone; only the IBAN's author gets a
	// notice, naming them and no data.
	deleted := map[int]int{}
	for _, d := range s.Deleted() {
		deleted[d.MessageID]++
	}
	if deleted[leak.ID] != 1 || deleted[insult.ID] != 1 || deleted[ask.ID] != 0 || len(s.Deleted()) < 2 {
		t.Errorf("deletions = %+v, want messages %d (IBAN) and %d (insult) once each", s.Deleted(), leak.ID, insult.ID)
	}
	if len(notices) != 1 {
		t.Fatalf("notices = %+v, want one", notices)
	}
	n := notices[0]
	if !strings.HasPrefix(n.Text, "Luigi, ") || len(n.Entities) != 1 || n.Entities[0].User == nil || n.Entities[0].User.ID != luigi.ID {
		t.Errorf("notice = %q %+v, want it to mention Luigi", n.Text, n.Entities)
	}
	if !strings.Contains(n.Text, "dati personali") {
		t.Errorf("notice = %q, want it to say why", n.Text)
	}

	// The restart neither replayed nor skipped: the second life asked
	// Telegram from where the first one stopped.
	var offsets []string
	for _, q := range s.Requests()[firstLife:] {
		if q.Method == "getUpdates" {
			offsets = append(offsets, q.Params["offset"])
		}
	}
	if len(offsets) == 0 || offsets[0] != "1004" {
		t.Errorf("getUpdates offsets after the restart = %v, want the first at 1004", offsets)
	}
}
