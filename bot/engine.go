package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/inps-social/inpsbot/bot/rules"
)

// EngineConfig holds the engine's knobs, as plain values.
type EngineConfig struct {
	// Mode is the default mode, before the moderators' switches.
	Mode Mode
	// AuthorKey keys the hash that stands for author ids in the store,
	// the audit and the logs. Required, at least 16 bytes.
	AuthorKey []byte
	// RetryBase and RetryMax bound the backoff between attempts; an
	// action that fails MaxAttempts times ends as failed.
	RetryBase   time.Duration
	RetryMax    time.Duration
	MaxAttempts int
	// Grace is how long shutdown and the end of a finite source wait for
	// in-flight actions.
	Grace time.Duration
	// Poll is how often the dispatcher looks for due actions when nothing
	// wakes it.
	Poll time.Duration
	// SendTimeout bounds one call to a platform.
	SendTimeout time.Duration
	// StrikeLimit hiding violations by one author within StrikeWindow
	// propose a ban to the moderators; 0 disables.
	StrikeLimit  int
	StrikeWindow time.Duration
	// Limits are the send rates per platform name; platforms not named
	// get DefaultLimits.
	Limits map[string]Limits
}

// Limits are a platform's published sending limits.
type Limits struct {
	PerSecond float64 // overall rate of calls
	Burst     int     // overall burst
	ChatRate  float64 // messages per second into one chat; 0 for none
	ChatBurst int
}

// DefaultLimits are the platforms' published limits: Telegram about 30
// messages a second overall and 20 a minute in one group; Mastodon 300
// requests in 5 minutes.
var DefaultLimits = map[string]Limits{
	"telegram": {PerSecond: 25, Burst: 25, ChatRate: 20.0 / 60, ChatBurst: 3},
	"mastodon": {PerSecond: 280.0 / 300, Burst: 20},
	"console":  {PerSecond: 1e6, Burst: 1e6},
}

// Validate fills defaults and checks the values.
func (c *EngineConfig) Validate() error {
	var errs []error
	if c.Mode == "" {
		c.Mode = ModeAuto
	}
	if _, err := ParseMode(string(c.Mode)); err != nil {
		errs = append(errs, fmt.Errorf("mode: %w", err))
	}
	if len(c.AuthorKey) < 16 {
		errs = append(errs, errors.New("author_key: at least 16 bytes are required"))
	}
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	setDur(&c.RetryBase, time.Second)
	setDur(&c.RetryMax, 10*time.Minute)
	setDur(&c.Grace, 10*time.Second)
	setDur(&c.Poll, time.Second)
	setDur(&c.SendTimeout, 30*time.Second)
	setDur(&c.StrikeWindow, 7*24*time.Hour)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	return errors.Join(errs...)
}

// Metrics receives what the engine does, for an operator's dashboards.
// Labels are ids and label names only, never personal data.
type Metrics interface {
	PostHandled(platform string, v *Verdict, latency time.Duration)
	ActionDone(platform string, kind OutboxKind, outcome string, sinceRecorded time.Duration)
	Backlog(n int)
	PlatformUp(source string, up bool)
}

type noMetrics struct{}

func (noMetrics) PostHandled(string, *Verdict, time.Duration)          {}
func (noMetrics) ActionDone(string, OutboxKind, string, time.Duration) {}
func (noMetrics) Backlog(int)                                          {}
func (noMetrics) PlatformUp(string, bool)                              {}

// Engine turns posts from every platform into recorded decisions and sends
// their actions through an outbox, exactly once in effect: a decision and
// its actions are stored before anything is sent, a post seen before is not
// decided again, and each outbox row is settled after its attempt.
type Engine struct {
	cfg       EngineConfig
	store     Store
	responder atomic.Pointer[Responder]
	log       zerolog.Logger
	metrics   Metrics
	now       func() time.Time

	platforms  map[string]Platform // by Source()
	order      []string
	moderators []Moderators
	moderation ModerationConfig

	wake chan struct{}

	mu       sync.Mutex
	switches Switches
	limiters map[string]*rate.Limiter
	inflight map[int64]bool
	up       map[string]bool
}

// NewEngine returns an engine over a store, a responder and the platforms
// it serves. Each platform account must be unique.
func NewEngine(cfg EngineConfig, store Store, r *Responder, platforms []Platform, log zerolog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || r == nil {
		return nil, errors.New("engine: store and responder are required")
	}
	e := &Engine{
		cfg:       cfg,
		store:     store,
		log:       log.With().Str("component", "engine").Logger(),
		metrics:   noMetrics{},
		now:       time.Now,
		platforms: make(map[string]Platform),
		wake:      make(chan struct{}, 1),
		switches:  Switches{Default: cfg.Mode},
		limiters:  make(map[string]*rate.Limiter),
		inflight:  make(map[int64]bool),
		up:        make(map[string]bool),
	}
	e.responder.Store(r)
	for _, p := range platforms {
		src := p.Name() + "/" + p.Account()
		if _, dup := e.platforms[src]; dup {
			return nil, fmt.Errorf("engine: platform account %s configured twice", src)
		}
		e.platforms[src] = p
		e.order = append(e.order, src)
	}
	return e, nil
}

// SetMetrics sets where the engine reports what it does.
func (e *Engine) SetMetrics(m Metrics) {
	if m != nil {
		e.metrics = m
	}
}

// AddModerators adds a channel that receives every escalation.
func (e *Engine) AddModerators(m Moderators) {
	if m != nil {
		e.moderators = append(e.moderators, m)
	}
}

// SetClock replaces the engine's clock (for tests).
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// Responder returns the engine's responder.
func (e *Engine) Responder() *Responder { return e.responder.Load() }

// SetResponder replaces the rules and replies in force, for the posts
// decided from now on (a reload). The previous ones stay in force when the
// new set could not be built, since r is built before it is set.
func (e *Engine) SetResponder(r *Responder) {
	if r != nil {
		e.responder.Store(r)
	}
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// AuthorFP is the keyed hash that stands for an author id everywhere the
// bot writes.
func (e *Engine) AuthorFP(platform, author string) string {
	if author == "" {
		return ""
	}
	m := hmac.New(sha256.New, e.cfg.AuthorKey)
	m.Write([]byte(platform))
	m.Write([]byte{0})
	m.Write([]byte(author))
	return hex.EncodeToString(m.Sum(nil)[:12])
}

// Up reports, per platform account, whether its source is running.
func (e *Engine) Up() map[string]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]bool, len(e.order))
	for _, src := range e.order {
		out[src] = e.up[src]
	}
	return out
}

// LoadSwitches reads the moderators' switches from the store.
func (e *Engine) LoadSwitches(ctx context.Context) error {
	set, err := e.store.Switches(ctx)
	if err != nil {
		return fmt.Errorf("engine: load switches: %w", err)
	}
	e.mu.Lock()
	e.switches = Switches{Default: e.cfg.Mode, Set: set}
	e.mu.Unlock()
	return nil
}

// Switches returns the switches in force.
func (e *Engine) Switches() Switches {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Switches{Default: e.switches.Default, Set: cloneMap(e.switches.Set)}
}

// SetSwitch sets the mode of a scope (an empty mode clears it), records
// who did it in the audit, and takes effect before the next action is sent.
func (e *Engine) SetSwitch(ctx context.Context, key string, m Mode, who string) error {
	if m != "" {
		if _, err := ParseMode(string(m)); err != nil {
			return err
		}
	}
	e.mu.Lock()
	set := cloneMap(e.switches.Set)
	if m == "" {
		delete(set, key)
	} else {
		set[key] = string(m)
	}
	e.switches = Switches{Default: e.cfg.Mode, Set: set}
	e.mu.Unlock()
	if err := e.store.SetSwitch(ctx, key, string(m)); err != nil {
		return fmt.Errorf("engine: set switch %s: %w", key, err)
	}
	outcome := string(m)
	if outcome == "" {
		outcome = "cleared"
	}
	e.log.Info().Str("switch", key).Str("mode", outcome).Str("actor", who).Msg("switch changed")
	e.nudge()
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "switch", Labels: []string{key}, Outcome: outcome})
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (e *Engine) nudge() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// handler adapts the engine to one platform's Source.
type handler struct{ e *Engine }

func (h handler) Handle(ctx context.Context, p Post) error { return h.e.Handle(ctx, p) }
func (h handler) HandleBatch(ctx context.Context, posts []Post) error {
	return h.e.HandleBatch(ctx, posts)
}
func (h handler) Advance(ctx context.Context, source, cursor string) error {
	return h.e.store.SetCursor(ctx, source, cursor)
}

// Handle decides one post and records the decision, its actions and the
// post's cursor in one transaction. A post recorded before is not decided
// again. Nothing is sent here: the dispatcher sends what was recorded.
func (e *Engine) Handle(ctx context.Context, p Post) error {
	return e.HandleBatch(ctx, []Post{p})
}

// HandleBatch decides posts delivered together (one answer of a platform's
// API) and records them in one transaction, in order; the cursor of the
// last one is stored with them. Commands from moderators among them are
// run in their place. Either every post is recorded or none is.
func (e *Engine) HandleBatch(ctx context.Context, posts []Post) error {
	var (
		batch   []decision
		inBatch map[string][]rules.Fingerprint // authors' fingerprints in this batch
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		recs := make([]Record, len(batch))
		for i, d := range batch {
			recs[i] = d.rec
		}
		fresh, err := e.store.RecordMany(ctx, recs)
		if err != nil {
			return fmt.Errorf("engine: record %d posts: %w", len(recs), err)
		}
		for i, d := range batch {
			if fresh[i] {
				e.decided(ctx, d)
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, p := range posts {
		if e.claims(p) {
			if err := flush(); err != nil {
				return err
			}
			if err := e.command(ctx, p); err != nil {
				return err
			}
			continue
		}
		d, err := e.decide(ctx, p, inBatch)
		if err != nil {
			return err
		}
		if d.rec.AuthorFP != "" && d.rec.Verdict != nil {
			if inBatch == nil {
				inBatch = make(map[string][]rules.Fingerprint)
			}
			inBatch[p.Platform+"\x00"+d.rec.AuthorFP] = append(inBatch[p.Platform+"\x00"+d.rec.AuthorFP], d.rec.Verdict.Fingerprint)
		}
		batch = append(batch, d)
	}
	return flush()
}

// decision is one post decided and ready to be recorded.
type decision struct {
	post  Post
	rec   Record
	start time.Time
}

// decide gives the record of one post: its verdict, actions, escalation.
// A post recorded before gets a record of its cursor alone. inBatch holds the
// fingerprints of the posts decided before it in the same batch.
func (e *Engine) decide(ctx context.Context, p Post, inBatch map[string][]rules.Fingerprint) (decision, error) {
	d := decision{post: p, start: time.Now()}
	seen, err := e.store.Seen(ctx, p.Key())
	if err != nil {
		return d, fmt.Errorf("engine: post %s: %w", p.Key(), err)
	}
	if seen {
		// Recorded before: only its cursor is stored again.
		d.rec = Record{Post: routing(p), At: e.now(), Again: true}
		return d, nil
	}
	authorFP := e.AuthorFP(p.Platform, p.Author)
	resp := e.Responder()
	rc := resp.Rules().Repeats()
	var earlier []rules.Fingerprint
	if authorFP != "" {
		since := p.Time.Add(-rc.Window)
		if p.Time.IsZero() {
			since = e.now().Add(-rc.Window)
		}
		earlier, err = e.store.Fingerprints(ctx, p.Platform, authorFP, since, rc.PerAuthor)
		if err != nil {
			return d, fmt.Errorf("engine: post %s: %w", p.Key(), err)
		}
		earlier = append(earlier, inBatch[p.Platform+"\x00"+authorFP]...)
	}
	v := resp.Decide(p, earlier)
	now := e.now()
	rec := Record{Post: routing(p), AuthorFP: authorFP, Verdict: v, At: now}
	rec.Actions = e.plan(p, v, now)
	if v.Has(ActEscalate) {
		rec.Escalation = e.escalation(p, v, authorFP, reason(v), now)
	}
	if rec.Escalation == nil && e.cfg.StrikeLimit > 0 && authorFP != "" && hides(v) {
		n, err := e.store.Strikes(ctx, p.Platform, authorFP, now.Add(-e.cfg.StrikeWindow))
		if err != nil {
			return d, fmt.Errorf("engine: post %s: %w", p.Key(), err)
		}
		if n+1 == e.cfg.StrikeLimit {
			rec.Escalation = e.escalation(p, v, authorFP, "strikes", now)
		}
	}
	d.rec = rec
	return d, nil
}

// decided reports a newly recorded post: metrics, the console, the
// moderators, the log, and the dispatcher when there is something to send.
func (e *Engine) decided(ctx context.Context, d decision) {
	p, v, rec := d.post, d.rec.Verdict, d.rec
	if v == nil {
		return
	}
	e.metrics.PostHandled(p.Platform, v, time.Since(d.start))
	if o, ok := e.platforms[p.Source()].(Observer); ok {
		o.Decided(p, v)
	}
	if rec.Escalation != nil {
		e.tellEscalation(ctx, *rec.Escalation)
	}
	e.log.Debug().Object("post", p).Str("author_fp", rec.AuthorFP).Str("intent", string(v.Intent)).
		Strs("violations", labelStrings(v.Violations)).Strs("pii_kinds", labelStrings(v.PII)).
		Strs("actions", labelStrings(v.Actions)).Msg("post decided")
	if len(rec.Actions) > 0 {
		e.nudge()
	}
}

func labelStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// routing keeps what is needed to act on a post, never its text.
func routing(p Post) Post {
	p.Text = ""
	return p
}

func hides(v *Verdict) bool { return v.Has(ActHide) }

func reason(v *Verdict) string {
	for _, x := range []rules.Violation{rules.Hate, rules.Illegal, rules.Political} {
		if v.HasViolation(x) {
			return string(x)
		}
	}
	return string(v.Intent)
}

func (e *Engine) escalation(p Post, v *Verdict, authorFP, why string, now time.Time) *Escalation {
	labels := make([]string, 0, len(v.Violations)+len(v.PII)+1)
	labels = append(labels, labelStrings(v.Violations)...)
	labels = append(labels, labelStrings(v.PII)...)
	labels = append(labels, string(v.Intent))
	return &Escalation{PostKey: p.Key(), Platform: p.Platform, AuthorFP: authorFP, Reason: why,
		Labels: labels, Redacted: v.Redacted, URL: p.URL, Created: now}
}

// plan turns a verdict into outbox rows, in the mode the switches give at
// the moment of the decision. A hidden post gets its notice with the hide
// (never a public reply that could quote it); other replies are public.
func (e *Engine) plan(p Post, v *Verdict, now time.Time) []Action {
	sw := e.Switches()
	target := routing(p)
	var out []Action
	add := func(kind OutboxKind, act ActionKind, text string) {
		a := Action{PostKey: p.Key(), Kind: kind, Text: text, State: StatePending, NextTry: now,
			Target: target, Intent: string(v.Intent), Created: now}
		// Approval is asked when the action comes up for sending, so
		// that the moderators see it with its id.
		if sw.ModeFor(p, string(v.Intent), act) == ModeDryRun {
			a.State, a.LastError = StateSkipped, "dry-run"
		}
		out = append(out, a)
	}
	if v.Has(ActHide) {
		add(OutHide, ActHide, v.Reply)
	} else if v.Has(ActReply) && v.Reply != "" {
		add(OutReply, ActReply, v.Reply)
	}
	return out
}

// Run serves every platform until ctx ends, or until every source has
// ended on its own (a console at the end of its input) and the outbox is
// drained. A platform whose token is refused stops alone, loudly; the
// others go on.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.LoadSwitches(ctx); err != nil {
		return err
	}
	if err := e.recoverInDoubt(ctx); err != nil {
		return err
	}
	sourcesDone := make(chan struct{})
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDispatch()

	var dispatchErr error
	dispatchDone := make(chan struct{})
	go func() {
		defer close(dispatchDone)
		dispatchErr = e.dispatch(dispatchCtx, ctx, sourcesDone)
	}()

	g, gctx := errgroup.WithContext(ctx)
	for _, src := range e.order {
		g.Go(func() error { return e.receive(gctx, src) })
	}
	err := g.Wait()
	close(sourcesDone)
	if err != nil {
		stopDispatch()
		<-dispatchDone
		return err
	}
	if ctx.Err() != nil {
		// Shutdown: let the action in flight finish within the grace.
		select {
		case <-dispatchDone:
		case <-time.After(e.cfg.Grace):
			stopDispatch()
			<-dispatchDone
		}
		return nil
	}
	<-dispatchDone
	return dispatchErr
}

// receive runs one source, restarting it after transient failures. It
// returns nil when the source ends or is refused, an error only when the
// store fails.
func (e *Engine) receive(ctx context.Context, src string) error {
	pl := e.platforms[src]
	log := e.log.With().Str("platform", pl.Name()).Str("account", pl.Account()).Logger()
	backoff := e.cfg.RetryBase
	for {
		cursor, err := e.store.Cursor(ctx, src)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("engine: cursor of %s: %w", src, err)
		}
		e.setUp(src, true)
		err = pl.Receive(ctx, cursor, handler{e})
		e.setUp(src, false)
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			log.Info().Msg("source ended")
			return nil
		case errors.Is(err, ErrForbidden):
			log.Error().Err(err).Msg("platform refused the bot's credentials; this account is stopped")
			return nil
		}
		log.Warn().Err(err).Dur("retry_after", backoff).Msg("source failed; restarting")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(jitter(backoff)):
		}
		backoff = min(backoff*2, e.cfg.RetryMax)
	}
}

func (e *Engine) setUp(src string, up bool) {
	e.mu.Lock()
	e.up[src] = up
	e.mu.Unlock()
	e.metrics.PlatformUp(src, up)
}

// recoverInDoubt settles the actions a crash left in flight: those safe to
// repeat go back to pending, the others are left to the moderators.
func (e *Engine) recoverInDoubt(ctx context.Context) error {
	acts, err := e.store.InDoubt(ctx)
	if err != nil {
		return fmt.Errorf("engine: in-doubt actions: %w", err)
	}
	now := e.now()
	for _, a := range acts {
		pl := e.platforms[a.Target.Source()]
		if a.Kind == OutHide || (pl != nil && pl.Idempotent()) {
			if err := e.store.Settle(ctx, a.ID, StatePending, "resumed after restart", now); err != nil {
				return err
			}
			continue
		}
		if err := e.store.Settle(ctx, a.ID, StateUnknown, "interrupted: may or may not have been sent", now); err != nil {
			return err
		}
		esc := &Escalation{PostKey: a.PostKey, Platform: a.Target.Platform, Reason: "in_doubt",
			Labels: []string{string(a.Kind)}, URL: a.Target.URL, Created: now}
		if esc.ID, err = e.store.Escalate(ctx, *esc); err != nil {
			return err
		}
		e.tellEscalation(ctx, *esc)
		e.log.Warn().Int64("action_id", a.ID).Str("platform", a.Target.Platform).
			Msg("an action was interrupted by a crash; left to the moderators")
	}
	return nil
}

// dispatch sends due actions until ctx ends, or, once sourcesDone is
// closed and parent has not ended, until nothing is left to send.
func (e *Engine) dispatch(ctx, parent context.Context, sourcesDone <-chan struct{}) error {
	queues := make(map[string]chan Action, len(e.order))
	var wg sync.WaitGroup
	for _, src := range e.order {
		q := make(chan Action, 64)
		queues[src] = q
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]Action, 0, maxBatch)
			for a := range q {
				// Take what else is queued: one transaction begins them all.
				batch = append(batch[:0], a)
			fill:
				for len(batch) < maxBatch {
					select {
					case b, ok := <-q:
						if !ok {
							break fill
						}
						batch = append(batch, b)
					default:
						break fill
					}
				}
				if parent.Err() == nil {
					e.sendBatch(ctx, batch)
				}
				e.mu.Lock()
				for _, b := range batch {
					delete(e.inflight, b.ID)
				}
				e.mu.Unlock()
				if len(q) == 0 {
					e.nudge() // room for the next batch
				}
			}
		}()
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()

	var drainUntil, lastRefresh time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-parent.Done():
			// Shutdown: stop taking new work; what is in flight finishes.
			return nil
		case <-timer.C:
		case <-e.wake:
		case <-sourcesDone:
			sourcesDone = nil
			drainUntil = time.Now().Add(e.cfg.Grace)
		}
		// Switches set through this engine are in force at once; the
		// store is read again now and then for those set elsewhere.
		refresh := time.Since(lastRefresh) >= time.Second
		if refresh {
			lastRefresh = time.Now()
			if err := e.LoadSwitches(ctx); err != nil {
				e.log.Error().Err(err).Msg("switches unreadable; keeping the last ones")
			}
		}
		now := e.now()
		due, err := e.store.Due(ctx, now, 256)
		if err != nil {
			e.log.Error().Err(err).Msg("outbox unreadable")
		}
		slices.SortStableFunc(due, func(a, b Action) int { return priority(a.Kind) - priority(b.Kind) })
		for _, a := range due {
			q := queues[a.Target.Source()]
			e.mu.Lock()
			busy := e.inflight[a.ID]
			e.mu.Unlock()
			if busy {
				continue
			}
			if q == nil {
				_ = e.store.Settle(ctx, a.ID, StateFailed, "no such platform account configured", now)
				continue
			}
			e.mu.Lock()
			e.inflight[a.ID] = true
			e.mu.Unlock()
			select {
			case q <- a:
			default:
				e.mu.Lock()
				delete(e.inflight, a.ID)
				e.mu.Unlock()
			}
		}
		if refresh || !drainUntil.IsZero() {
			pending, perr := e.store.Pending(ctx)
			if perr == nil {
				e.metrics.Backlog(pending)
			}
			e.mu.Lock()
			idle := len(e.inflight) == 0
			e.mu.Unlock()
			// At the end of a finite source: done once nothing is left to
			// send, or once the grace is over.
			if !drainUntil.IsZero() && idle && len(due) == 0 &&
				(perr != nil || pending == 0 || time.Now().After(drainUntil)) {
				return nil
			}
		}
		timer.Reset(e.cfg.Poll)
		if !drainUntil.IsZero() {
			timer.Reset(min(e.cfg.Poll, 50*time.Millisecond))
		}
	}
}

func priority(k OutboxKind) int {
	switch k {
	case OutHide:
		return 0
	case OutNotify:
		return 1
	}
	return 2
}

// maxBatch bounds the actions begun in one transaction; settleAfter
// bounds how long sent actions wait to be recorded together.
const (
	maxBatch    = 32
	settleAfter = 20 * time.Millisecond
)

// sendBatch makes one attempt at each action of a batch: the actions that
// may go now are begun in one transaction, sent in order, and settled
// together (at the latest settleAfter after the first of them was sent).
func (e *Engine) sendBatch(ctx context.Context, batch []Action) {
	ready := make([]Action, 0, len(batch))
	for _, a := range batch {
		if e.gate(ctx, a) {
			ready = append(ready, a)
		}
	}
	if len(ready) == 0 {
		return
	}
	ids := make([]int64, len(ready))
	for i, a := range ready {
		ids[i] = a.ID
	}
	begun, err := e.store.BeginMany(ctx, ids, e.now())
	if err != nil {
		e.log.Error().Err(err).Msg("outbox: cannot begin actions")
		return
	}
	var (
		settles []Settlement
		after   []func()
		first   time.Time
	)
	flush := func() {
		if len(settles) == 0 {
			return
		}
		if err := e.store.SettleMany(context.WithoutCancel(ctx), settles); err != nil {
			e.log.Error().Err(err).Msg("outbox: cannot settle actions")
		}
		for _, f := range after {
			f()
		}
		settles, after = settles[:0], after[:0]
	}
	for _, a := range ready {
		if !slices.Contains(begun, a.ID) {
			continue // no longer pending: settled elsewhere
		}
		if len(settles) == 0 {
			first = time.Now()
		}
		// The rate token is taken right before the send, so that the
		// limits pace sends, not reservations.
		if wait, ok := e.reserve(a); !ok {
			settles = append(settles, Settlement{ID: a.ID, State: StatePending, Note: a.LastError,
				Next: e.now().Add(wait), Undo: true})
			continue
		}
		st, then := e.attempt(ctx, a)
		settles = append(settles, st)
		if then != nil {
			after = append(after, then)
		}
		if time.Since(first) >= settleAfter {
			flush()
		}
	}
	flush()
}

// gate applies the switches to an action about to be sent: it reports
// whether the action may go, and otherwise settles it (paused, dry run,
// proposed to the moderators) — only if it is still pending, since the
// dispatcher may hand over an action that a worker has just sent.
func (e *Engine) gate(ctx context.Context, a Action) bool {
	now := e.now()
	act := ActReply
	if a.Kind == OutHide {
		act = ActHide
	}
	var (
		state = StatePending
		note  = a.LastError
		next  = now
	)
	switch mode := e.Switches().ModeFor(a.Target, a.Intent, act); {
	case mode == ModeOff:
		next = now.Add(e.cfg.Poll) // paused: the action waits until resumed
	case mode == ModeDryRun:
		state, note = StateSkipped, "dry-run"
	case mode == ModeApprove && act == ActReply && !IsApproved(a):
		state, note = StateProposed, "waiting for approval"
	default:
		return true
	}
	ok, err := e.store.SettlePending(context.WithoutCancel(ctx), a.ID, state, note, next)
	if err != nil {
		e.log.Error().Err(err).Int64("action_id", a.ID).Msg("outbox: cannot settle action")
	}
	if ok && state == StateProposed {
		e.tellProposal(ctx, a)
	}
	return false
}

// attempt sends one begun action and returns how to settle it, and what
// to do once it is settled (metrics, escalation of a refused hide).
func (e *Engine) attempt(ctx context.Context, a Action) (Settlement, func()) {
	pl := e.platforms[a.Target.Source()]
	sendCtx, cancel := context.WithTimeout(ctx, e.cfg.SendTimeout)
	defer cancel()
	key := fmt.Sprintf("inpsbot-%d-%s", a.ID, a.Kind)
	var (
		outcome HideOutcome
		err     error
	)
	switch a.Kind {
	case OutReply:
		err = pl.Reply(sendCtx, a.Target, a.Text, key)
	case OutNotify:
		err = pl.Notify(sendCtx, a.Target, a.Text, key)
	case OutHide:
		outcome, err = pl.Hide(sendCtx, a.Target, key)
		if errors.Is(err, ErrNotFound) {
			outcome, err = HideDeleted, nil // gone already
		}
		if err == nil && a.Text != "" {
			err = pl.Notify(sendCtx, a.Target, a.Text, key+"-notice")
		}
	}
	return e.outcome(ctx, a, outcome, err)
}

// reserve takes a token from the platform's limiter and, for messages, from
// the chat's. When a token is not free now it says how long to wait.
func (e *Engine) reserve(a Action) (time.Duration, bool) {
	lim, ok := e.cfg.Limits[a.Target.Platform]
	if !ok {
		lim, ok = DefaultLimits[a.Target.Platform]
	}
	if !ok {
		lim = Limits{PerSecond: 1, Burst: 5}
	}
	now := time.Now()
	global := e.limiter(a.Target.Source(), lim.PerSecond, lim.Burst)
	r := global.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if d <= 2*time.Second {
			time.Sleep(d)
		} else {
			r.CancelAt(now)
			return d, false
		}
	}
	if lim.ChatRate > 0 && (a.Kind != OutHide || a.Text != "") {
		chat := e.limiter(a.Target.Source()+"/"+a.Target.Channel, lim.ChatRate, lim.ChatBurst)
		cr := chat.ReserveN(now, 1)
		if d := cr.DelayFrom(now); d > 0 {
			cr.CancelAt(now)
			return d, false
		}
	}
	return 0, true
}

func (e *Engine) limiter(key string, perSecond float64, burst int) *rate.Limiter {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
		e.limiters[key] = l
	}
	return l
}

// outcome tells how to settle an attempt by its error: done, retry later,
// or failed (with an escalation when a hide was refused). The store audits
// the outcome of every settled action in the same transaction.
func (e *Engine) outcome(ctx context.Context, a Action, outcome HideOutcome, err error) (Settlement, func()) {
	log := e.log.With().Str("platform", a.Target.Platform).Str("post_id", a.Target.ID).
		Str("action", string(a.Kind)).Int64("action_id", a.ID).Logger()
	now := e.now()
	since := now.Sub(a.Created)
	done := func(result string) func() {
		return func() { e.metrics.ActionDone(a.Target.Platform, a.Kind, result, since) }
	}
	switch {
	case err == nil:
		note := ""
		if a.Kind == OutHide {
			note = string(outcome)
		}
		return Settlement{ID: a.ID, State: StateSent, Note: note, Next: now}, done("sent")
	case errors.Is(err, ErrNotFound):
		return Settlement{ID: a.ID, State: StateSkipped, Note: "post gone", Next: now}, done("gone")
	}
	if errors.Is(err, context.DeadlineExceeded) && a.Kind != OutHide && !e.idempotent(a) {
		// The request may have reached the platform before the deadline:
		// sending it again could answer twice. Left to the moderators.
		log.Warn().Err(err).Msg("a send timed out on a platform without idempotency; left to the moderators")
		st := Settlement{ID: a.ID, State: StateUnknown, Note: "timed out: may or may not have been sent", Next: now}
		return st, func() {
			done("unknown")()
			esc := Escalation{PostKey: a.PostKey, Platform: a.Target.Platform, Reason: "in_doubt",
				Labels: []string{string(a.Kind)}, URL: a.Target.URL, Created: now}
			if esc.ID, err = e.store.Escalate(context.WithoutCancel(ctx), esc); err != nil {
				log.Error().Err(err).Msg("cannot escalate an action in doubt")
			}
			e.tellEscalation(ctx, esc)
		}
	}
	if after, retry := Retryable(err); retry || !isPermanent(err) {
		if a.Attempts+1 < e.cfg.MaxAttempts {
			wait := max(after, e.backoff(a.Attempts+1))
			log.Warn().Err(err).Int("attempt", a.Attempts+1).Dur("retry_after", wait).Msg("action will be retried")
			return Settlement{ID: a.ID, State: StatePending, Note: approval(a) + errText(err), Next: now.Add(wait)},
				done("retry")
		}
	}
	log.Error().Err(err).Int("attempt", a.Attempts+1).Msg("action failed")
	st := Settlement{ID: a.ID, State: StateFailed, Note: errText(err), Next: now}
	if a.Kind != OutHide {
		return st, done("failed")
	}
	why := "hide_refused"
	if errors.Is(err, ErrTooOld) {
		why = "hide_too_late"
	}
	return st, func() {
		done("failed")()
		esc := Escalation{PostKey: a.PostKey, Platform: a.Target.Platform, Reason: why,
			Labels: []string{string(a.Kind)}, URL: a.Target.URL, Created: now}
		id, err := e.store.Escalate(context.WithoutCancel(ctx), esc)
		if err != nil {
			log.Error().Err(err).Msg("cannot escalate a refused hide")
		}
		esc.ID = id
		e.tellEscalation(ctx, esc)
	}
}

// idempotent reports whether the platform of an action takes the same
// send twice as one.
func (e *Engine) idempotent(a Action) bool {
	pl := e.platforms[a.Target.Source()]
	return pl != nil && pl.Idempotent()
}

func isPermanent(err error) bool {
	return errors.Is(err, ErrForbidden) || errors.Is(err, ErrTooOld) || errors.Is(err, ErrBadRequest) ||
		errors.Is(err, ErrUnsupported)
}

// errText is an error's message, cut short; errors name operations and ids
// only, never texts.
func errText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

func (e *Engine) backoff(attempt int) time.Duration {
	d := e.cfg.RetryBase << min(attempt-1, 20)
	return jitter(min(d, e.cfg.RetryMax))
}

// jitter spreads d over [d/2, d).
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// approvedPrefix marks, in an action's note, a reply a moderator approved.
const approvedPrefix = "approved by "

// IsApproved reports whether a moderator approved the action.
func IsApproved(a Action) bool { return strings.HasPrefix(a.LastError, approvedPrefix) }

func approval(a Action) string {
	if !IsApproved(a) {
		return ""
	}
	note, _, _ := strings.Cut(a.LastError, ";")
	return note + "; "
}

// Approve releases a proposed reply for sending, recording who approved.
func (e *Engine) Approve(ctx context.Context, id int64, who string) error {
	a, err := e.store.Action(ctx, id)
	if err != nil {
		return fmt.Errorf("engine: approve action %d: %w", id, err)
	}
	if a.State != StateProposed {
		return fmt.Errorf("engine: approve action %d: it is %s, not proposed: %w", id, a.State, ErrConflict)
	}
	if err := e.store.Settle(ctx, id, StatePending, approvedPrefix+who, e.now()); err != nil {
		return fmt.Errorf("engine: approve action %d: %w", id, err)
	}
	e.nudge()
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "approve", Platform: a.Target.Platform,
		PostKey: a.PostKey, Intent: a.Intent, Actions: []string{string(a.Kind)}, Outcome: "approved"})
}

// Reject drops a proposed reply, recording who rejected it.
func (e *Engine) Reject(ctx context.Context, id int64, who string) error {
	a, err := e.store.Action(ctx, id)
	if err != nil {
		return fmt.Errorf("engine: reject action %d: %w", id, err)
	}
	if a.State != StateProposed {
		return fmt.Errorf("engine: reject action %d: it is %s, not proposed: %w", id, a.State, ErrConflict)
	}
	if err := e.store.Settle(ctx, id, StateSkipped, "rejected by "+who, e.now()); err != nil {
		return fmt.Errorf("engine: reject action %d: %w", id, err)
	}
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "reject", Platform: a.Target.Platform,
		PostKey: a.PostKey, Intent: a.Intent, Actions: []string{string(a.Kind)}, Outcome: "rejected"})
}
