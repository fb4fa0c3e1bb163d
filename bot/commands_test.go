package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/bot"
)

const modChat = "-100999"

func moderatedEngine(t *testing.T) (*bot.Engine, *fakePlatform, bot.Store) {
	t.Helper()
	f := newFake("fake")
	st := openStore(t, ":memory:")
	e := newEngine(t, st, zerolog.Nop(), f)
	e.SetModeration(bot.ModerationConfig{
		Chats: map[string]string{"fake/test": modChat},
		Users: map[string][]string{"fake": {"100"}},
	})
	return e, f, st
}

func modPost(author, text string) bot.Post {
	p := post(author, text)
	p.Channel = modChat
	p.Handle = "@mod" + author
	return p
}

func lastMessage(t *testing.T, f *fakePlatform) sentMessage {
	t.Helper()
	msgs := f.messages()
	if len(msgs) == 0 {
		t.Fatal("nothing was sent to the moderators")
	}
	return msgs[len(msgs)-1]
}

func TestCommandsOnlyFromModerators(t *testing.T) {
	e, f, st := moderatedEngine(t)
	ctx := t.Context()
	if err := e.Handle(ctx, modPost("555", "/pausa")); err != nil {
		t.Fatal(err)
	}
	if got := e.Switches().ModeFor(bot.Post{}, "", ""); got != bot.ModeAuto {
		t.Errorf("a stranger paused the bot: mode %s", got)
	}
	if m := lastMessage(t, f); !strings.Contains(m.text, "non consentito") || m.to != modChat {
		t.Errorf("refusal = %+v", m)
	}
	refused, err := st.AuditTrail(ctx, bot.AuditFilter{Event: "command_refused"})
	if err != nil || len(refused) != 1 {
		t.Fatalf("refusal audit = %v, %v", refused, err)
	}
	if strings.Contains(refused[0].Actor, "555") {
		t.Errorf("the refused author's id is in the audit: %q", refused[0].Actor)
	}

	if err := e.Handle(ctx, modPost("100", "/pausa")); err != nil {
		t.Fatal(err)
	}
	if got := e.Switches().ModeFor(bot.Post{}, "", ""); got != bot.ModeOff {
		t.Errorf("mode after /pausa = %s, want off", got)
	}
	if err := e.Handle(ctx, modPost("100", "/modo approve platform fake")); err != nil {
		t.Fatal(err)
	}
	if err := e.Handle(ctx, modPost("100", "/riprendi")); err != nil {
		t.Fatal(err)
	}
	if got := e.Switches().ModeFor(bot.Post{Platform: "fake"}, "", bot.ActReply); got != bot.ModeApprove {
		t.Errorf("mode of platform fake = %s, want approve", got)
	}
	cmds, err := st.AuditTrail(ctx, bot.AuditFilter{Event: "command"})
	if err != nil || len(cmds) != 3 || cmds[0].Actor != "fake:mod100" {
		t.Errorf("command audit = %+v, %v", cmds, err)
	}
	// Chatter in the moderators' chat is neither a command nor a post.
	if err := e.Handle(ctx, modPost("100", "il mio numero è 347 123 4567")); err != nil {
		t.Fatal(err)
	}
	if seen, _ := st.Seen(ctx, modPost("100", "x").Key()); seen {
		t.Error("a moderators' chat message was recorded as a citizen's post")
	}
}

func TestEscalationReachesModeratorsAndForgetMeIsConfirmed(t *testing.T) {
	e, f, st := moderatedEngine(t)
	ctx := t.Context()
	p := post("777", "Vi chiedo di cancellare ogni riferimento a me e il mio commento di ieri, diritto all'oblio")
	if err := e.Handle(ctx, p); err != nil {
		t.Fatal(err)
	}
	m := lastMessage(t, f)
	var oblio string
	for _, b := range m.buttons {
		if strings.HasPrefix(b.Command, "/oblio ") {
			oblio = b.Command
		}
	}
	if oblio == "" {
		t.Fatalf("no erasure button in %+v", m)
	}
	if seen, _ := st.Seen(ctx, p.Key()); !seen {
		t.Fatal("the request was not recorded")
	}
	cb := modPost("100", oblio)
	cb.Kind = bot.KindCallback
	if err := e.Handle(ctx, cb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lastMessage(t, f).text, "cancellati") {
		t.Errorf("answer = %q", lastMessage(t, f).text)
	}
	if seen, _ := st.Seen(ctx, p.Key()); seen {
		t.Error("the author's post is still stored after the confirmed erasure")
	}
	fps, err := st.Fingerprints(ctx, "fake", e.AuthorFP("fake", "777"), time.Time{}, 10)
	if err != nil || len(fps) != 0 {
		t.Errorf("fingerprints left: %d, %v", len(fps), err)
	}
}

func TestApprovalThroughButtons(t *testing.T) {
	e, f, _ := moderatedEngine(t)
	if err := e.SetSwitch(t.Context(), "mode:action:reply", bot.ModeApprove, "test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	f.feed <- post("u1", question)

	var approve string
	waitFor(t, func() bool {
		for _, m := range f.messages() {
			for _, b := range m.buttons {
				if strings.HasPrefix(b.Command, "/approva ") {
					approve = b.Command
				}
			}
		}
		return approve != ""
	})
	if r, _, _ := f.counts(); r != 0 {
		t.Fatal("replied before approval")
	}
	cb := modPost("100", approve)
	cb.Kind = bot.KindCallback
	f.feed <- cb
	waitFor(t, func() bool { r, _, _ := f.counts(); return r == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestReport(t *testing.T) {
	e, f, _ := moderatedEngine(t)
	ctx := t.Context()
	for _, txt := range []string{question, withIBAN, insult} {
		if err := e.Handle(ctx, post("u9", txt)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Report(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	m := lastMessage(t, f)
	for _, want := range []string{"Post esaminati: 3", "personal_data 1", "naspi"} {
		if !strings.Contains(m.text, want) {
			t.Errorf("report lacks %q:\n%s", want, m.text)
		}
	}
	if strings.Contains(m.text, "IT60") {
		t.Error("the report holds personal data")
	}
}

func TestAmendChecksTheText(t *testing.T) {
	e, f, st := moderatedEngine(t)
	if err := e.SetSwitch(t.Context(), "mode:action:reply", bot.ModeApprove, "test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	f.feed <- post("u1", question)
	var proposed []bot.Action
	waitFor(t, func() bool {
		proposed, _ = st.Actions(t.Context(), bot.StateProposed, 10)
		return len(proposed) == 1
	})
	id := proposed[0].ID
	tests := []struct {
		name string
		text string
		ok   bool
	}{
		{name: "personal data", text: "Buongiorno, la richiami al 347 123 4567. Contact Center 803 164.", ok: false},
		{name: "no channel", text: "Buongiorno, guardi sul sito.", ok: false},
		{name: "private contact", text: "Ci scriva in privato, oppure chiami il Contact Center 803 164.", ok: false},
		{name: "good", text: "Buongiorno, trova requisiti e durata della NASpI su www.inps.it; per chiarimenti il Contact Center risponde all'803 164 da rete fissa e allo 06 164 164 da cellulare.", ok: true},
	}
	for _, tc := range tests {
		err := e.Amend(t.Context(), id, tc.text, "anna")
		if (err == nil) != tc.ok {
			t.Errorf("%s: Amend = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
	if err := e.Approve(t.Context(), id, "anna"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { r, _, _ := f.counts(); return r == 1 })
	cancel()
	<-done
	f.mu.Lock()
	got := f.texts[len(f.texts)-1]
	f.mu.Unlock()
	if !strings.HasPrefix(got, "Buongiorno, trova requisiti") {
		t.Errorf("sent %q, want the amended reply", got)
	}
	if err := e.Amend(t.Context(), id, tests[3].text, "anna"); !errors.Is(err, bot.ErrConflict) {
		t.Errorf("amending a sent reply: %v, want ErrConflict", err)
	}
}

func TestTakeEscalation(t *testing.T) {
	e, _, st := moderatedEngine(t)
	ctx := t.Context()
	if err := e.Handle(ctx, post("u5", insult+" e voi stranieri tornate a casa vostra, siete parassiti")); err != nil {
		t.Fatal(err)
	}
	open, err := st.Escalations(ctx, true, 1)
	if err != nil || len(open) != 1 {
		t.Fatalf("escalations = %v, %v", open, err)
	}
	if err := e.Handle(ctx, modPost("100", fmt.Sprintf("/prendi %d", open[0].ID))); err != nil {
		t.Fatal(err)
	}
	got, err := st.Escalation(ctx, open[0].ID)
	if err != nil || got.TakenBy != "fake:mod100" {
		t.Errorf("escalation = %+v, %v; want taken by fake:mod100", got, err)
	}
}

func TestCommandAuditKeepsNoPersonalData(t *testing.T) {
	e, _, st := moderatedEngine(t)
	ctx := t.Context()
	if err := e.Handle(ctx, post("u3", "Il mio vicino prende la NASpI e lavora in nero, dove lo segnalo?")); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"/controlla il mio IBAN è IT60 X054 2811 1010 0000 0123 456", "/dimentica fake 777123",
		"/chiudi 1 chiamata la signora Rossi al 347 123 4567"} {
		if err := e.Handle(ctx, modPost("100", cmd)); err != nil {
			t.Fatal(err)
		}
	}
	trail, err := st.AuditTrail(ctx, bot.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	esc, err := st.Escalations(ctx, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	all := fmt.Sprintf("%+v %+v", trail, esc)
	// The data whole or as digits: a bare "347" may be part of a time.
	for _, leak := range []string{"IT60", "X054", "777123", "347 123", "3471234567", "123 4567"} {
		if strings.Contains(all, leak) {
			t.Errorf("the audit trail holds %q", leak)
		}
	}
}
