package telegram_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

// TestModesAgainstTheBotAPI counts what reaches the Bot API in each mode:
// in dry-run nothing at all; in approve no reply before a moderator's
// approval (the hide of personal data stays automatic), then the approved
// reply only.
func TestModesAgainstTheBotAPI(t *testing.T) {
	const question = "Buongiorno, come si fa domanda di NASpI? Ho perso il lavoro il mese scorso."
	const leak = "Il mio IBAN è IT60X0542811101000000123456, quando pagate?"
	tests := []struct {
		name        string
		mode        bot.Mode
		wantDeletes int // deleteMessage calls before any approval
		wantSends   int // sendMessage calls before any approval (notices)
	}{
		{name: "dry-run", mode: bot.ModeDryRun, wantDeletes: 0, wantSends: 0},
		{name: "approve", mode: bot.ModeApprove, wantDeletes: 1, wantSends: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := telegramtest.NewServer(t, token)
			s.AddChat(pubChat)
			s.AddUser(citizen)
			q := s.AddMessage(group, citizen.ID, question)
			s.AddMessage(group, citizen.ID, leak)

			ctx, cancel := context.WithCancel(t.Context())
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			eng, err := bot.NewEngine(bot.EngineConfig{Mode: tc.mode, AuthorKey: []byte("0123456789abcdef0123"),
				Poll: 20 * time.Millisecond, RetryBase: 20 * time.Millisecond, SendTimeout: 3 * time.Second},
				st, newResponder(t), []bot.Platform{mustPlatform(t, s)}, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- eng.Run(ctx) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("engine: %v", err)
				}
			}()

			// Both posts decided and their actions settled one way or another.
			waitFor(t, "both posts decided", func() bool {
				n, err := st.Pending(ctx)
				seen, _ := st.Seen(ctx, "telegram/inps/"+strconv.FormatInt(group, 10)+":"+strconv.Itoa(q.ID))
				return err == nil && n == 0 && seen
			})
			time.Sleep(200 * time.Millisecond) // room for a send that should not happen
			if got := len(s.Deleted()); got != tc.wantDeletes {
				t.Errorf("deleteMessage calls = %d, want %d", got, tc.wantDeletes)
			}
			if got := len(s.Sent()); got != tc.wantSends {
				t.Errorf("sendMessage calls = %d, want %d", got, tc.wantSends)
			}
			for _, m := range s.Sent() {
				if m.ReplyTo != 0 {
					t.Errorf("a reply reached the platform without approval: %+v", m)
				}
			}
			if tc.mode != bot.ModeApprove {
				return
			}
			proposed, err := st.Actions(ctx, bot.StateProposed, 10)
			if err != nil || len(proposed) != 1 {
				t.Fatalf("proposals = %v, %v; want the reply to the question", proposed, err)
			}
			if err := eng.Approve(ctx, proposed[0].ID, "anna"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the approved reply", func() bool {
				for _, m := range s.Sent() {
					if m.ReplyTo == q.ID {
						return true
					}
				}
				return false
			})
			if got := len(s.Sent()); got != tc.wantSends+1 {
				t.Errorf("sendMessage calls after the approval = %d, want %d", got, tc.wantSends+1)
			}
		})
	}
}
