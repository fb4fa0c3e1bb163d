package sqlite

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
)

// auditIDs lists the ids of audit rows.
func auditIDs(es []bot.AuditEntry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestAuditTrail(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		entries := []bot.AuditEntry{
			{Event: "decision", Platform: "telegram", Intent: "naspi", Labels: []string{"email"},
				Actions: []string{"reply"}}, // 1
			{Event: "decision", Platform: "mastodon", Intent: "none", Labels: []string{"hate"},
				Actions: []string{"hide", "escalate"}}, // 2
			{Event: "action", Platform: "telegram", Actions: []string{"hide"}, Outcome: "deleted"}, // 3
			{Event: "switch", Actor: "moderatore", Outcome: "telegram/mode=dry-run"},               // 4
			{Event: "decision", Platform: "telegram", Intent: "isee", Labels: []string{"hate", "email"},
				Actions: []string{"hide"}}, // 5
			{Event: "decision", Platform: "telegram", Intent: "hate", Actions: []string{"reply"}}, // 6
		}

		for i, e := range entries {
			e.At = t0.Add(time.Duration(i) * time.Hour)
			if e.Actor == "" {
				e.Actor = "bot"
			}
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}

		tests := []struct {
			name string
			f    bot.AuditFilter
			want []int64
		}{
			{name: "all", want: []int64{6, 5, 4, 3, 2, 1}},
			{name: "limit", f: bot.AuditFilter{Limit: 2}, want: []int64{6, 5}},
			{name: "page", f: bot.AuditFilter{Before: 5, Limit: 2}, want: []int64{4, 3}},
			{name: "platform", f: bot.AuditFilter{Platform: "telegram"}, want: []int64{6, 5, 3, 1}},
			{name: "event", f: bot.AuditFilter{Event: "decision"}, want: []int64{6, 5, 2, 1}},
			{name: "platform and event", f: bot.AuditFilter{Platform: "telegram", Event: "decision"}, want: []int64{6, 5, 1}},
			{name: "label", f: bot.AuditFilter{Label: "hate"}, want: []int64{6, 5, 2}},
			{name: "label as intent", f: bot.AuditFilter{Label: "isee"}, want: []int64{5}},
			{name: "label paged", f: bot.AuditFilter{Label: "hate", Before: 6, Limit: 1}, want: []int64{5}},
			{name: "action", f: bot.AuditFilter{Action: "hide"}, want: []int64{5, 3, 2}},
			{name: "label and action", f: bot.AuditFilter{Label: "email", Action: "hide"}, want: []int64{5}},
			{name: "action and platform", f: bot.AuditFilter{Action: "hide", Platform: "telegram"}, want: []int64{5, 3}},
			{name: "since", f: bot.AuditFilter{Since: t0.Add(3 * time.Hour)}, want: []int64{6, 5, 4}},
			{name: "until", f: bot.AuditFilter{Until: t0.Add(2 * time.Hour)}, want: []int64{2, 1}},
			{name: "window", f: bot.AuditFilter{Since: t0.Add(time.Hour), Until: t0.Add(4 * time.Hour), Event: "decision"},
				want: []int64{2}},
			{name: "no match", f: bot.AuditFilter{Label: "illegal"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.AuditTrail(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, auditIDs(got)); diff != "" {
					t.Errorf("AuditTrail(%+v) ids (-want +got):\n%s", tc.f, diff)
				}
			})
		}

		got, err := s.AuditTrail(ctx, bot.AuditFilter{Before: 3, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := entries[1]
		want.ID, want.At, want.Actor = 2, t0.Add(time.Hour), "bot"
		if diff := cmp.Diff([]bot.AuditEntry{want}, got); diff != "" {
			t.Errorf("audit row 2 (-want +got):\n%s", diff)
		}
	})
}

func TestAuditLimit(t *testing.T) {
	s := mustOpen(t, "")
	err := s.tx(t.Context(), func(tx *wtx) error {
		for i := range MaxAuditLimit + 10 {
			if err := insertAudit(t.Context(), tx, bot.AuditEntry{At: t0, Event: fmt.Sprint("e", i%2)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		limit int
		want  int
	}{
		{limit: 0, want: DefaultAuditLimit},
		{limit: -1, want: DefaultAuditLimit},
		{limit: 7, want: 7},
		{limit: MaxAuditLimit + 5, want: MaxAuditLimit},
	}
	for _, tc := range tests {
		got, err := s.AuditTrail(t.Context(), bot.AuditFilter{Limit: tc.limit})
		if err != nil || len(got) != tc.want {
			t.Errorf("AuditTrail(Limit: %d): got %d rows, %v, want %d", tc.limit, len(got), err, tc.want)
		}
	}
}

func TestEscalations(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		for i, reason := range []string{"hate", "illegal", "forget_me"} {
			id, err := s.Escalate(ctx, bot.Escalation{PostKey: fmt.Sprint("telegram/inps/", i), Platform: "telegram",
				AuthorFP: "fp", Reason: reason, Labels: []string{reason}, Created: t0})
			if err != nil || id != int64(i+1) {
				t.Fatalf("Escalate(%s): got %d, %v, want %d", reason, id, err, i+1)
			}
		}
		if err := s.ResolveEscalation(ctx, 2, "moderatore", "segnalato alla polizia postale"); err != nil {
			t.Fatal(err)
		}
		err := s.ResolveEscalation(ctx, 2, "altro", "")
		if !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("resolving twice: got %v, want bot.ErrNotFound", err)
		}
		if err := s.ResolveEscalation(ctx, 9, "moderatore", ""); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("resolving an unknown item: got %v, want bot.ErrNotFound", err)
		}

		open, err := s.Escalations(ctx, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := escIDs(open); !cmp.Equal([]int64{3, 1}, got) {
			t.Errorf("open escalations: got %v, want [3 1]", got)
		}
		all, err := s.Escalations(ctx, false, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := escIDs(all); !cmp.Equal([]int64{3, 2}, got) {
			t.Errorf("Escalations(false, 2): got %v, want [3 2]", got)
		}
		r := all[1]
		if r.ResolvedBy != "moderatore" || r.Note != "segnalato alla polizia postale" || r.Resolved.IsZero() ||
			!cmp.Equal([]string{"illegal"}, r.Labels) {
			t.Errorf("resolved escalation: got %+v", r)
		}
	})
}

func escIDs(es []bot.Escalation) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestSwitches(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		steps := []struct {
			key, value string
			want       map[string]string
		}{
			{key: "mode", value: "approve", want: map[string]string{"mode": "approve"}},
			{key: "telegram/reply", value: "off", want: map[string]string{"mode": "approve", "telegram/reply": "off"}},
			{key: "mode", value: "auto", want: map[string]string{"mode": "auto", "telegram/reply": "off"}},
			{key: "telegram/reply", value: "", want: map[string]string{"mode": "auto"}},
			{key: "missing", value: "", want: map[string]string{"mode": "auto"}},
		}
		for _, st := range steps {
			if err := s.SetSwitch(ctx, st.key, st.value); err != nil {
				t.Fatal(err)
			}
			got, err := s.Switches(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(st.want, got); diff != "" {
				t.Errorf("after SetSwitch(%q, %q) (-want +got):\n%s", st.key, st.value, diff)
			}
		}
	})
}

func TestTakeAndFindEscalation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		id, err := s.Escalate(ctx, bot.Escalation{PostKey: "telegram/inps/1", Platform: "telegram", Reason: "hate", Created: t0})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.TakeEscalation(ctx, id, "anna"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Escalation(ctx, id)
		if err != nil || got.TakenBy != "anna" || got.Reason != "hate" {
			t.Errorf("Escalation = %+v, %v", got, err)
		}
		if err := s.ResolveEscalation(ctx, id, "anna", "fatto"); err != nil {
			t.Fatal(err)
		}
		if err := s.TakeEscalation(ctx, id, "bruno"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("taking a resolved item: %v, want ErrNotFound", err)
		}
		if _, err := s.Escalation(ctx, 9999); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("unknown item: %v, want ErrNotFound", err)
		}
	})
}

func TestAmend(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		mustRecord(t, s, bot.Record{Post: post("1", "anna"), AuthorFP: "fa", Verdict: verdict(), At: t0,
			Actions: []bot.Action{{Kind: bot.OutReply, Text: "old", State: bot.StatePending, NextTry: t0, Created: t0}}})
		acts, err := s.Due(ctx, t0, 1)
		if err != nil || len(acts) != 1 {
			t.Fatalf("Due = %v, %v", acts, err)
		}
		id := acts[0].ID
		if err := s.Amend(ctx, id, "new"); !errors.Is(err, bot.ErrConflict) {
			t.Errorf("amending a pending action: %v, want ErrConflict", err)
		}
		if err := s.Settle(ctx, id, bot.StateProposed, "", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Amend(ctx, id, "new"); err != nil {
			t.Fatal(err)
		}
		if a, err := s.Action(ctx, id); err != nil || a.Text != "new" {
			t.Errorf("Action = %+v, %v", a, err)
		}
		if err := s.Amend(ctx, 9999, "x"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("unknown action: %v, want ErrNotFound", err)
		}
	})
}
