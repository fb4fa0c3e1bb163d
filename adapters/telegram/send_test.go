package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	tgmodels "github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

// postOf is the post the platform would have delivered for m.
func postOf(m tgmodels.Message, handle string, kind bot.PostKind) bot.Post {
	b := want(m.Chat, m.ID, strconv.FormatInt(m.From.ID, 10), handle, kind, m.Text, 1)
	b.Time = time.Unix(int64(m.Date), 0).UTC()
	return b
}

func TestReply(t *testing.T) {
	long := strings.Repeat("Per la NASpI consulta la pagina dedicata. ", 150) // about 6300 characters
	tests := []struct {
		name      string
		text      string
		wantParts int
	}{
		{name: "short reply", text: "Gentile utente, trova le informazioni su www.inps.it.", wantParts: 1},
		{name: "text with HTML-like characters goes out as is", text: "Usa <b>MyINPS</b> & l'app: 1 < 2", wantParts: 1},
		{name: "long reply is split", text: long, wantParts: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			m := s.AddMessage(group, 42, "info NASpI?")
			if err := p.Reply(t.Context(), postOf(m, "User42", bot.KindComment), tc.text, "k1"); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			sent := s.Sent()
			if len(sent) != tc.wantParts {
				t.Fatalf("sent %d messages, want %d", len(sent), tc.wantParts)
			}
			var joined []string
			for i, sm := range sent {
				if sm.ChatID != group || sm.ReplyTo != m.ID || !sm.AllowSendingWithoutReply || sm.ParseMode != "" {
					t.Errorf("part %d: chat %d reply_to %d allow_without_reply %v parse_mode %q, want chat %d reply_to %d true \"\"",
						i, sm.ChatID, sm.ReplyTo, sm.AllowSendingWithoutReply, sm.ParseMode, group, m.ID)
				}
				if n := len(utf16.Encode([]rune(sm.Text))); n > telegram.MaxMessage {
					t.Errorf("part %d has %d UTF-16 units, over %d", i, n, telegram.MaxMessage)
				}
				if i < len(sent)-1 && !strings.HasSuffix(sm.Text, ".") {
					t.Errorf("part %d does not end on a sentence: %q", i, sm.Text[len(sm.Text)-20:])
				}
				joined = append(joined, sm.Text)
			}
			if got, want := strings.Join(joined, " "), strings.TrimSpace(tc.text); got != want {
				t.Errorf("parts joined differ from the text:\n got %.80q\nwant %.80q", got, want)
			}
		})
	}
}

func TestReplyRetryResumesSplitReply(t *testing.T) {
	p, s := newPlatform(t)
	m := s.AddMessage(group, 42, "domanda")
	text := strings.Repeat("Prima parte della risposta. ", 200) + "\n\n" + strings.Repeat("Seconda parte. ", 200)
	s.FailAfter("sendMessage", 1, 1, telegramtest.InternalError())
	err := p.Reply(t.Context(), postOf(m, "User42", bot.KindComment), text, "reply-1")
	if _, ok := bot.Retryable(err); !ok {
		t.Fatalf("Reply with a 500 on part 2 = %v, want a RetryError", err)
	}
	if !strings.Contains(err.Error(), "part 2 of") {
		t.Errorf("error %q does not name the part", err)
	}
	if err := p.Reply(t.Context(), postOf(m, "User42", bot.KindComment), text, "reply-1"); err != nil {
		t.Fatalf("Reply retry: %v", err)
	}
	sent := s.Sent()
	if len(sent) != 3 {
		t.Fatalf("sent %d messages, want 3 (parts 1 and 2, then part 3 of the retry)", len(sent))
	}
	if sent[1].Text == sent[0].Text {
		t.Errorf("the retry sent part 1 again")
	}
}

func TestReplyErrors(t *testing.T) {
	tests := []struct {
		name    string
		failure telegramtest.Failure
		is      error
		after   time.Duration
	}{
		{name: "429", failure: telegramtest.TooManyRequests(3), after: 3 * time.Second},
		{name: "bot kicked", failure: telegramtest.Forbidden("Forbidden: bot was kicked from the supergroup chat"), is: bot.ErrForbidden},
		{name: "bot blocked", failure: telegramtest.Forbidden("Forbidden: bot was blocked by the user"), is: bot.ErrForbidden},
		{name: "no right to write", failure: telegramtest.BadRequest("Bad Request: not enough rights to send text messages to the chat"), is: bot.ErrForbidden},
		{name: "other 400", failure: telegramtest.BadRequest("Bad Request: message text is empty"), is: bot.ErrBadRequest},
		{name: "500", failure: telegramtest.InternalError()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			m := s.AddMessage(group, 42, "domanda")
			s.Fail("sendMessage", 1, tc.failure)
			err := p.Reply(t.Context(), postOf(m, "User42", bot.KindComment), "Risposta.", "k")
			if err == nil {
				t.Fatal("Reply = nil, want an error")
			}
			noSecret(t, err)
			if !strings.Contains(err.Error(), "telegram: reply to message 1 in chat -100123") {
				t.Errorf("error %q does not name the operation and ids", err)
			}
			if strings.Contains(err.Error(), "Risposta") {
				t.Errorf("error %q quotes the text", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Reply = %v, want errors.Is %v", err, tc.is)
			}
			after, retry := bot.Retryable(err)
			if wantRetry := tc.is == nil; retry != wantRetry || after != tc.after {
				t.Errorf("Retryable = %s, %v; want %s, %v", after, retry, tc.after, wantRetry)
			}
		})
	}
}

func TestNotify(t *testing.T) {
	tests := []struct {
		name         string
		chat         int64
		user         tgmodels.User
		kind         bot.PostKind
		handle       string
		wantText     string
		wantEntities []tgmodels.MessageEntity
	}{
		{
			name: "username is mentioned", chat: group, user: citizen, kind: bot.KindComment, handle: "@maria_r",
			wantText: "@maria_r, abbiamo rimosso il tuo messaggio perché conteneva dati personali.",
		},
		{
			name: "first name is a text mention", chat: group, user: noname, kind: bot.KindComment, handle: "Luigi",
			wantText: "Luigi, abbiamo rimosso il tuo messaggio perché conteneva dati personali.",
			wantEntities: []tgmodels.MessageEntity{{
				Type: tgmodels.MessageEntityTypeTextMention, Length: 5,
				User: &tgmodels.User{ID: 43, FirstName: "Luigi"},
			}},
		},
		{
			name: "private chat names nobody", chat: 42, user: citizen, kind: bot.KindDirect, handle: "@maria_r",
			wantText: "abbiamo rimosso il tuo messaggio perché conteneva dati personali.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			s.AddUser(tc.user)
			m := s.AddMessage(tc.chat, tc.user.ID, "il mio numero è 333 1234567")
			post := postOf(m, tc.handle, tc.kind)
			if err := p.Notify(t.Context(), post, "abbiamo rimosso il tuo messaggio perché conteneva dati personali.", "n1"); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			sent := s.Sent()
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			got := sent[0]
			if got.ChatID != tc.chat || got.ReplyTo != 0 {
				t.Errorf("notice in chat %d replying to %d, want chat %d and no reply", got.ChatID, got.ReplyTo, tc.chat)
			}
			if got.Text != tc.wantText {
				t.Errorf("text = %q, want %q", got.Text, tc.wantText)
			}
			if diff := cmp.Diff(tc.wantEntities, got.Entities); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHide(t *testing.T) {
	tests := []struct {
		name      string
		age       time.Duration
		failure   *telegramtest.Failure
		gone      bool // deleted before the call
		ctxWait   time.Duration
		closed    bool
		is        error
		retry     bool
		after     time.Duration
		wantCalls int
	}{
		{name: "deleted", wantCalls: 1},
		{name: "older than 48h is not tried", age: 49 * time.Hour, is: bot.ErrTooOld, wantCalls: 0},
		{name: "already gone", gone: true, is: bot.ErrNotFound, wantCalls: 2},
		{name: "can't be deleted, recent: no right", failure: ptr(telegramtest.BadRequest("Bad Request: message can't be deleted")), is: bot.ErrForbidden, wantCalls: 1},
		{name: "can't be deleted near 48h: too old", age: 47*time.Hour + 30*time.Minute, failure: ptr(telegramtest.BadRequest("Bad Request: message can't be deleted")), is: bot.ErrTooOld, wantCalls: 1},
		{name: "not enough rights", failure: ptr(telegramtest.BadRequest("Bad Request: not enough rights to delete a message")), is: bot.ErrForbidden, wantCalls: 1},
		{name: "bot kicked", failure: ptr(telegramtest.Forbidden("Forbidden: bot was kicked from the supergroup chat")), is: bot.ErrForbidden, wantCalls: 1},
		{name: "other 400", failure: ptr(telegramtest.BadRequest("Bad Request: message identifier is not specified")), is: bot.ErrBadRequest, wantCalls: 1},
		{name: "429 retry_after", failure: ptr(telegramtest.TooManyRequests(7)), retry: true, after: 7 * time.Second, wantCalls: 1},
		{name: "500", failure: ptr(telegramtest.InternalError()), retry: true, wantCalls: 1},
		{name: "502 HTML from a proxy", failure: ptr(telegramtest.BadGateway()), retry: true, wantCalls: 1},
		{name: "hang until the deadline", failure: ptr(telegramtest.Hang()), ctxWait: 100 * time.Millisecond, is: context.DeadlineExceeded, retry: true, wantCalls: 1},
		{name: "network error", closed: true, retry: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			now := time.Now()
			telegram.SetNow(p, func() time.Time { return now })
			s.SetNow(func() time.Time { return now })
			m := s.NewMessage(group, 42, "IBAN IT60X0542811101000000123456")
			m.Date = int(now.Add(-tc.age).Unix())
			s.Add(tgmodels.Update{Message: &m})
			post := postOf(m, "User42", bot.KindComment)
			if tc.gone {
				if _, err := p.Hide(t.Context(), post, "h0"); err != nil {
					t.Fatalf("first Hide: %v", err)
				}
			}
			if tc.failure != nil {
				s.Fail("deleteMessage", 1, *tc.failure)
			}
			if tc.closed {
				s.Close()
			}
			ctx := t.Context()
			if tc.ctxWait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxWait)
				defer cancel()
			}

			outcome, err := p.Hide(ctx, post, "h1")

			if !tc.closed {
				if got := s.Calls("deleteMessage"); got != tc.wantCalls {
					t.Errorf("deleteMessage calls = %d, want %d", got, tc.wantCalls)
				}
			}
			if tc.is == nil && !tc.retry {
				if err != nil || outcome != bot.HideDeleted {
					t.Fatalf("Hide = %q, %v; want deleted, nil", outcome, err)
				}
				if diff := cmp.Diff([]telegramtest.Deletion{{ChatID: group, MessageID: m.ID}}, s.Deleted()); diff != "" {
					t.Errorf("deletions (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("Hide = %q, nil; want an error", outcome)
			}
			noSecret(t, err)
			if !strings.Contains(err.Error(), "telegram: delete message 1 in chat -100123") {
				t.Errorf("error %q does not name the operation and ids", err)
			}
			if strings.Contains(err.Error(), "IT60X") {
				t.Errorf("error %q quotes the text", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Hide = %v, want errors.Is %v", err, tc.is)
			}
			after, retry := bot.Retryable(err)
			if retry != tc.retry || after != tc.after {
				t.Errorf("Retryable(%v) = %s, %v; want %s, %v", err, after, retry, tc.after, tc.retry)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{name: "empty", text: "  ", limit: 10, want: nil},
		{name: "fits", text: "Ciao.", limit: 10, want: []string{"Ciao."}},
		{name: "exactly the limit", text: "0123456789", limit: 10, want: []string{"0123456789"}},
		{name: "paragraph first", text: "Uno due. Tre\n\nquattro cinque", limit: 20, want: []string{"Uno due. Tre", "quattro cinque"}},
		{name: "line break", text: "prima riga\nseconda riga", limit: 15, want: []string{"prima riga", "seconda riga"}},
		{name: "sentence end", text: "Prima frase. Seconda frase lunga", limit: 20, want: []string{"Prima frase.", "Seconda frase lunga"}},
		{name: "space", text: "parola parola parola", limit: 14, want: []string{"parola parola", "parola"}},
		{name: "no boundary: hard cut", text: "abcdefghijkl", limit: 5, want: []string{"abcde", "fghij", "kl"}},
		{name: "UTF-16 units: emoji count two", text: "😀😀😀", limit: 4, want: []string{"😀😀", "😀"}},
		{name: "accented letters count one", text: "perché è così", limit: 6, want: []string{"perché", "è così"}},
		{name: "early boundary loses to a later one", text: "A. bbbbbbbb cc", limit: 12, want: []string{"A. bbbbbbbb", "cc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := telegram.Split(tc.text, tc.limit)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Split(%q, %d) (-want +got):\n%s", tc.text, tc.limit, diff)
			}
		})
	}
}

func TestNewRejectsBadToken(t *testing.T) {
	s := telegramtest.NewServer(t, "999:other-token-of-another-bot")
	_, err := telegram.New(t.Context(), telegram.Config{Account: "inps", Token: token, APIURL: s.URL()})
	if err == nil {
		t.Fatal("New with a wrong token = nil error")
	}
	if !errors.Is(err, bot.ErrForbidden) || !strings.Contains(err.Error(), "token was rejected") {
		t.Errorf("New = %v, want a token error wrapping ErrForbidden", err)
	}
	noSecret(t, err)
}

func TestNewNetworkErrorHidesToken(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	s.Close()
	_, err := telegram.New(t.Context(), telegram.Config{Account: "inps", Token: token, APIURL: s.URL()})
	if _, ok := bot.Retryable(err); !ok {
		t.Fatalf("New against a closed server = %v, want a RetryError", err)
	}
	noSecret(t, err)
	var se interface{ Unwrap() error }
	for e := err; errors.As(e, &se); e = se.Unwrap() {
		noSecret(t, e)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := telegram.Config{Account: "inps", Token: token}
	tests := []struct {
		name string
		edit func(*telegram.Config)
		want []string // field names in the error, none for valid
	}{
		{name: "defaults are valid", edit: func(*telegram.Config) {}},
		{name: "webhook complete", edit: func(c *telegram.Config) {
			c.Mode, c.WebhookURL, c.WebhookSecret, c.ListenAddr = "webhook", "https://bot.example/tg", "s3cr3t_-X", ":8443"
		}},
		{name: "missing account and token", edit: func(c *telegram.Config) { c.Account, c.Token = "", "" }, want: []string{"account:", "token:"}},
		{name: "malformed token", edit: func(c *telegram.Config) { c.Token = "not a token" }, want: []string{"token:"}},
		{name: "bad api url", edit: func(c *telegram.Config) { c.APIURL = "ftp://x" }, want: []string{"api_url:"}},
		{name: "unknown mode", edit: func(c *telegram.Config) { c.Mode = "push" }, want: []string{"mode:"}},
		{name: "webhook without url, secret, address", edit: func(c *telegram.Config) { c.Mode = "webhook" }, want: []string{"webhook_url:", "webhook_secret:", "listen_addr:"}},
		{name: "webhook over http and bad secret", edit: func(c *telegram.Config) {
			c.Mode, c.WebhookURL, c.WebhookSecret, c.ListenAddr = "webhook", "http://bot.example/tg", "bad secret!", ":8443"
		}, want: []string{"webhook_url:", "webhook_secret:"}},
		{name: "poll timeout too short", edit: func(c *telegram.Config) { c.PollTimeout = time.Millisecond }, want: []string{"poll_timeout:"}},
		{name: "negative http timeout", edit: func(c *telegram.Config) { c.HTTPTimeout = -time.Second }, want: []string{"http_timeout:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors on %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to name %s", err, w)
				}
			}
			noSecret(t, err)
		})
	}
}

func TestConfigStringMasksSecrets(t *testing.T) {
	c := telegram.Config{Account: "inps", Token: token, WebhookSecret: "webhook-secret-value"}
	for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, tokenPart) || strings.Contains(s, "webhook-secret-value") {
			t.Errorf("config printed with a secret: %s", s)
		}
	}
}

func TestPlatformIdentity(t *testing.T) {
	p, _ := newPlatform(t)
	got := []any{p.Name(), p.Account(), p.Source(), p.Idempotent(), p.BotID(), p.Username()}
	want := []any{"telegram", "inps", "telegram/inps", false, int64(botID), "inps_test_bot"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}
