package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

// strikeViolations are the violations that hide a post and so count as a
// strike against its author.
var strikeViolations = []rules.Violation{
	rules.Profanity, rules.Hate, rules.Insult, rules.Advertising, rules.PersonalData,
}

// Record stores a post's routing, verdict, fingerprint, outbox rows,
// escalation, decision audit row and cursor in one transaction. When the
// post's key was recorded before it stores only the cursor and returns
// false. Outbox rows and the escalation take their missing post key,
// target, state (pending), labels and times from the record; a zero At is
// the current time.
func (s *Store) Record(ctx context.Context, r bot.Record) (bool, error) {
	var fresh bool
	err := s.tx(ctx, func(tx *wtx) error {
		var err error
		fresh, err = recordTx(ctx, tx, r)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: record post %s: %w", r.Post.Key(), err)
	}
	return fresh, nil
}

// RecordMany records several posts in one transaction (the posts of one
// delivery from a platform) and says, for each, whether it was new. Either
// all are recorded or none is.
func (s *Store) RecordMany(ctx context.Context, rs []bot.Record) ([]bool, error) {
	fresh := make([]bool, len(rs))
	err := s.tx(ctx, func(tx *wtx) error {
		for i, r := range rs {
			f, err := recordTx(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("post %s: %w", r.Post.Key(), err)
			}
			fresh[i] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: record %d posts: %w", len(rs), err)
	}
	return fresh, nil
}

// recordTx records one post inside a transaction; see Record.
func recordTx(ctx context.Context, tx *wtx, r bot.Record) (bool, error) {
	if r.Again {
		if r.Post.Cursor == "" {
			return false, nil
		}
		return false, setCursor(ctx, tx, r.Post.Source(), r.Post.Cursor)
	}
	p := r.Post
	key := p.Key()
	if r.At.IsZero() {
		r.At = time.Now()
	}
	var v bot.Verdict
	if r.Verdict != nil {
		v = *r.Verdict
	}
	var fp []byte // NULL when the verdict has no fingerprint
	if f := v.Fingerprint; len(f.Shingles) > 0 || f.Exact != 0 || f.Tokens != 0 {
		var err error
		if fp, err = f.MarshalBinary(); err != nil {
			return false, fmt.Errorf("fingerprint: %w", err)
		}
	}
	posted := p.Time
	if posted.IsZero() {
		posted = r.At
	}
	labels := verdictLabels(&v)
	actions := make([]string, len(v.Actions))
	for i, a := range v.Actions {
		actions[i] = string(a)
	}

	var fresh bool
	err := func() error {
		if p.Cursor != "" {
			if err := setCursor(ctx, tx, p.Source(), p.Cursor); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO posts (key, platform, account, post_id, channel, author,
			handle, author_fp, reply_to, kind, visibility, url, posted, recorded, pii, violations, intent,
			personal, actions, redacted, fingerprint)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`,
			key, p.Platform, p.Account, p.ID, p.Channel, p.Author, p.Handle, r.AuthorFP, p.ReplyTo,
			string(p.Kind), p.Visibility, p.URL, unixNano(posted), unixNano(r.At), jsonList(v.PII),
			jsonList(v.Violations), string(v.Intent), v.Personal, jsonList(v.Actions), v.Redacted, fp)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // n == 0: recorded before; commit the cursor alone
		}
		fresh = true

		for _, a := range r.Actions {
			if a.PostKey == "" {
				a.PostKey = key
			}
			if a.Target.Platform == "" {
				a.Target = p
			}
			if a.State == "" {
				a.State = bot.StatePending
			}
			if a.Created.IsZero() {
				a.Created = r.At
			}
			if _, err := insertAction(ctx, tx, a, r.AuthorFP); err != nil {
				return err
			}
		}
		if r.Escalation != nil {
			e := *r.Escalation
			if e.PostKey == "" {
				e.PostKey = key
			}
			if e.Platform == "" {
				e.Platform = p.Platform
			}
			if e.AuthorFP == "" {
				e.AuthorFP = r.AuthorFP
			}
			if e.Labels == nil {
				e.Labels = labels
			}
			if e.Redacted == "" {
				e.Redacted = v.Redacted
			}
			if e.URL == "" {
				e.URL = p.URL
			}
			if e.Created.IsZero() {
				e.Created = r.At
			}
			if _, err := insertEscalation(ctx, tx, e); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, bot.AuditEntry{
			At:       r.At,
			Actor:    "bot",
			Event:    "decision",
			Platform: p.Platform,
			PostKey:  key,
			AuthorFP: r.AuthorFP,
			Intent:   string(v.Intent),
			Labels:   labels,
			Actions:  actions,
			Redacted: v.Redacted,
		})
	}()
	return fresh, err
}

// verdictLabels lists the personal-data kinds and the violations of a
// verdict, the labels of its audit row.
func verdictLabels(v *bot.Verdict) []string {
	labels := make([]string, 0, len(v.PII)+len(v.Violations))
	for _, k := range v.PII {
		labels = append(labels, string(k))
	}
	for _, x := range v.Violations {
		labels = append(labels, string(x))
	}
	return labels
}

// Seen reports whether the post with this key was recorded.
func (s *Store) Seen(ctx context.Context, key string) (bool, error) {
	var seen bool
	if err := s.r.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM posts WHERE key = ?)", key).Scan(&seen); err != nil {
		return false, fmt.Errorf("sqlite: seen %s: %w", key, err)
	}
	return seen, nil
}

// Cursor returns the saved position of a source, "" when none.
func (s *Store) Cursor(ctx context.Context, source string) (string, error) {
	var c string
	err := s.r.QueryRowContext(ctx, "SELECT cursor FROM cursors WHERE source = ?", source).Scan(&c)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlite: cursor %s: %w", source, err)
	}
	return c, nil
}

// SetCursor saves the position of a source.
func (s *Store) SetCursor(ctx context.Context, source, cursor string) error {
	if err := s.tx(ctx, func(tx *wtx) error { return setCursor(ctx, tx, source, cursor) }); err != nil {
		return fmt.Errorf("sqlite: set cursor %s: %w", source, err)
	}
	return nil
}

func setCursor(ctx context.Context, tx *wtx, source, cursor string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO cursors (source, cursor) VALUES (?, ?)
		ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor`, source, cursor)
	return err
}

// Fingerprints returns the fingerprints of an author's posts on a platform
// posted since a time, newest first, at most limit (all when limit is 0 or
// less). A post's time is the platform's, or the recording time when the
// platform gave none.
func (s *Store) Fingerprints(ctx context.Context, platform, authorFP string, since time.Time,
	limit int) ([]rules.Fingerprint, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT fingerprint FROM posts
		WHERE platform = ? AND author_fp = ? AND posted >= ? AND fingerprint IS NOT NULL
		ORDER BY posted DESC, rowid DESC LIMIT ?`,
		platform, authorFP, unixNano(since), limitOrAll(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: fingerprints: %w", err)
	}
	defer rows.Close()
	var fps []rules.Fingerprint
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("sqlite: fingerprints: %w", err)
		}
		var fp rules.Fingerprint
		if err := fp.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("sqlite: fingerprints: %w", err)
		}
		fps = append(fps, fp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: fingerprints: %w", err)
	}
	return fps, nil
}

// Strikes counts an author's posts on a platform, posted since a time,
// whose verdict has a violation that hides a post (profanity, hate, insult,
// advertising, personal_data).
func (s *Store) Strikes(ctx context.Context, platform, authorFP string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts
		WHERE platform = ? AND author_fp = ? AND posted >= ?
		AND EXISTS (SELECT 1 FROM json_each(posts.violations) WHERE value IN (SELECT value FROM json_each(?)))`,
		platform, authorFP, unixNano(since), jsonList(strikeViolations)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: strikes: %w", err)
	}
	return n, nil
}

// jsonList encodes a list of labels as a JSON array, [] when empty.
func jsonList[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(xs) // a slice of strings always encodes
	return string(b)
}

// parseList decodes a JSON array written by jsonList; nil when empty.
func parseList(s string) ([]string, error) {
	var xs []string
	if err := json.Unmarshal([]byte(s), &xs); err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, nil
	}
	return xs, nil
}
