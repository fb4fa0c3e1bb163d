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
	n, err := e.store.Forget(ctx, platform, fp)
	if err != nil {
		return 0, fmt.Errorf("engine: forget on %s: %w", platform, err)
	}
	if err := e.store.Audit(ctx, AuditEntry{At: e.now(), Actor: who, Event: "forget", Platform: platform,
		Outcome: fmt.Sprintf("%d rows erased", n)}); err != nil {
		return n, fmt.Errorf("engine: forget on %s: %w", platform, err)
	}
	e.log.Info().Str("platform", platform).Str("actor", who).Int64("rows", n).Msg("author erased")
	return n, nil
}
