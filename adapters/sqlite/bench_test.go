package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// seedAudit writes n audit rows, in one transaction, with a mix of
// platforms, events, labels and actions.
func seedAudit(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	labels := []string{"email", "phone", "hate", "insult", "profanity", "advertising", "shouting", "iban"}
	intents := []string{"naspi", "isee", "pensione", "none", "complaint"}
	err := s.tx(ctx, func(tx *wtx) error {
		for i := range n {
			e := bot.AuditEntry{
				At:       t0.Add(time.Duration(i) * time.Second),
				Actor:    "bot",
				Event:    []string{"decision", "decision", "decision", "action"}[i%4],
				Platform: []string{"telegram", "mastodon"}[i%2],
				PostKey:  fmt.Sprint("telegram/inps/", i),
				AuthorFP: fmt.Sprint("fp", i%5000),
				Intent:   intents[i%len(intents)],
				Labels:   []string{labels[i%len(labels)], labels[(i/8)%len(labels)]},
				Actions:  []string{[]string{"reply", "hide", "escalate"}[i%3]},
				Redacted: "Buongiorno, non ho ricevuto la NASpI di febbraio, scrivo da [telefono]",
			}
			if i%997 == 0 {
				e.Labels = append(e.Labels, "illegal") // a rare label
			}
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkAuditTrail(b *testing.B) {
	const rows = 100_000
	s := mustOpen(b, filepath.Join(b.TempDir(), "inps.db"))
	seedAudit(b, s, rows)
	cases := []struct {
		name string
		f    bot.AuditFilter
	}{
		{name: "newest", f: bot.AuditFilter{}},
		{name: "deep page", f: bot.AuditFilter{Before: rows / 2}},
		{name: "platform and event", f: bot.AuditFilter{Platform: "mastodon", Event: "action", Before: rows / 3}},
		{name: "label", f: bot.AuditFilter{Label: "hate"}},
		{name: "intent", f: bot.AuditFilter{Label: "isee", Before: rows / 4}},
		{name: "rare label", f: bot.AuditFilter{Label: "illegal"}},
		{name: "label and action", f: bot.AuditFilter{Label: "insult", Action: "escalate", Platform: "telegram"}},
		{name: "action", f: bot.AuditFilter{Action: "hide", Before: rows / 2}},
		{name: "since", f: bot.AuditFilter{Since: t0.Add((rows - 1000) * time.Second)}},
		{name: "max page", f: bot.AuditFilter{Limit: MaxAuditLimit}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			for b.Loop() {
				got, err := s.AuditTrail(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
}
