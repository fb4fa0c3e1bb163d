package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// AuditTrail page sizes.
const (
	DefaultAuditLimit = 50   // rows when AuditFilter.Limit is 0 or less
	MaxAuditLimit     = 1000 // most rows one call returns
)

// Term fields of audit_terms.
const (
	termLabel  = "label"
	termAction = "action"
)

// Audit appends a row to the audit trail, under a new ID; a zero At is the
// current time.
func (s *Store) Audit(ctx context.Context, a bot.AuditEntry) error {
	if a.At.IsZero() {
		a.At = time.Now()
	}
	if err := s.tx(ctx, func(tx *wtx) error { return insertAudit(ctx, tx, a) }); err != nil {
		return fmt.Errorf("sqlite: audit %s: %w", a.Event, err)
	}
	return nil
}

// insertAudit adds an audit row and its terms: each label and the intent
// as a label, each action.
func insertAudit(ctx context.Context, tx *wtx, a bot.AuditEntry) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, event, platform, post_key, author_fp, intent,
		labels, actions, outcome, redacted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		unixNano(a.At), a.Actor, a.Event, a.Platform, a.PostKey, a.AuthorFP, a.Intent, jsonList(a.Labels),
		jsonList(a.Actions), a.Outcome, a.Redacted)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	add := func(field, term string) error {
		if term == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_terms (field, term, audit_id) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, field, term, id)
		return err
	}
	if err := add(termLabel, a.Intent); err != nil {
		return err
	}
	for _, l := range a.Labels {
		if err := add(termLabel, l); err != nil {
			return err
		}
	}
	for _, x := range a.Actions {
		if err := add(termAction, x); err != nil {
			return err
		}
	}
	return nil
}

// AuditTrail returns the audit rows matching f, newest (highest ID) first:
// Since is inclusive, Until exclusive, Before pages by ID, and Label
// matches a label or the intent. Limit defaults to DefaultAuditLimit and
// is capped at MaxAuditLimit.
func (s *Store) AuditTrail(ctx context.Context, f bot.AuditFilter) ([]bot.AuditEntry, error) {
	query, args := auditQuery(f)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit trail: %w", err)
	}
	defer rows.Close()
	var out []bot.AuditEntry
	for rows.Next() {
		var (
			a               bot.AuditEntry
			at              int64
			labels, actions string
		)
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Event, &a.Platform, &a.PostKey, &a.AuthorFP, &a.Intent,
			&labels, &actions, &a.Outcome, &a.Redacted); err != nil {
			return nil, fmt.Errorf("sqlite: audit trail: %w", err)
		}
		a.At = fromUnixNano(at)
		if a.Labels, err = parseList(labels); err != nil {
			return nil, fmt.Errorf("sqlite: audit trail: row %d labels: %w", a.ID, err)
		}
		if a.Actions, err = parseList(actions); err != nil {
			return nil, fmt.Errorf("sqlite: audit trail: row %d actions: %w", a.ID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit trail: %w", err)
	}
	return out, nil
}

// auditQuery builds the query of AuditTrail. With a label or an action to
// match, the query walks that term's index backwards from Before, so a
// page costs about its own size even on a large trail; otherwise it walks
// the ID, event or platform index the same way. Times are filters only
// (the unary + keeps SQLite from choosing the time index and sorting).
func auditQuery(f bot.AuditFilter) (string, []any) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultAuditLimit
	case limit > MaxAuditLimit:
		limit = MaxAuditLimit
	}
	var (
		from  = "audit a"
		id    = "a.id"
		where []string
		args  []any
	)
	cond := func(c string, arg ...any) {
		where = append(where, c)
		args = append(args, arg...)
	}
	exists := func(field, term string) {
		cond("EXISTS (SELECT 1 FROM audit_terms x WHERE x.field = ? AND x.term = ? AND x.audit_id = a.id)",
			field, term)
	}
	switch {
	case f.Label != "":
		from, id = "audit_terms t CROSS JOIN audit a", "t.audit_id"
		cond("t.field = ? AND t.term = ? AND a.id = t.audit_id", termLabel, f.Label)
		if f.Action != "" {
			exists(termAction, f.Action)
		}
	case f.Action != "":
		from, id = "audit_terms t CROSS JOIN audit a", "t.audit_id"
		cond("t.field = ? AND t.term = ? AND a.id = t.audit_id", termAction, f.Action)
	}
	if f.Platform != "" {
		cond("a.platform = ?", f.Platform)
	}
	if f.Event != "" {
		cond("a.event = ?", f.Event)
	}
	if !f.Since.IsZero() {
		cond("+a.at >= ?", unixNano(f.Since))
	}
	if !f.Until.IsZero() {
		cond("+a.at < ?", unixNano(f.Until))
	}
	if f.Before > 0 {
		cond(id+" < ?", f.Before)
	}
	q := "SELECT a.id, a.at, a.actor, a.event, a.platform, a.post_key, a.author_fp, a.intent, a.labels, " +
		"a.actions, a.outcome, a.redacted FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + id + " DESC LIMIT ?"
	return q, append(args, limit)
}

// Escalate adds an item to the moderators' queue and returns its id; a
// zero Created is the current time.
func (s *Store) Escalate(ctx context.Context, e bot.Escalation) (int64, error) {
	if e.Created.IsZero() {
		e.Created = time.Now()
	}
	var id int64
	err := s.tx(ctx, func(tx *wtx) error {
		var err error
		id, err = insertEscalation(ctx, tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: escalate %s: %w", e.PostKey, err)
	}
	return id, nil
}

func insertEscalation(ctx context.Context, tx *wtx, e bot.Escalation) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO escalations (post_key, platform, author_fp, reason, labels,
		redacted, url, created, resolved_by, note, resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.PostKey, e.Platform, e.AuthorFP, e.Reason, jsonList(e.Labels), e.Redacted, e.URL, unixNano(e.Created),
		e.ResolvedBy, e.Note, unixNano(e.Resolved))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Escalations lists queue items, newest first, only the open ones when
// open is true, at most limit (all when limit is 0 or less).
func (s *Store) Escalations(ctx context.Context, open bool, limit int) ([]bot.Escalation, error) {
	q := "SELECT " + escalationColumns + " FROM escalations"
	if open {
		q += " WHERE resolved = 0"
	}
	q += " ORDER BY id DESC LIMIT ?"
	rows, err := s.r.QueryContext(ctx, q, limitOrAll(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: escalations: %w", err)
	}
	defer rows.Close()
	var out []bot.Escalation
	for rows.Next() {
		e, err := scanEscalation(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: escalations: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: escalations: %w", err)
	}
	return out, nil
}

const escalationColumns = `id, post_key, platform, author_fp, reason, labels, redacted, url, created, resolved_by,
	note, resolved, taken_by`

func scanEscalation(sc scanner) (bot.Escalation, error) {
	var (
		e                 bot.Escalation
		labels            string
		created, resolved int64
	)
	if err := sc.Scan(&e.ID, &e.PostKey, &e.Platform, &e.AuthorFP, &e.Reason, &labels, &e.Redacted, &e.URL,
		&created, &e.ResolvedBy, &e.Note, &resolved, &e.TakenBy); err != nil {
		return bot.Escalation{}, err
	}
	var err error
	if e.Labels, err = parseList(labels); err != nil {
		return bot.Escalation{}, fmt.Errorf("item %d labels: %w", e.ID, err)
	}
	e.Created, e.Resolved = fromUnixNano(created), fromUnixNano(resolved)
	return e, nil
}

// Escalation returns one queue item by id.
func (s *Store) Escalation(ctx context.Context, id int64) (bot.Escalation, error) {
	e, err := scanEscalation(s.r.QueryRowContext(ctx, "SELECT "+escalationColumns+" FROM escalations WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = bot.ErrNotFound
	}
	if err != nil {
		return bot.Escalation{}, fmt.Errorf("sqlite: escalation %d: %w", id, err)
	}
	return e, nil
}

// TakeEscalation records which moderator took an open item in hand.
func (s *Store) TakeEscalation(ctx context.Context, id int64, by string) error {
	res, err := s.w.ExecContext(ctx, "UPDATE escalations SET taken_by = ? WHERE id = ? AND resolved = 0", by, id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = fmt.Errorf("no open item: %w", bot.ErrNotFound)
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: take escalation %d: %w", id, err)
	}
	return nil
}

// ResolveEscalation closes an open queue item with a moderator's name and
// note, at the current time. An id that is unknown or already resolved gives an error wrapping
// bot.ErrNotFound.
func (s *Store) ResolveEscalation(ctx context.Context, id int64, by, note string) error {
	err := s.tx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE escalations SET resolved_by = ?, note = ?, resolved = ?
			WHERE id = ? AND resolved = 0`, by, note, unixNano(time.Now()), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			err = fmt.Errorf("no open item: %w", bot.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: resolve escalation %d: %w", id, err)
	}
	return nil
}

// Switches returns every switch that is set, by key.
func (s *Store) Switches(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT key, value FROM switches")
	if err != nil {
		return nil, fmt.Errorf("sqlite: switches: %w", err)
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("sqlite: switches: %w", err)
		}
		m[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: switches: %w", err)
	}
	return m, nil
}

// SetSwitch sets a switch, or clears it when value is empty.
func (s *Store) SetSwitch(ctx context.Context, key, value string) error {
	err := s.tx(ctx, func(tx *wtx) error {
		var err error
		if value == "" {
			_, err = tx.ExecContext(ctx, "DELETE FROM switches WHERE key = ?", key)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO switches (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: set switch %s: %w", key, err)
	}
	return nil
}
