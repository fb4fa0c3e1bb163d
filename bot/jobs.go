package bot

import (
	"context"
	"fmt"
	"time"
)

// Purge removes what the store holds from before the retention period.
func (e *Engine) Purge(ctx context.Context, retention time.Duration) (int64, error) {
	n, err := e.store.Purge(ctx, e.now().Add(-retention))
	if err != nil {
		return 0, fmt.Errorf("engine: purge: %w", err)
	}
	return n, nil
}

// Forget erases every stored reference to an author on a platform (GDPR
// erasure): the store keeps only an audit row saying that an erasure
// happened and who asked for it.
func (e *Engine) Forget(ctx context.Context, platform, author, who string) (int64, error) {
	fp := e.AuthorFP(platform, author)
	if fp == "" {
		return 0, fmt.Errorf("engine: forget: no author given")
	}
	n, err := e.store.Forget(ctx, platform, fp, who)
	if err != nil {
		return 0, fmt.Errorf("engine: forget on %s: %w", platform, err)
	}
	e.log.Info().Str("platform", platform).Str("actor", who).Int64("rows", n).Msg("author erased")
	return n, nil
}

// ResolveEscalation closes a queue item with a moderator's note and audits
// who did it.
func (e *Engine) ResolveEscalation(ctx context.Context, id int64, who, note string) error {
	// A note is a moderator's free text: it is stored with personal data
	// masked, like everything else.
	if err := e.store.ResolveEscalation(ctx, id, who, e.Responder().Redact(note)); err != nil {
		return fmt.Errorf("engine: resolve escalation %d: %w", id, err)
	}
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "resolve",
		Labels: []string{fmt.Sprintf("escalation:%d", id)}, Outcome: "resolved"})
}

// Sweeper is an optional interface of a Platform that can deliver again
// the recent posts it may have missed (the replies under the account's own
// recent posts, edits); posts already recorded are skipped by the engine.
type Sweeper interface {
	Sweep(ctx context.Context, h Handler) error
}

// Sweep looks again at recent posts on the platforms that can deliver
// them, and wakes the dispatcher for every pending action. It returns the
// first platform error after trying them all.
func (e *Engine) Sweep(ctx context.Context) error {
	var first error
	for _, src := range e.order {
		sw, ok := e.platforms[src].(Sweeper)
		if !ok {
			continue
		}
		if err := sw.Sweep(ctx, handler{e}); err != nil {
			e.log.Warn().Err(err).Str("account", src).Msg("sweep failed")
			if first == nil {
				first = fmt.Errorf("engine: sweep %s: %w", src, err)
			}
		}
	}
	e.nudge()
	return first
}

// TakeEscalation records that a moderator took a queue item in hand.
func (e *Engine) TakeEscalation(ctx context.Context, id int64, who string) error {
	if err := e.store.TakeEscalation(ctx, id, who); err != nil {
		return fmt.Errorf("engine: take escalation %d: %w", id, err)
	}
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "take",
		Labels: []string{fmt.Sprintf("escalation:%d", id)}, Outcome: "taken"})
}

// Amend replaces the text of a reply waiting for approval, once the text
// passes the same checks as the bot's own replies: no personal data, a
// named channel, the platform's limit. Who amended it is audited.
func (e *Engine) Amend(ctx context.Context, id int64, text, who string) error {
	a, err := e.store.Action(ctx, id)
	if err != nil {
		return fmt.Errorf("engine: amend action %d: %w", id, err)
	}
	if err := e.Responder().CheckReply(text, a.Target.Platform); err != nil {
		return fmt.Errorf("engine: amend action %d: %w: %w", id, ErrBadRequest, err)
	}
	if err := e.store.Amend(ctx, id, text); err != nil {
		return fmt.Errorf("engine: amend action %d: %w", id, err)
	}
	return e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "amend", Platform: a.Target.Platform,
		PostKey: a.PostKey, Intent: a.Intent, Actions: []string{string(a.Kind)}, Outcome: "amended"})
}
