package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

func TestRecord(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		p := post("7", "alice")
		r := bot.Record{
			Post: p, AuthorFP: "fp-alice", Verdict: verdict(rules.Hate), At: t0.Add(time.Minute),
			Actions: []bot.Action{
				{Kind: bot.OutHide, NextTry: t0},
				{Kind: bot.OutNotify, Text: "Il tuo commento è stato nascosto", NextTry: t0},
			},
			Escalation: &bot.Escalation{Reason: "hate"},
		}
		if !mustRecord(t, s, r) {
			t.Fatal("first Record: got false, want true")
		}

		seen, err := s.Seen(ctx, p.Key())
		if err != nil || !seen {
			t.Errorf("Seen(%s): got %v, %v, want true", p.Key(), seen, err)
		}
		if seen, _ := s.Seen(ctx, "telegram/inps/other"); seen {
			t.Error("Seen(other): got true, want false")
		}

		target := p
		target.Text, target.Cursor = "", ""
		due, err := s.Due(ctx, t0, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.Action{
			{ID: 1, PostKey: p.Key(), Kind: bot.OutHide, State: bot.StatePending, NextTry: t0, Target: target,
				Created: r.At},
			{ID: 2, PostKey: p.Key(), Kind: bot.OutNotify, Text: "Il tuo commento è stato nascosto",
				State: bot.StatePending, NextTry: t0, Target: target, Created: r.At},
		}
		if diff := cmp.Diff(want, due); diff != "" {
			t.Errorf("Due after Record (-want +got):\n%s", diff)
		}

		esc, err := s.Escalations(ctx, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		wantEsc := []bot.Escalation{{ID: 1, PostKey: p.Key(), Platform: "telegram", AuthorFP: "fp-alice",
			Reason: "hate", Labels: []string{"email", "hate"}, Redacted: r.Verdict.Redacted, URL: p.URL,
			Created: r.At}}
		if diff := cmp.Diff(wantEsc, esc); diff != "" {
			t.Errorf("Escalations after Record (-want +got):\n%s", diff)
		}

		trail, err := s.AuditTrail(ctx, bot.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		wantTrail := []bot.AuditEntry{{ID: 1, At: r.At, Actor: "bot", Event: "decision", Platform: "telegram",
			PostKey: p.Key(), AuthorFP: "fp-alice", Intent: "naspi", Labels: []string{"email", "hate"},
			Actions: []string{"reply"}, Redacted: r.Verdict.Redacted}}
		if diff := cmp.Diff(wantTrail, trail); diff != "" {
			t.Errorf("AuditTrail after Record (-want +got):\n%s", diff)
		}

		// A redelivery stores only its newer cursor.
		again := r
		again.Post.Cursor = "cursor-later"
		if mustRecord(t, s, again) {
			t.Error("second Record: got true, want false")
		}
		if c, _ := s.Cursor(ctx, p.Source()); c != "cursor-later" {
			t.Errorf("Cursor after redelivery: got %q, want cursor-later", c)
		}
		if n, _ := s.Pending(ctx); n != 2 {
			t.Errorf("Pending after redelivery: got %d, want 2", n)
		}
		if trail, _ := s.AuditTrail(ctx, bot.AuditFilter{}); len(trail) != 1 {
			t.Errorf("audit rows after redelivery: got %d, want 1", len(trail))
		}
	})
}

// TestRecordNoText checks that the post's text appears in no column of
// any table, while the redacted text does.
func TestRecordNoText(t *testing.T) {
	s := mustOpen(t, "")
	p := post("9", "bob")
	mustRecord(t, s, bot.Record{Post: p, AuthorFP: "fp-bob", Verdict: verdict(rules.PersonalData), At: t0,
		Actions:    []bot.Action{{Kind: bot.OutReply, Text: "Non pubblicare dati personali"}},
		Escalation: &bot.Escalation{Reason: "strikes"}})
	for _, secret := range []string{p.Text, "mario.rossi@example.com", "RSSMRA80A01H501U"} {
		if where := findText(t, s, secret); len(where) > 0 {
			t.Errorf("text %q stored in %v", secret, where)
		}
	}
	if where := findText(t, s, "[codice fiscale]"); len(where) == 0 {
		t.Error("redacted text stored nowhere")
	}
}

func TestRecordNilVerdict(t *testing.T) {
	s := mustOpen(t, "")
	p := post("1", "carol")
	p.Time = time.Time{}
	if !mustRecord(t, s, bot.Record{Post: p, AuthorFP: "fp-carol", At: t0}) {
		t.Fatal("Record: got false, want true")
	}
	fps, err := s.Fingerprints(t.Context(), "telegram", "fp-carol", time.Time{}, 10)
	if err != nil || len(fps) != 0 {
		t.Errorf("Fingerprints without a verdict: got %v, %v, want none", fps, err)
	}
}

func TestCursor(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		if c, err := s.Cursor(ctx, "mastodon/inps"); c != "" || err != nil {
			t.Errorf("Cursor of a new source: got %q, %v, want \"\"", c, err)
		}
		for _, want := range []string{"100", "105"} {
			if err := s.SetCursor(ctx, "mastodon/inps", want); err != nil {
				t.Fatal(err)
			}
			if c, err := s.Cursor(ctx, "mastodon/inps"); c != want || err != nil {
				t.Errorf("Cursor after SetCursor(%q): got %q, %v", want, c, err)
			}
		}
	})
}

func TestFingerprintsAndStrikes(t *testing.T) {
	s := mustOpen(t, "")
	ctx := t.Context()
	add := func(id, fp string, at time.Time, platform string, viol ...rules.Violation) {
		p := post(id, "x")
		p.Platform, p.Time = platform, at
		v := verdict(viol...)
		v.Fingerprint = rules.Fingerprint{Shingles: []uint64{uint64(len(id))}, Tokens: len(id), Exact: uint64(at.Unix())}
		mustRecord(t, s, bot.Record{Post: p, AuthorFP: fp, Verdict: v, At: at})
	}
	add("a", "fp1", t0, "telegram", rules.Profanity)
	add("bb", "fp1", t0.Add(1*time.Hour), "telegram", rules.Shouting)
	add("ccc", "fp1", t0.Add(2*time.Hour), "telegram", rules.Advertising, rules.Repeated)
	add("dddd", "fp1", t0.Add(3*time.Hour), "telegram", rules.PersonalData)
	add("e", "fp1", t0.Add(4*time.Hour), "mastodon", rules.Hate)
	add("f", "fp2", t0.Add(4*time.Hour), "telegram", rules.Insult)

	tests := []struct {
		name        string
		platform    string
		fp          string
		since       time.Time
		limit       int
		wantTokens  []int
		wantStrikes int
	}{
		{name: "all", platform: "telegram", fp: "fp1", wantTokens: []int{4, 3, 2, 1}, wantStrikes: 3},
		{name: "limit", platform: "telegram", fp: "fp1", limit: 2, wantTokens: []int{4, 3}, wantStrikes: 3},
		{name: "since", platform: "telegram", fp: "fp1", since: t0.Add(90 * time.Minute), wantTokens: []int{4, 3},
			wantStrikes: 2},
		{name: "other platform", platform: "mastodon", fp: "fp1", wantTokens: []int{1}, wantStrikes: 1},
		{name: "other author", platform: "telegram", fp: "fp2", wantTokens: []int{1}, wantStrikes: 1},
		{name: "unknown author", platform: "telegram", fp: "fp9", wantStrikes: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fps, err := s.Fingerprints(ctx, tc.platform, tc.fp, tc.since, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var tokens []int
			for _, f := range fps {
				tokens = append(tokens, f.Tokens)
				if len(f.Shingles) != 1 || f.Shingles[0] != uint64(f.Tokens) {
					t.Errorf("fingerprint %+v did not round-trip", f)
				}
			}
			if diff := cmp.Diff(tc.wantTokens, tokens); diff != "" {
				t.Errorf("Fingerprints(%s, %s, %v, %d) tokens (-want +got):\n%s",
					tc.platform, tc.fp, tc.since, tc.limit, diff)
			}
			n, err := s.Strikes(ctx, tc.platform, tc.fp, tc.since)
			if err != nil || n != tc.wantStrikes {
				t.Errorf("Strikes(%s, %s, %v): got %d, %v, want %d", tc.platform, tc.fp, tc.since, n, err, tc.wantStrikes)
			}
		})
	}
}

// findText lists the table.column places whose value contains s, over
// every column of every table.
func findText(tb testing.TB, s *Store, text string) []string {
	tb.Helper()
	ctx := context.Background()
	rows, err := s.r.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		tb.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tb.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	var where []string
	for _, table := range tables {
		cols, err := s.r.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
		if err != nil {
			tb.Fatal(err)
		}
		var names []string
		for cols.Next() {
			var name string
			if err := cols.Scan(&name); err != nil {
				tb.Fatal(err)
			}
			names = append(names, name)
		}
		cols.Close()
		for _, col := range names {
			var n int
			q := `SELECT COUNT(*) FROM "` + table + `" WHERE instr(CAST("` + col + `" AS BLOB), CAST(? AS BLOB)) > 0`
			if err := s.r.QueryRowContext(ctx, q, text).Scan(&n); err != nil {
				tb.Fatal(err)
			}
			if n > 0 {
				where = append(where, table+"."+col)
			}
		}
	}
	return where
}

func TestRecordMany(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		a, b := post("1", "anna"), post("2", "bruno")
		fresh, err := s.RecordMany(ctx, []bot.Record{
			{Post: a, AuthorFP: "fa", Verdict: verdict(), At: t0},
			{Post: b, AuthorFP: "fb", Verdict: verdict(), At: t0},
		})
		if err != nil || len(fresh) != 2 || !fresh[0] || !fresh[1] {
			t.Fatalf("RecordMany = %v, %v", fresh, err)
		}
		// Delivered again: only the cursor moves.
		b.Cursor = "cursor-again"
		fresh, err = s.RecordMany(ctx, []bot.Record{{Post: b, Again: true}})
		if err != nil || fresh[0] {
			t.Fatalf("RecordMany(again) = %v, %v", fresh, err)
		}
		if c, _ := s.Cursor(ctx, b.Source()); c != "cursor-again" {
			t.Errorf("cursor = %q, want cursor-again", c)
		}
		// All or none: a bad record rolls back the good one before it.
		c := post("3", "carla")
		_, err = s.RecordMany(ctx, []bot.Record{
			{Post: c, AuthorFP: "fc", Verdict: verdict(), At: t0},
			{Post: post("4", "dino"), AuthorFP: "fd", Verdict: verdict(), At: t0,
				Actions: []bot.Action{{Kind: bot.OutReply, State: "bogus"}}},
		})
		if err == nil {
			t.Fatal("a record with an unknown action state was accepted")
		}
		if seen, _ := s.Seen(ctx, c.Key()); seen {
			t.Error("the batch was recorded in part")
		}
	})
}
