package sqlite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

// ids lists the ids of actions.
func ids(as []bot.Action) []int64 {
	var out []int64
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestOutbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		mustRecord(t, s, bot.Record{Post: post("1", "alice"), AuthorFP: "fp-a", Verdict: verdict(), At: t0,
			Actions: []bot.Action{
				{Kind: bot.OutReply, Text: "uno", NextTry: t0},                      // 1
				{Kind: bot.OutReply, Text: "due", NextTry: t0.Add(time.Hour)},       // 2
				{Kind: bot.OutHide, State: bot.StateProposed},                       // 3
				{Kind: bot.OutNotify, Text: "tre", NextTry: t0.Add(-time.Minute)},   // 4
				{Kind: bot.OutReply, Text: "quattro", NextTry: t0.Add(time.Minute)}, // 5
			}})

		due, err := s.Due(ctx, t0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{1, 4}, ids(due)); diff != "" {
			t.Errorf("Due(t0) ids (-want +got):\n%s", diff)
		}
		if due, _ := s.Due(ctx, t0.Add(time.Hour), 2); !cmp.Equal([]int64{1, 2}, ids(due)) {
			t.Errorf("Due(t0+1h, 2) ids: got %v, want [1 2]", ids(due))
		}
		if n, _ := s.Pending(ctx); n != 4 {
			t.Errorf("Pending: got %d, want 4", n)
		}

		// Begin takes a pending action once.
		for i, want := range []bool{true, false} {
			ok, err := s.Begin(ctx, 1, t0)
			if err != nil || ok != want {
				t.Errorf("Begin(1) call %d: got %v, %v, want %v", i+1, ok, err, want)
			}
		}
		if ok, err := s.Begin(ctx, 3, t0); ok || err != nil {
			t.Errorf("Begin(proposed 3): got %v, %v, want false", ok, err)
		}
		if ok, err := s.Begin(ctx, 99, t0); ok || err != nil {
			t.Errorf("Begin(unknown 99): got %v, %v, want false", ok, err)
		}
		if ok, _ := s.Begin(ctx, 4, t0); !ok {
			t.Error("Begin(4): got false, want true")
		}
		inDoubt, err := s.InDoubt(ctx)
		if err != nil || !cmp.Equal([]int64{1, 4}, ids(inDoubt)) {
			t.Errorf("InDoubt: got %v, %v, want [1 4]", ids(inDoubt), err)
		}
		if n, _ := s.Pending(ctx); n != 4 {
			t.Errorf("Pending while sending: got %d, want 4", n)
		}

		// 1 is sent; 4 fails for now and is retried later.
		if err := s.Settle(ctx, 1, bot.StateSent, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
		retry := t0.Add(30 * time.Second)
		if err := s.Settle(ctx, 4, bot.StatePending, "telegram: send message: retry after 30s", retry); err != nil {
			t.Fatal(err)
		}
		a, err := s.Action(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != bot.StatePending || a.Attempts != 1 || !a.NextTry.Equal(retry) ||
			a.LastError != "telegram: send message: retry after 30s" {
			t.Errorf("Action(4) after a retry: got %+v", a)
		}
		if due, _ := s.Due(ctx, t0, 0); len(due) != 0 {
			t.Errorf("Due(t0) after the retry: got %v, want none", ids(due))
		}
		if due, _ := s.Due(ctx, retry, 0); !cmp.Equal([]int64{4}, ids(due)) {
			t.Errorf("Due(retry): got %v, want [4]", ids(due))
		}
		if ok, _ := s.Begin(ctx, 4, retry); !ok {
			t.Error("Begin(4) again: got false, want true")
		}
		if a, _ := s.Action(ctx, 4); a.Attempts != 2 {
			t.Errorf("attempts after a second Begin: got %d, want 2", a.Attempts)
		}
		if err := s.Settle(ctx, 4, bot.StateFailed, "telegram: send message 4: forbidden", time.Time{}); err != nil {
			t.Fatal(err)
		}
		// A moderator approves 3.
		if err := s.Settle(ctx, 3, bot.StatePending, "", t0); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			state bot.ActionState
			want  []int64
		}{
			{state: bot.StatePending, want: []int64{5, 3, 2}},
			{state: bot.StateSent, want: []int64{1}},
			{state: bot.StateFailed, want: []int64{4}},
			{state: bot.StateSending},
			{state: bot.StateProposed},
		}
		for _, tc := range tests {
			got, err := s.Actions(ctx, tc.state, 10)
			if err != nil || !cmp.Equal(tc.want, ids(got)) {
				t.Errorf("Actions(%s): got %v, %v, want %v", tc.state, ids(got), err, tc.want)
			}
		}
		if got, _ := s.Actions(ctx, bot.StatePending, 1); !cmp.Equal([]int64{5}, ids(got)) {
			t.Errorf("Actions(pending, 1): got %v, want [5]", ids(got))
		}
	})
}

func TestOutboxErrors(t *testing.T) {
	s := mustOpen(t, "")
	ctx := t.Context()
	mustRecord(t, s, bot.Record{Post: post("1", "alice"), AuthorFP: "fp-a", Verdict: verdict(rules.Hate), At: t0,
		Actions: []bot.Action{{Kind: bot.OutReply, Text: "uno"}}})

	_, err := s.Action(ctx, 42)
	if !errors.Is(err, bot.ErrNotFound) || err.Error() != "sqlite: action 42: not found" {
		t.Errorf("Action(42): got %v, want sqlite: action 42: not found", err)
	}
	err = s.Settle(ctx, 42, bot.StateSent, "", time.Time{})
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Settle(42): got %v, want bot.ErrNotFound", err)
	}
	err = s.Settle(ctx, 1, "done", "", time.Time{})
	if err == nil || err.Error() != `sqlite: settle action 1: unknown state "done"` {
		t.Errorf("Settle(1, done): got %v, want an unknown state error", err)
	}
	long := strings.Repeat("è", maxNote)
	if err := s.Settle(ctx, 1, bot.StateFailed, long, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Action(ctx, 1); len(a.LastError) > maxNote || !strings.HasPrefix(long, a.LastError) {
		t.Errorf("a long note: got %d bytes, want at most %d, a prefix of the note", len(a.LastError), maxNote)
	}
}
