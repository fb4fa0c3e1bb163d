package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot"
)

// maxNote bounds the error text kept on an outbox row.
const maxNote = 1024

// actionColumns lists the outbox columns in the order scanAction reads them.
const actionColumns = `id, post_key, kind, text, state, attempts, next_try, last_error, created,
	t_platform, t_account, t_post_id, t_channel, t_author, t_handle, t_reply_to, t_kind, t_visibility,
	t_url, t_time, intent`

// insertAction adds an outbox row; the target's text is never stored.
func insertAction(ctx context.Context, tx *wtx, a bot.Action, authorFP string) (int64, error) {
	if !validState(a.State) {
		return 0, fmt.Errorf("action for %s: unknown state %q", a.PostKey, a.State)
	}
	t := a.Target
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (post_key, kind, text, state, attempts, next_try,
		last_error, created, author_fp, t_platform, t_account, t_post_id, t_channel, t_author, t_handle,
		t_reply_to, t_kind, t_visibility, t_url, t_time, intent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.PostKey, string(a.Kind), a.Text, string(a.State), a.Attempts, unixNano(a.NextTry),
		note(a.LastError), unixNano(a.Created), authorFP, t.Platform, t.Account, t.ID, t.Channel, t.Author,
		t.Handle, t.ReplyTo, string(t.Kind), t.Visibility, t.URL, unixNano(t.Time), a.Intent)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanAction(sc scanner) (bot.Action, error) {
	var (
		a                       bot.Action
		kind, state, tkind      string
		nextTry, created, tTime int64
	)
	t := &a.Target
	err := sc.Scan(&a.ID, &a.PostKey, &kind, &a.Text, &state, &a.Attempts, &nextTry, &a.LastError, &created,
		&t.Platform, &t.Account, &t.ID, &t.Channel, &t.Author, &t.Handle, &t.ReplyTo, &tkind, &t.Visibility,
		&t.URL, &tTime, &a.Intent)
	if err != nil {
		return bot.Action{}, err
	}
	a.Kind = bot.OutboxKind(kind)
	a.State = bot.ActionState(state)
	t.Kind = bot.PostKind(tkind)
	a.NextTry = fromUnixNano(nextTry)
	a.Created = fromUnixNano(created)
	t.Time = fromUnixNano(tTime)
	return a, nil
}

// queryActions runs a query over actionColumns.
func (s *Store) queryActions(ctx context.Context, query string, args ...any) ([]bot.Action, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+actionColumns+" FROM outbox "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []bot.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return as, rows.Err()
}

// Due returns pending actions whose next try is at or before now, oldest
// first, at most limit (all when limit is 0 or less).
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]bot.Action, error) {
	as, err := s.queryActions(ctx, "WHERE state = ? AND next_try <= ? ORDER BY id LIMIT ?",
		string(bot.StatePending), unixNano(now), limitOrAll(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due actions: %w", err)
	}
	return as, nil
}

// Pending counts actions still to send (pending or sending).
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE state IN (?, ?)",
		string(bot.StatePending), string(bot.StateSending)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: pending actions: %w", err)
	}
	return n, nil
}

// Begin marks a pending action as being sent and counts the attempt. It
// returns false when the action is not pending (another worker took it,
// or it was settled).
func (s *Store) Begin(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_try = ?
		WHERE id = ? AND state = ?`,
		string(bot.StateSending), unixNano(now), id, string(bot.StatePending))
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: begin action %d: %w", id, err)
	}
	return n == 1, nil
}

// Settle ends an attempt: it sets the action's state, its last error and
// its next try (used when the state is pending again). It also moves a
// proposed action on, once a moderator decided. An unknown id gives an
// error wrapping bot.ErrNotFound.
func (s *Store) Settle(ctx context.Context, id int64, state bot.ActionState, note string, next time.Time) error {
	err := s.settle(ctx, id, state, note, next)
	if err != nil {
		return fmt.Errorf("sqlite: settle action %d: %w", id, err)
	}
	return nil
}

func (s *Store) settle(ctx context.Context, id int64, state bot.ActionState, msg string, next time.Time) error {
	return s.tx(ctx, func(tx *wtx) error {
		return settleTx(ctx, tx, bot.Settlement{ID: id, State: state, Note: msg, Next: next}, "")
	})
}

// SettlePending settles an action that is still pending, without an
// attempt (paused, deferred, proposed, skipped); it returns false, changing
// nothing, when the action is no longer pending.
func (s *Store) SettlePending(ctx context.Context, id int64, state bot.ActionState, msg string, next time.Time) (bool, error) {
	err := s.tx(ctx, func(tx *wtx) error {
		return settleTx(ctx, tx, bot.Settlement{ID: id, State: state, Note: msg, Next: next}, bot.StatePending)
	})
	if errors.Is(err, bot.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: settle pending action %d: %w", id, err)
	}
	return true, nil
}

// settleTx settles one action inside a transaction, when it is in state
// from (any state when from is empty), and, when the action is over,
// writes the audit row of its outcome. An action not found, or not in
// state from, gives bot.ErrNotFound.
func settleTx(ctx context.Context, tx *wtx, st bot.Settlement, from bot.ActionState) error {
	if !validState(st.State) {
		return fmt.Errorf("unknown state %q", st.State)
	}
	undo := 0
	if st.Undo {
		undo = 1
	}
	var postKey, kind, platform, authorFP, intent string
	err := tx.QueryRowContext(ctx, `UPDATE outbox SET state = ?, last_error = ?, next_try = ?,
		attempts = max(attempts - ?, 0) WHERE id = ? AND (? = '' OR state = ?)
		RETURNING post_key, kind, t_platform, author_fp, intent`,
		string(st.State), note(st.Note), unixNano(st.Next), undo, st.ID, string(from), string(from)).
		Scan(&postKey, &kind, &platform, &authorFP, &intent)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !finalState(st.State) {
		return nil
	}
	// The outcome of every action is in the audit trail, written with
	// the outcome itself.
	outcome := string(st.State)
	if st.Note != "" {
		outcome += ": " + st.Note
	}
	return insertAudit(ctx, tx, bot.AuditEntry{At: time.Now(), Actor: "bot", Event: "action",
		Platform: platform, PostKey: postKey, AuthorFP: authorFP, Intent: intent,
		Actions: []string{kind}, Outcome: note(outcome)})
}

// BeginMany marks several pending actions as being sent, in one
// transaction, and returns the ids it began (those still pending).
func (s *Store) BeginMany(ctx context.Context, ids []int64, now time.Time) ([]int64, error) {
	begun := make([]int64, 0, len(ids))
	err := s.tx(ctx, func(tx *wtx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_try = ?
				WHERE id = ? AND state = ?`,
				string(bot.StateSending), unixNano(now), id, string(bot.StatePending))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				begun = append(begun, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin %d actions: %w", len(ids), err)
	}
	return begun, nil
}

// SettleMany settles several actions in one transaction, auditing those
// that are over.
func (s *Store) SettleMany(ctx context.Context, settles []bot.Settlement) error {
	err := s.tx(ctx, func(tx *wtx) error {
		for _, st := range settles {
			if err := settleTx(ctx, tx, st, ""); err != nil {
				return fmt.Errorf("action %d: %w", st.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: settle %d actions: %w", len(settles), err)
	}
	return nil
}

// finalState reports whether an action in state st is over.
func finalState(st bot.ActionState) bool {
	switch st {
	case bot.StateSent, bot.StateFailed, bot.StateSkipped, bot.StateUnknown:
		return true
	}
	return false
}

// InDoubt returns the actions left in state sending, oldest first: after a
// crash, their outcome is unknown.
func (s *Store) InDoubt(ctx context.Context) ([]bot.Action, error) {
	as, err := s.queryActions(ctx, "WHERE state = ? ORDER BY id", string(bot.StateSending))
	if err != nil {
		return nil, fmt.Errorf("sqlite: actions in doubt: %w", err)
	}
	return as, nil
}

// Action returns one action by id; an unknown id gives an error wrapping
// bot.ErrNotFound.
func (s *Store) Action(ctx context.Context, id int64) (bot.Action, error) {
	a, err := scanAction(s.r.QueryRowContext(ctx, "SELECT "+actionColumns+" FROM outbox WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		err = bot.ErrNotFound
	}
	if err != nil {
		return bot.Action{}, fmt.Errorf("sqlite: action %d: %w", id, err)
	}
	return a, nil
}

// Actions lists actions in a state, newest first, at most limit (all when
// limit is 0 or less).
func (s *Store) Actions(ctx context.Context, state bot.ActionState, limit int) ([]bot.Action, error) {
	as, err := s.queryActions(ctx, "WHERE state = ? ORDER BY id DESC LIMIT ?", string(state), limitOrAll(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s actions: %w", state, err)
	}
	return as, nil
}

func validState(s bot.ActionState) bool {
	switch s {
	case bot.StatePending, bot.StateProposed, bot.StateSending, bot.StateSent, bot.StateFailed,
		bot.StateSkipped, bot.StateUnknown:
		return true
	}
	return false
}

// note bounds an error text to maxNote bytes of valid UTF-8.
func note(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxNote {
		return s
	}
	s = s[:maxNote]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Amend replaces the text of a reply waiting for approval.
func (s *Store) Amend(ctx context.Context, id int64, text string) error {
	err := s.tx(ctx, func(tx *wtx) error {
		var state string
		err := tx.QueryRowContext(ctx, "SELECT state FROM outbox WHERE id = ?", id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.ErrNotFound
		}
		if err != nil {
			return err
		}
		if state != string(bot.StateProposed) {
			return fmt.Errorf("it is %s, not proposed: %w", state, bot.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE outbox SET text = ? WHERE id = ?", text, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: amend action %d: %w", id, err)
	}
	return nil
}
