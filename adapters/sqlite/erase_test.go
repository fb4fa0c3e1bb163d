package sqlite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

// seedAuthors records posts, actions, escalations and audit rows of two
// authors: alice (to forget) and bob.
func seedAuthors(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	for i, id := range []string{"1", "2", "3"} {
		p := post(id, "alice")
		r := bot.Record{Post: p, AuthorFP: "k3yedh4sh", Verdict: verdict(rules.Insult),
			At:      t0.Add(time.Duration(i) * time.Minute),
			Actions: []bot.Action{{Kind: bot.OutHide}, {Kind: bot.OutNotify, Text: "Commento nascosto"}}}
		if i == 0 {
			r.Escalation = &bot.Escalation{Reason: "forget_me"}
		}
		mustRecord(t, s, r)
		// Rows naming the post but not the author.
		if err := s.Audit(ctx, bot.AuditEntry{At: t0, Actor: "bot", Event: "action", Platform: "telegram",
			PostKey: p.Key(), Actions: []string{"hide"}, Outcome: "deleted"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Escalate(ctx, bot.Escalation{PostKey: "telegram/inps/2", Reason: "strikes", Created: t0}); err != nil {
		t.Fatal(err)
	}
	// The same hash on another platform belongs to somebody else.
	other := post("m1", "alice")
	other.Platform, other.Handle, other.Author = "mastodon", "@other", "other"
	mustRecord(t, s, bot.Record{Post: other, AuthorFP: "k3yedh4sh", Verdict: verdict(), At: t0})
	mustRecord(t, s, bot.Record{Post: post("4", "bob"), AuthorFP: "b0bh4sh", Verdict: verdict(rules.Hate), At: t0,
		Actions: []bot.Action{{Kind: bot.OutReply, Text: "Vedi il sito"}}, Escalation: &bot.Escalation{Reason: "hate"}})
	if err := s.SetSwitch(ctx, "mode", "auto"); err != nil {
		t.Fatal(err)
	}
}

func TestForget(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		seedAuthors(t, s)

		n, err := s.Forget(ctx, "telegram", "k3yedh4sh", "tester")
		if err != nil {
			t.Fatal(err)
		}
		// 3 posts, 6 outbox rows, 2 escalations, 6 audit rows.
		if n != 17 {
			t.Errorf("Forget: got %d rows removed, want 17", n)
		}
		for _, secret := range []string{"alice", "@alice_handle", "telegram/inps/1", "telegram/inps/2", "telegram/inps/3"} {
			if where := findText(t, s, secret); len(where) > 0 {
				t.Errorf("after Forget, %q is still in %v", secret, where)
			}
		}
		// The hash stays only on the mastodon post of the same hash.
		where := findText(t, s, "k3yedh4sh")
		if diff := cmp.Diff([]string{"posts.author_fp", "audit.author_fp"}, where); diff != "" {
			t.Errorf("after Forget, columns holding the hash (-want +got):\n%s", diff)
		}
		var n1, n2 int
		const others = "SELECT COUNT(*) FROM %s WHERE author_fp = 'k3yedh4sh' AND platform <> 'mastodon'"
		if err := s.r.QueryRowContext(ctx, fmt.Sprintf(others, "posts")).Scan(&n1); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(ctx, fmt.Sprintf(others, "audit")).Scan(&n2); err != nil {
			t.Fatal(err)
		}
		if n1+n2 != 0 {
			t.Errorf("after Forget, %d telegram posts and %d audit rows hold the hash, want 0", n1, n2)
		}
		checkOrphans(t, s)
		if seen, _ := s.Seen(ctx, "mastodon/inps/m1"); !seen {
			t.Error("Forget on telegram removed the mastodon post")
		}
		if seen, _ := s.Seen(ctx, "telegram/inps/4"); !seen {
			t.Error("Forget removed bob's post")
		}
		if esc, _ := s.Escalations(ctx, false, 0); len(esc) != 1 || esc[0].AuthorFP != "b0bh4sh" {
			t.Errorf("escalations after Forget: got %+v, want bob's only", esc)
		}

		trail, err := s.AuditTrail(ctx, bot.AuditFilter{Event: "forget"})
		if err != nil {
			t.Fatal(err)
		}
		if len(trail) != 1 {
			t.Fatalf("forget rows: got %d, want 1", len(trail))
		}
		got := trail[0]
		got.ID, got.At = 0, time.Time{}
		want := bot.AuditEntry{Actor: "tester", Event: "forget", Platform: "telegram", Outcome: "removed 17 rows"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("forget audit row (-want +got):\n%s", diff)
		}

		if n, err := s.Forget(ctx, "telegram", "k3yedh4sh", "tester"); n != 0 || err != nil {
			t.Errorf("second Forget: got %d, %v, want 0", n, err)
		}
		if _, err := s.Forget(ctx, "telegram", "", "tester"); err == nil {
			t.Error("Forget with no hash: got no error, want one")
		}
	})
}

// TestForgetFile checks the files on disk: once forgotten and closed, the
// author's handle is in neither the database nor its WAL.
func TestForgetFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inps.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	seedAuthors(t, s)
	if _, err := s.Forget(t.Context(), "telegram", "k3yedh4sh", "tester"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("@alice_handle")) {
			t.Errorf("%s holds the handle after Forget", filepath.Base(f))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("@alice_handle")) {
		t.Error("the database file holds the handle after Forget and Close")
	}
	if !bytes.Contains(b, []byte("@bob_handle")) {
		t.Error("the database file lost bob's handle")
	}
}

func TestPurge(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		late := t0.Add(2 * time.Hour)
		mustRecord(t, s, bot.Record{Post: post("old", "alice"), AuthorFP: "fa", Verdict: verdict(), At: t0,
			Actions: []bot.Action{
				{Kind: bot.OutReply, State: bot.StateSent},     // 1 goes
				{Kind: bot.OutReply, State: bot.StatePending},  // 2 stays
				{Kind: bot.OutReply, State: bot.StateFailed},   // 3 goes
				{Kind: bot.OutReply, State: bot.StateUnknown},  // 4 stays
				{Kind: bot.OutReply, State: bot.StateProposed}, // 5 stays
				{Kind: bot.OutReply, State: bot.StateSkipped},  // 6 goes
				{Kind: bot.OutReply, State: bot.StateSending},  // 7 stays
			}})
		mustRecord(t, s, bot.Record{Post: post("new", "alice"), AuthorFP: "fa", Verdict: verdict(), At: late,
			Actions: []bot.Action{{Kind: bot.OutReply, State: bot.StateSent}}}) // 8 stays
		for _, e := range []bot.Escalation{
			{Reason: "old resolved", Created: t0, Resolved: t0, ResolvedBy: "m"}, // goes
			{Reason: "old open", Created: t0},                                    // stays
			{Reason: "new resolved", Created: t0, Resolved: late, ResolvedBy: "m"},
		} {
			if _, err := s.Escalate(ctx, e); err != nil {
				t.Fatal(err)
			}
		}

		n, err := s.Purge(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// 1 post, 3 actions, 1 escalation, 1 audit row.
		if n != 6 {
			t.Errorf("Purge: got %d rows removed, want 6", n)
		}
		if seen, _ := s.Seen(ctx, "telegram/inps/old"); seen {
			t.Error("old post kept")
		}
		if seen, _ := s.Seen(ctx, "telegram/inps/new"); !seen {
			t.Error("new post removed")
		}
		var left []int64
		for _, st := range []bot.ActionState{bot.StatePending, bot.StateProposed, bot.StateSending, bot.StateSent,
			bot.StateFailed, bot.StateSkipped, bot.StateUnknown} {
			as, err := s.Actions(ctx, st, 0)
			if err != nil {
				t.Fatal(err)
			}
			left = append(left, ids(as)...)
		}
		if diff := cmp.Diff([]int64{2, 5, 7, 8, 4}, left); diff != "" {
			t.Errorf("actions left (-want +got):\n%s", diff)
		}
		esc, _ := s.Escalations(ctx, false, 0)
		if got := escIDs(esc); !cmp.Equal([]int64{3, 2}, got) {
			t.Errorf("escalations left: got %v, want [3 2]", got)
		}
		checkOrphans(t, s)
		trail, _ := s.AuditTrail(ctx, bot.AuditFilter{})
		if len(trail) != 1 || trail[0].PostKey != "telegram/inps/new" {
			t.Errorf("audit rows left: got %+v, want the new post's", trail)
		}
	})
}

// checkOrphans fails when audit_terms keeps terms of removed audit rows.
func checkOrphans(t *testing.T, s *Store) {
	t.Helper()
	var n int
	err := s.r.QueryRowContext(t.Context(),
		"SELECT COUNT(*) FROM audit_terms WHERE audit_id NOT IN (SELECT id FROM audit)").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("audit_terms: got %d terms of removed rows, want 0", n)
	}
}
