package sqlite

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// Forget erases every row that refers to an author on a platform: their
// posts (with fingerprints and routing), the outbox rows and escalations
// of those posts or carrying the author's hash, and the audit rows of
// those posts or carrying the hash. It then appends one audit row, event
// "forget", naming the platform and who asked only, and checkpoints the WAL so that the
// erased rows survive in no file. It returns how many rows were removed.
func (s *Store) Forget(ctx context.Context, platform, authorFP, actor string) (int64, error) {
	if platform == "" || authorFP == "" {
		return 0, errors.New("sqlite: forget: platform and author hash are required")
	}
	var removed int64
	err := s.tx(ctx, func(tx *wtx) error {
		const keys = "SELECT key FROM posts WHERE platform = ?1 AND author_fp = ?2"
		for _, q := range []string{
			"DELETE FROM outbox WHERE (t_platform = ?1 AND author_fp = ?2) OR post_key IN (" + keys + ")",
			"DELETE FROM escalations WHERE (platform = ?1 AND author_fp = ?2) OR post_key IN (" + keys + ")",
			"DELETE FROM audit WHERE (platform = ?1 AND author_fp = ?2) OR post_key IN (" + keys + ")",
			"DELETE FROM posts WHERE platform = ?1 AND author_fp = ?2",
		} {
			res, err := tx.ExecContext(ctx, q, platform, authorFP)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			removed += n
		}
		return insertAudit(ctx, tx, bot.AuditEntry{
			At:       time.Now(),
			Actor:    cmp.Or(actor, "bot"),
			Event:    "forget",
			Platform: platform,
			Outcome:  fmt.Sprintf("removed %d rows", removed),
		})
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: forget on %s: %w", platform, err)
	}
	// Deleted rows are zeroed in the pages (secure_delete); the WAL may
	// still hold their earlier versions until it is checkpointed and
	// truncated.
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return removed, fmt.Errorf("sqlite: forget on %s: checkpoint: %w", platform, err)
	}
	return removed, nil
}

// Purge removes what was recorded before a time: posts, outbox rows that
// are settled (sent, failed, skipped), resolved escalations and audit rows.
// Pending, proposed, sending and unknown actions and open escalations stay.
// It returns how many rows were removed.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	t := unixNano(before)
	var removed int64
	err := s.tx(ctx, func(tx *wtx) error {
		for _, d := range []struct {
			query string
			args  []any
		}{
			{"DELETE FROM posts WHERE recorded < ?", []any{t}},
			{"DELETE FROM outbox WHERE state IN (?, ?, ?) AND created < ?",
				[]any{string(bot.StateSent), string(bot.StateFailed), string(bot.StateSkipped), t}},
			{"DELETE FROM escalations WHERE resolved <> 0 AND resolved < ?", []any{t}},
			{"DELETE FROM audit WHERE at < ?", []any{t}},
		} {
			res, err := tx.ExecContext(ctx, d.query, d.args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			removed += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge: %w", err)
	}
	return removed, nil
}
