package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// Stats counts what happened in [since, until): posts by platform, intent
// and violation, the actions decided, the outcomes of outbox rows and the
// escalations opened.
func (s *Store) Stats(ctx context.Context, since, until time.Time) (bot.Stats, error) {
	st := bot.Stats{Since: since, Until: until,
		ByPlatform: map[string]int{}, ByIntent: map[string]int{}, ByViolation: map[string]int{},
		ByAction: map[string]int{}, Outcomes: map[string]int{}}
	from, to := unixNano(since), unixNano(until)
	groups := []struct {
		query string
		into  map[string]int
	}{
		{`SELECT platform, COUNT(*) FROM posts WHERE recorded >= ? AND recorded < ? GROUP BY platform`, st.ByPlatform},
		{`SELECT intent, COUNT(*) FROM posts WHERE recorded >= ? AND recorded < ? GROUP BY intent`, st.ByIntent},
		{`SELECT j.value, COUNT(*) FROM posts, json_each(posts.violations) AS j
			WHERE recorded >= ? AND recorded < ? GROUP BY j.value`, st.ByViolation},
		{`SELECT j.value, COUNT(*) FROM posts, json_each(posts.actions) AS j
			WHERE recorded >= ? AND recorded < ? GROUP BY j.value`, st.ByAction},
		{`SELECT kind || ' ' || state, COUNT(*) FROM outbox WHERE created >= ? AND created < ?
			GROUP BY kind, state`, st.Outcomes},
	}
	for _, g := range groups {
		if err := s.countInto(ctx, g.into, g.query, from, to); err != nil {
			return bot.Stats{}, fmt.Errorf("sqlite: stats: %w", err)
		}
	}
	for _, n := range st.ByPlatform {
		st.Posts += n
	}
	for k, n := range st.Outcomes {
		if k == string(bot.OutReply)+" "+string(bot.StateFailed) || k == string(bot.OutHide)+" "+string(bot.StateFailed) ||
			k == string(bot.OutReply)+" "+string(bot.StateUnknown) || k == string(bot.OutHide)+" "+string(bot.StateUnknown) {
			st.Failures += n
		}
	}
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM escalations WHERE created >= ? AND created < ?`,
		from, to).Scan(&st.Escalations)
	if err != nil {
		return bot.Stats{}, fmt.Errorf("sqlite: stats: %w", err)
	}
	return st, nil
}

func (s *Store) countInto(ctx context.Context, into map[string]int, query string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		into[k] = n
	}
	return rows.Err()
}
