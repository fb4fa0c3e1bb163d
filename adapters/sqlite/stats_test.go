package sqlite

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

func TestStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		at := t0.Add(time.Hour)
		p1 := post("1", "anna")
		mustRecord(t, s, bot.Record{Post: p1, AuthorFP: "fa", Verdict: verdict(rules.PersonalData), At: at,
			Actions: []bot.Action{{Kind: bot.OutHide, State: bot.StatePending, NextTry: at, Created: at}}})
		p2 := post("2", "bruno")
		p2.Platform = "mastodon"
		mustRecord(t, s, bot.Record{Post: p2, AuthorFP: "fb", Verdict: verdict(rules.Hate, rules.Insult), At: at,
			Escalation: &bot.Escalation{Reason: "hate", Created: at}})
		old := post("3", "carla")
		mustRecord(t, s, bot.Record{Post: old, AuthorFP: "fc", Verdict: verdict(), At: t0.Add(-48 * time.Hour)})

		acts, err := s.Due(ctx, at.Add(time.Hour), 10)
		if err != nil || len(acts) != 1 {
			t.Fatalf("Due = %v, %v", acts, err)
		}
		if err := s.Settle(ctx, acts[0].ID, bot.StateFailed, "forbidden", at); err != nil {
			t.Fatal(err)
		}

		got, err := s.Stats(ctx, t0, t0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := bot.Stats{Since: t0, Until: t0.Add(24 * time.Hour), Posts: 2,
			ByPlatform:  map[string]int{"telegram": 1, "mastodon": 1},
			ByIntent:    map[string]int{"naspi": 2},
			ByViolation: map[string]int{"personal_data": 1, "hate": 1, "insult": 1},
			ByAction:    map[string]int{"reply": 2},
			Outcomes:    map[string]int{"hide failed": 1},
			Failures:    1, Escalations: 1}
		if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
}
