package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
	"github.com/inps-social/inpsbot/replies"
)

// fakePlatform is an in-process platform: it delivers the posts sent on
// its feed, records what the engine asks of it, and fails as scripted.
type fakePlatform struct {
	name       string
	feed       chan bot.Post
	idempotent bool

	mu       sync.Mutex
	replies  []string // post ids replied to
	hides    []string
	notices  []string
	texts    []string
	keys     map[string]bool
	failNext []error // errors returned by the next calls, in order
	onSend   func()
	latency  []time.Duration // from each replied post's time to its reply
	sent     []sentMessage   // messages of its own (bot.Messenger)
}

type sentMessage struct {
	to, text string
	buttons  []bot.Button
}

func (f *fakePlatform) Send(_ context.Context, to, text string, buttons []bot.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sentMessage{to: to, text: text, buttons: buttons})
	return nil
}

func (f *fakePlatform) messages() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

func newFake(name string) *fakePlatform {
	return &fakePlatform{name: name, feed: make(chan bot.Post, 1024), keys: map[string]bool{}}
}

func (f *fakePlatform) Name() string     { return f.name }
func (f *fakePlatform) Account() string  { return "test" }
func (f *fakePlatform) Idempotent() bool { return f.idempotent }

// Receive hands over what is queued in pages of up to 100 posts, as the
// Bot API's getUpdates does.
func (f *fakePlatform) Receive(ctx context.Context, _ string, h bot.Handler) error {
	for {
		var page []bot.Post
		select {
		case <-ctx.Done():
			return nil
		case p, ok := <-f.feed:
			if !ok {
				return nil
			}
			page = append(page, p)
		}
	fill:
		for len(page) < 100 {
			select {
			case p, ok := <-f.feed:
				if !ok {
					break fill
				}
				page = append(page, p)
			default:
				break fill
			}
		}
		if bh, ok := h.(bot.BatchHandler); ok {
			if err := bh.HandleBatch(ctx, page); err != nil {
				return err
			}
			continue
		}
		for _, p := range page {
			if err := h.Handle(ctx, p); err != nil {
				return err
			}
		}
	}
}

func (f *fakePlatform) fail() error {
	if f.onSend != nil {
		f.onSend()
	}
	if len(f.failNext) > 0 {
		err := f.failNext[0]
		f.failNext = f.failNext[1:]
		return err
	}
	return nil
}

func (f *fakePlatform) Reply(_ context.Context, to bot.Post, text, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return err
	}
	if f.idempotent && f.keys[key] {
		return nil
	}
	f.keys[key] = true
	f.latency = append(f.latency, time.Since(to.Time))
	f.replies = append(f.replies, to.ID)
	f.texts = append(f.texts, text)
	return nil
}

func (f *fakePlatform) Hide(_ context.Context, p bot.Post, _ string) (bot.HideOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail(); err != nil {
		return "", err
	}
	f.hides = append(f.hides, p.ID)
	return bot.HideDeleted, nil
}

func (f *fakePlatform) Notify(_ context.Context, about bot.Post, text, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, about.ID)
	f.texts = append(f.texts, text)
	return nil
}

func (f *fakePlatform) counts() (replies, hides, notices int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.replies), len(f.hides), len(f.notices)
}

func newResponder(t testing.TB) *bot.Responder {
	t.Helper()
	rs, err := rules.Load(configs.FS, "rules")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := replies.Load(replies.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := bot.NewResponder(pii.New(), rs, cat)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newEngine(t testing.TB, st bot.Store, log zerolog.Logger, pls ...bot.Platform) *bot.Engine {
	t.Helper()
	cfg := bot.EngineConfig{
		AuthorKey: []byte("0123456789abcdef0123"),
		RetryBase: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond,
		Poll: 10 * time.Millisecond, Grace: 2 * time.Second, MaxAttempts: 4,
		Limits: map[string]bot.Limits{"fake": {PerSecond: 1e6, Burst: 1e6}},
	}
	e, err := bot.NewEngine(cfg, st, newResponder(t), pls, log)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var seq atomic.Int64

func post(author, text string) bot.Post {
	n := seq.Add(1)
	return bot.Post{Platform: "fake", Account: "test", ID: fmt.Sprintf("p%d", n), Channel: "chat1",
		Author: author, Kind: bot.KindComment, Text: text, Time: time.Now(), Cursor: fmt.Sprint(n)}
}

const (
	question = "Buongiorno, quanti mesi di NASpI spettano se ho lavorato due anni con contratti a termine?"
	withIBAN = "Il mio IBAN è IT60 X054 2811 1010 0000 0123 456, pagatemi la NASpI lì"
	insult   = "@mario88 sei un idiota e un buffone, stai zitto"
)

// runFinite feeds posts to the engine and runs it until the feed ends and
// the outbox is drained.
func runFinite(t *testing.T, e *bot.Engine, f *fakePlatform, posts ...bot.Post) {
	t.Helper()
	for _, p := range posts {
		f.feed <- p
	}
	close(f.feed)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := e.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestEngineActs(t *testing.T) {
	f := newFake("fake")
	st := openStore(t, ":memory:")
	e := newEngine(t, st, zerolog.Nop(), f)
	q := post("u1", question)
	again := post("u1", question)
	runFinite(t, e, f, q, post("u2", withIBAN), post("u3", insult), again)

	replies, hides, notices := f.counts()
	if replies != 1 || hides != 2 || notices != 1 {
		t.Fatalf("replies, hides, notices = %d, %d, %d; want 1, 2, 1", replies, hides, notices)
	}
	if f.replies[0] != q.ID {
		t.Errorf("replied to %s, want the first question %s", f.replies[0], q.ID)
	}
	for _, txt := range f.texts {
		if strings.Contains(txt, "IT60") || strings.Contains(txt, "X054") {
			t.Errorf("a message quotes the IBAN: %q", txt)
		}
	}
}

func TestEngineReplayedPostIsHandledOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	q := post("u1", question)
	total := 0
	for range 2 { // the same post delivered again after a restart
		f := newFake("fake")
		st := openStore(t, path)
		e := newEngine(t, st, zerolog.Nop(), f)
		runFinite(t, e, f, q)
		st.Close()
		r, _, _ := f.counts()
		total += r
	}
	if total != 1 {
		t.Fatalf("replies over two deliveries = %d, want 1", total)
	}
}

func TestEngineRetriesAndFails(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		fails     []error
		wantSent  int
		wantState bot.ActionState
		wantEsc   bool
	}{
		{name: "429 then success", text: question,
			fails:    []error{&bot.RetryError{After: 5 * time.Millisecond, Err: errors.New("429")}, &bot.RetryError{Err: errors.New("502")}},
			wantSent: 1, wantState: bot.StateSent},
		{name: "network errors until attempts run out", text: question,
			fails:    []error{&bot.RetryError{Err: errors.New("reset")}, &bot.RetryError{Err: errors.New("reset")}, &bot.RetryError{Err: errors.New("reset")}, &bot.RetryError{Err: errors.New("reset")}},
			wantSent: 0, wantState: bot.StateFailed},
		{name: "hide refused escalates", text: withIBAN,
			fails:    []error{fmt.Errorf("delete: %w", bot.ErrForbidden)},
			wantSent: 0, wantState: bot.StateFailed, wantEsc: true},
		{name: "hide too late escalates", text: withIBAN,
			fails:    []error{fmt.Errorf("delete: %w", bot.ErrTooOld)},
			wantSent: 0, wantState: bot.StateFailed, wantEsc: true},
		{name: "a timeout is not sent again on a platform without idempotency", text: question,
			fails:    []error{&bot.RetryError{Err: fmt.Errorf("send: %w", context.DeadlineExceeded)}},
			wantSent: 0, wantState: bot.StateUnknown, wantEsc: true},
		{name: "post gone ends the action", text: question,
			fails:    []error{fmt.Errorf("reply: %w", bot.ErrNotFound)},
			wantSent: 0, wantState: bot.StateSkipped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake("fake")
			f.failNext = tc.fails
			st := openStore(t, ":memory:")
			e := newEngine(t, st, zerolog.Nop(), f)
			runFinite(t, e, f, post("u1", tc.text))
			r, h, _ := f.counts()
			if r+h != tc.wantSent {
				t.Errorf("sent = %d, want %d", r+h, tc.wantSent)
			}
			acts, err := st.Actions(t.Context(), tc.wantState, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != 1 {
				t.Errorf("actions in state %s = %d, want 1", tc.wantState, len(acts))
			}
			esc, err := st.Escalations(t.Context(), true, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(esc) > 0; got != tc.wantEsc {
				t.Errorf("escalated = %v, want %v", got, tc.wantEsc)
			}
		})
	}
}

// crashStore stands in for a process that dies at a chosen point: from
// the moment the hook fires, every write fails.
type crashStore struct {
	bot.Store
	crashed  atomic.Bool
	onSettle bool // crash before an attempt is settled
	onRecord bool // crash before a decision is recorded
}

var errCrash = errors.New("crashed")

func (c *crashStore) Record(ctx context.Context, r bot.Record) (bool, error) {
	if c.onRecord || c.crashed.Load() {
		c.crashed.Store(true)
		return false, errCrash
	}
	return c.Store.Record(ctx, r)
}

func (c *crashStore) RecordMany(ctx context.Context, rs []bot.Record) ([]bool, error) {
	if c.onRecord || c.crashed.Load() {
		c.crashed.Store(true)
		return nil, errCrash
	}
	return c.Store.RecordMany(ctx, rs)
}

func (c *crashStore) Settle(ctx context.Context, id int64, s bot.ActionState, note string, next time.Time) error {
	if (c.onSettle && s == bot.StateSent) || c.crashed.Load() {
		c.crashed.Store(true)
		return errCrash
	}
	return c.Store.Settle(ctx, id, s, note, next)
}

func (c *crashStore) SettleMany(ctx context.Context, settles []bot.Settlement) error {
	for _, st := range settles {
		if (c.onSettle && st.State == bot.StateSent) || c.crashed.Load() {
			c.crashed.Store(true)
			return errCrash
		}
	}
	return c.Store.SettleMany(ctx, settles)
}

func TestEngineCrashPoints(t *testing.T) {
	tests := []struct {
		name        string
		crash       func(*crashStore)
		idempotent  bool
		wantReplies int // over both runs
		wantUnknown bool
	}{
		{name: "before the decision is recorded", crash: func(c *crashStore) { c.onRecord = true }, wantReplies: 1},
		{name: "between sending and recording, idempotent platform", crash: func(c *crashStore) { c.onSettle = true },
			idempotent: true, wantReplies: 1},
		{name: "between sending and recording, no idempotency", crash: func(c *crashStore) { c.onSettle = true },
			wantReplies: 1, wantUnknown: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "db")
			q := post("u1", question)
			shared := newFake("fake")
			shared.idempotent = tc.idempotent

			// First life: crashes at the chosen point.
			st := openStore(t, path)
			cs := &crashStore{Store: st}
			tc.crash(cs)
			f1 := &fakePlatform{name: "fake", feed: make(chan bot.Post, 1), keys: shared.keys, idempotent: tc.idempotent}
			e := newEngine(t, cs, zerolog.Nop(), f1)
			f1.feed <- q
			close(f1.feed)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			_ = e.Run(ctx)
			cancel()
			st.Close()

			// Second life: the platform delivers the post again (its cursor
			// did not move, or did), the engine resumes.
			st2 := openStore(t, path)
			f2 := &fakePlatform{name: "fake", feed: make(chan bot.Post, 1), keys: shared.keys, idempotent: tc.idempotent}
			e2 := newEngine(t, st2, zerolog.Nop(), f2)
			runFinite(t, e2, f2, q)

			r1, _, _ := f1.counts()
			r2, _, _ := f2.counts()
			if r1+r2 != tc.wantReplies {
				t.Errorf("replies over both lives = %d+%d, want %d", r1, r2, tc.wantReplies)
			}
			unknown, err := st2.Actions(t.Context(), bot.StateUnknown, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(unknown) > 0; got != tc.wantUnknown {
				t.Errorf("in-doubt action left to moderators = %v, want %v", got, tc.wantUnknown)
			}
		})
	}
}

func TestEngineModes(t *testing.T) {
	tests := []struct {
		name        string
		mode        bot.Mode
		wantReplies int
		wantHides   int
		wantState   bot.ActionState
	}{
		{name: "auto acts", mode: bot.ModeAuto, wantReplies: 1, wantHides: 1, wantState: bot.StateSent},
		{name: "approve proposes replies, hides stay automatic", mode: bot.ModeApprove, wantReplies: 0, wantHides: 1, wantState: bot.StateProposed},
		{name: "dry-run sends nothing", mode: bot.ModeDryRun, wantReplies: 0, wantHides: 0, wantState: bot.StateSkipped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake("fake")
			st := openStore(t, ":memory:")
			e := newEngine(t, st, zerolog.Nop(), f)
			if err := e.SetSwitch(t.Context(), "mode", tc.mode, "tester"); err != nil {
				t.Fatal(err)
			}
			runFinite(t, e, f, post("u1", question), post("u2", withIBAN))
			r, h, _ := f.counts()
			if r != tc.wantReplies || h != tc.wantHides {
				t.Errorf("replies, hides = %d, %d; want %d, %d", r, h, tc.wantReplies, tc.wantHides)
			}
			acts, err := st.Actions(t.Context(), tc.wantState, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) == 0 {
				t.Errorf("no action in state %s", tc.wantState)
			}
		})
	}
}

func TestEngineApproveSendsOnlyAfterApproval(t *testing.T) {
	f := newFake("fake")
	st := openStore(t, ":memory:")
	e := newEngine(t, st, zerolog.Nop(), f)
	if err := e.SetSwitch(t.Context(), "mode:action:reply", bot.ModeApprove, "tester"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	f.feed <- post("u1", question)

	var proposed []bot.Action
	waitFor(t, func() bool {
		proposed, _ = st.Actions(t.Context(), bot.StateProposed, 10)
		return len(proposed) == 1
	})
	if r, _, _ := f.counts(); r != 0 {
		t.Fatalf("a reply was sent before approval")
	}
	if err := e.Approve(t.Context(), proposed[0].ID, "anna"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { r, _, _ := f.counts(); return r == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	trail, err := st.AuditTrail(t.Context(), bot.AuditFilter{Event: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 1 || trail[0].Actor != "anna" {
		t.Errorf("approval audit = %+v", trail)
	}
}

func TestEnginePauseStopsSendingAtOnce(t *testing.T) {
	f := newFake("fake")
	st := openStore(t, ":memory:")
	e := newEngine(t, st, zerolog.Nop(), f)
	var sentAfterPause atomic.Int64
	var paused atomic.Bool
	f.onSend = func() {
		if paused.Load() {
			sentAfterPause.Add(1)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	for i := range 200 {
		f.feed <- post(fmt.Sprintf("u%d", i), fmt.Sprintf("Quando arriva il pagamento della NASpI numero %d di marzo?", i))
		if i == 50 {
			if err := e.SetSwitch(t.Context(), "mode", bot.ModeOff, "anna"); err != nil {
				t.Fatal(err)
			}
			paused.Store(true)
		}
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	// A send already under way when the switch flipped may finish; nothing
	// after it starts.
	if n := sentAfterPause.Load(); n > 1 {
		t.Errorf("%d sends after the pause", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEngineKeepsPersonalDataOut drives posts full of personal data
// through the whole engine and looks for the data in the log, the audit
// and the database file.
func TestEngineKeepsPersonalDataOut(t *testing.T) {
	secrets := []string{"RSSMRA80A01H501U", "IT60X0542811101000000123456", "IT60 X054 2811 1010 0000 0123 456",
		"347 123 4567", "3471234567", "mario.rossi@example.it", "Via Garibaldi 12", "4111 1111 1111 1111", "4111111111111111"}
	text := "Sono Mario, CF RSSMRA80A01H501U, IBAN IT60 X054 2811 1010 0000 0123 456, cell 347 123 4567, " +
		"mario.rossi@example.it, abito in Via Garibaldi 12, carta 4111 1111 1111 1111: quando pagate la NASpI?"
	path := filepath.Join(t.TempDir(), "db")
	var logBuf bytes.Buffer
	log := zerolog.New(&logBuf).Level(zerolog.DebugLevel)
	f := newFake("fake")
	st := openStore(t, path)
	e := newEngine(t, st, log, f)
	p := post("u1", text)
	p.Handle = "@mario"
	runFinite(t, e, f, p, post("u1", text))

	trail, err := st.AuditTrail(t.Context(), bot.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var audit strings.Builder
	for _, a := range trail {
		fmt.Fprintf(&audit, "%+v\n", a)
	}
	st.Close()
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(path + "-wal")
	for _, s := range secrets {
		if strings.Contains(logBuf.String(), s) {
			t.Errorf("log holds %q", s)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("audit holds %q", s)
		}
		if bytes.Contains(db, []byte(s)) || bytes.Contains(wal, []byte(s)) {
			t.Errorf("database holds %q", s)
		}
	}
	for _, txt := range f.texts {
		for _, s := range secrets {
			if strings.Contains(txt, s) {
				t.Errorf("a message sent holds %q", s)
			}
		}
	}
	if logBuf.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
}

func BenchmarkEngine(b *testing.B) {
	f := newFake("fake")
	f.feed = make(chan bot.Post, b.N+1)
	st := openStore(b, filepath.Join(b.TempDir(), "db"))
	e := newEngine(b, st, zerolog.Nop(), f)
	texts := []string{question, withIBAN, insult, "Grazie mille, gentilissimi!",
		"Come si rinnova l'ISEE per l'assegno unico dei figli?", "Vergogna, aspetto da mesi la pensione!"}
	for i := range b.N {
		f.feed <- post(fmt.Sprintf("u%d", i), texts[i%len(texts)]+fmt.Sprintf(" (%d)", i))
	}
	close(f.feed)
	b.ResetTimer()
	if err := e.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	n, _ := st.Pending(context.Background())
	if n != 0 {
		b.Fatalf("%d actions left pending", n)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkEngineLatency feeds questions at 200 posts/s and reports the
// time from each post's arrival to its reply being sent.
func BenchmarkEngineLatency(b *testing.B) {
	const rate = 200
	n := max(b.N, 400)
	f := newFake("fake")
	st := openStore(b, filepath.Join(b.TempDir(), "db"))
	e := newEngine(b, st, zerolog.Nop(), f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	b.ResetTimer()
	tick := time.NewTicker(time.Second / rate)
	for i := range n {
		<-tick.C
		p := post(fmt.Sprintf("u%d", i), fmt.Sprintf("Quando arriva il pagamento della NASpI di marzo? Pratica %d", i))
		p.Time = time.Now()
		f.feed <- p
	}
	tick.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, _, _ := f.counts(); r >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	f.mu.Lock()
	lat := slices.Clone(f.latency)
	f.mu.Unlock()
	if len(lat) < n {
		b.Fatalf("%d of %d replies sent", len(lat), n)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func TestHandleBatchSeesRepeatsWithinTheBatch(t *testing.T) {
	f := newFake("fake")
	st := openStore(t, ":memory:")
	e := newEngine(t, st, zerolog.Nop(), f)
	first, again, other := post("u1", question), post("u1", question), post("u2", question)
	if err := e.HandleBatch(t.Context(), []bot.Post{first, again, other}); err != nil {
		t.Fatal(err)
	}
	acts, err := st.Due(t.Context(), time.Now().Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var replied []string
	for _, a := range acts {
		replied = append(replied, a.Target.ID)
	}
	if want := []string{first.ID, other.ID}; !slices.Equal(replied, want) {
		t.Errorf("replies planned for %v, want %v (not the repeat)", replied, want)
	}
}
