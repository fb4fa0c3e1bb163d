package mastodon_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/mastodon"
	"github.com/inps-social/inpsbot/adapters/mastodon/mastodontest"
	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
)

// burstLimits have the shape of Mastodon's default limit (300 requests in
// 5 minutes) sped up 120 times: 300 requests in 2.5 seconds, with a small
// burst.
var burstLimits = bot.Limits{PerSecond: 120, Burst: 10}

// TestBurstMentions sends a thousand mentions at once through the whole
// bot (real rules, replies and detector, sqlite store) and checks that the
// engine keeps to the request limit and answers each mention once.
func TestBurstMentions(t *testing.T) {
	if testing.Short() {
		t.Skip("a burst of 1,000 mentions")
	}
	size := 1000
	if raceDetector {
		// The race detector slows the store several times over: a
		// smaller burst keeps the run short, at rates the limit does not
		// reach.
		size = 400
	}
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.PollInterval = 500 * time.Millisecond })
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "inpsbot.db"))
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	// The bot has run before: its cursor is at the last mention it saw.
	before := srv.AddMention("earlier", "<p>@inps buongiorno</p>", "public", "")
	if err := store.SetCursor(t.Context(), "mastodon/inps", before.NotificationID); err != nil {
		t.Fatalf("cursor: %v", err)
	}
	engine, err := bot.NewEngine(bot.EngineConfig{
		AuthorKey: []byte("0123456789abcdef0123"),
		RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Poll: 10 * time.Millisecond, Grace: 2 * time.Second, SendTimeout: 5 * time.Second,
		Limits: map[string]bot.Limits{"mastodon": burstLimits},
	}, store, newResponder(t), []bot.Platform{p}, zerolog.Nop())
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	metrics := &metricsRecorder{}
	engine.SetMetrics(metrics)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop")
		}
	})
	defer stop()
	eventually(t, "the stream", func() bool { return srv.OpenStreams() == 1 })

	thread := srv.AddStatus("Le novità INPS di questa settimana")
	texts := burstQuestions(size)
	start := time.Now()
	mentions := make([]mastodontest.Mention, size)
	for i, text := range texts {
		mentions[i] = srv.AddMention(fmt.Sprintf("citizen%d", i), "<p>@inps "+text+"</p>", "public", thread)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := store.Pending(t.Context())
		if err == nil && n == 0 && len(srv.Posted()) >= size {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: %d statuses posted for %d mentions, %d actions pending", len(srv.Posted()), size, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show up
	stop()

	// Rates, measured on the requests as the server received them.
	var posts, all []time.Time
	for _, r := range srv.Requests() {
		if !r.Time.Before(start) {
			all = append(all, r.Time)
		}
		if r.Method == http.MethodPost && r.Path == "/api/v1/statuses" {
			posts = append(posts, r.Time)
		}
	}
	t.Logf("%d mentions answered in %s: %d statuses posted, mean %.0f/s; %d requests in all",
		size, elapsed.Round(time.Millisecond), len(posts), meanRate(posts), len(all))
	for _, w := range []time.Duration{time.Second, 2500 * time.Millisecond} {
		got, limit := maxInWindow(posts, w), int(burstLimits.PerSecond*w.Seconds())+burstLimits.Burst
		t.Logf("at most %d statuses posted in %s (limit %d); at most %d requests in all", got, w, limit, maxInWindow(all, w))
		if got > limit {
			t.Errorf("%d statuses posted in %s, want at most %d (rate %g/s + burst %d)", got, w, limit, burstLimits.PerSecond, burstLimits.Burst)
		}
	}
	if most, n := metrics.maxBacklog(); most == 0 {
		t.Errorf("backlog reported %d times, never above 0", n)
	} else {
		t.Logf("largest backlog reported: %d actions, in %d reports", most, n)
	}

	// Each mention answered once, and nothing else posted.
	replies := map[string]int{}
	for _, s := range srv.Posted() {
		replies[s.InReplyTo]++
	}
	for i, m := range mentions {
		if replies[m.StatusID] != 1 {
			t.Errorf("mention %d (status %s): %d replies, want 1", i, m.StatusID, replies[m.StatusID])
		}
	}
	if got := len(srv.Posted()); got != size {
		t.Errorf("%d statuses posted, want %d", got, size)
	}
	if got := len(posts); got != size {
		t.Errorf("%d status requests, want %d: one each", got, size)
	}
}

// burstQuestions returns n distinct questions on INPS topics (n at most
// 1,200).
func burstQuestions(n int) []string {
	greetings := []string{"Buongiorno, ", "Salve, ", "Buonasera, ", "Ciao, ", "Scusate, ", "Una domanda: ",
		"Gentile INPS, ", "Salve a tutti, ", "Buongiorno a tutti, ", "Vorrei sapere "}
	endings := []string{"", " Grazie.", " Non trovo informazioni chiare sul sito.", " Grazie in anticipo."}
	stems := []string{
		"come si fa domanda di NASpI?",
		"quanti mesi di NASpI spettano dopo due anni di lavoro con contratti a termine?",
		"come si presenta la domanda di assegno unico per i figli?",
		"l'assegno unico va rinnovato ogni anno?",
		"come si calcola l'ISEE?",
		"dove si scarica l'attestazione ISEE?",
		"chi può chiedere l'assegno di inclusione?",
		"con quanti anni di contributi si può andare in pensione?",
		"dove trovo il cedolino della pensione di questo mese?",
		"dove si scarica la certificazione unica?",
		"come si chiede il riconoscimento dell'invalidità civile?",
		"come funziona il congedo parentale per i papà?",
		"chi deve mandare il certificato di malattia all'INPS?",
		"come si accede ai servizi online dell'INPS con lo SPID?",
		"come controllo l'estratto conto contributivo?",
		"come si pagano i contributi della colf?",
		"come funziona la cassa integrazione ordinaria?",
		"quando arriva il pagamento della NASpI?",
	}
	var out []string
	for i := 0; len(out) < n; i++ {
		out = append(out, greetings[i%len(greetings)]+stems[(i/len(greetings))%len(stems)]+endings[(i/(len(greetings)*len(stems)))%len(endings)])
	}
	return out
}

// metricsRecorder is a bot.Metrics that keeps the backlog figures.
type metricsRecorder struct {
	mu       sync.Mutex
	backlogs []int
}

func (m *metricsRecorder) PostHandled(string, *bot.Verdict, time.Duration)          {}
func (m *metricsRecorder) ActionDone(string, bot.OutboxKind, string, time.Duration) {}
func (m *metricsRecorder) PlatformUp(string, bool)                                  {}

func (m *metricsRecorder) Backlog(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.backlogs = append(m.backlogs, n)
}

// maxBacklog returns the largest backlog reported and how many reports
// there were.
func (m *metricsRecorder) maxBacklog() (most, reports int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.backlogs {
		most = max(most, n)
	}
	return most, len(m.backlogs)
}

// maxInWindow returns the most times that fall within one window of
// length w.
func maxInWindow(times []time.Time, w time.Duration) int {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// meanRate is the number of events per second between the first and the
// last.
func meanRate(times []time.Time) float64 {
	if len(times) < 2 {
		return 0
	}
	lo, hi := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	return float64(len(times)-1) / hi.Sub(lo).Seconds()
}
