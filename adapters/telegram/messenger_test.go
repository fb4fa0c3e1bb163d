package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	tgmodels "github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

// moderators is the chat id of the moderators' group in these tests.
const moderators = -100777

// jsonOf decodes JSON text into plain values, so that two encodings of the
// same object compare equal.
func jsonOf(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

func TestSend(t *testing.T) {
	approve := bot.Button{Label: "Approva", Command: "/approva 12"}
	reject := bot.Button{Label: "Rifiuta", Command: "/rifiuta 12"}
	tests := []struct {
		name       string
		buttons    []bot.Button
		wantMarkup string // JSON, "" for no reply_markup
	}{
		{name: "without buttons", wantMarkup: ""},
		{
			name:       "one row of two buttons",
			buttons:    []bot.Button{approve, reject},
			wantMarkup: `{"inline_keyboard":[[{"text":"Approva","callback_data":"/approva 12"},{"text":"Rifiuta","callback_data":"/rifiuta 12"}]]}`,
		},
		{
			name: "three buttons a row, label defaults to the command",
			buttons: []bot.Button{
				approve, reject, {Label: "Modifica", Command: "/modifica 12"},
				{Command: "/ignora 12"},
			},
			wantMarkup: `{"inline_keyboard":[` +
				`[{"text":"Approva","callback_data":"/approva 12"},{"text":"Rifiuta","callback_data":"/rifiuta 12"},{"text":"Modifica","callback_data":"/modifica 12"}],` +
				`[{"text":"/ignora 12","callback_data":"/ignora 12"}]]}`,
		},
		{
			name:       "command of exactly 64 bytes",
			buttons:    []bot.Button{{Label: "Lungo", Command: "/" + strings.Repeat("è", 31) + "x"}},
			wantMarkup: `{"inline_keyboard":[[{"text":"Lungo","callback_data":"/` + strings.Repeat("è", 31) + `x"}]]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			text := "Proposta 12: risposta a un post su https://www.inps.it/naspi <b>"
			if err := p.Send(t.Context(), strconv.Itoa(moderators), text, tc.buttons); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := s.Sent()
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			got := sent[0]
			if got.ChatID != moderators || got.Text != text || got.ParseMode != "" || got.ReplyTo != 0 {
				t.Errorf("sent chat %d text %q parse_mode %q reply_to %d; want chat %d, the text as is, no parse mode, no reply",
					got.ChatID, got.Text, got.ParseMode, got.ReplyTo, moderators)
			}
			if diff := cmp.Diff(jsonOf(t, tc.wantMarkup), jsonOf(t, got.ReplyMarkup)); diff != "" {
				t.Errorf("reply_markup (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(jsonOf(t, `{"is_disabled":true}`), jsonOf(t, lastParam(s, "sendMessage", "link_preview_options"))); diff != "" {
				t.Errorf("link_preview_options (-want +got):\n%s", diff)
			}
		})
	}
}

// lastParam returns the parameter name of the last call of method.
func lastParam(s *telegramtest.Server, method, name string) string {
	reqs := s.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method {
			return reqs[i].Params[name]
		}
	}
	return ""
}

func TestSendSplitsLongTextWithKeyboardLast(t *testing.T) {
	p, s := newPlatform(t)
	text := strings.Repeat("Segnalazione da verificare. ", 200) // about 5600 characters
	buttons := []bot.Button{{Label: "Chiudi", Command: "/chiudi 7"}}
	if err := p.Send(t.Context(), strconv.Itoa(moderators), text, buttons); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := s.Sent()
	if len(sent) != 2 {
		t.Fatalf("sent %d messages, want 2", len(sent))
	}
	var joined []string
	for i, m := range sent {
		if n := len(utf16.Encode([]rune(m.Text))); n > telegram.MaxMessage {
			t.Errorf("part %d has %d UTF-16 units, over %d", i, n, telegram.MaxMessage)
		}
		joined = append(joined, m.Text)
	}
	if got, want := strings.Join(joined, " "), strings.TrimSpace(text); got != want {
		t.Errorf("parts joined differ from the text:\n got %.80q\nwant %.80q", got, want)
	}
	if sent[0].ReplyMarkup != "" {
		t.Errorf("first part has reply_markup %s, want none", sent[0].ReplyMarkup)
	}
	want := [][]tgmodels.InlineKeyboardButton{{{Text: "Chiudi", CallbackData: "/chiudi 7"}}}
	if diff := cmp.Diff(want, sent[1].Keyboard); diff != "" {
		t.Errorf("keyboard of the last part (-want +got):\n%s", diff)
	}
}

func TestSendRetryResumesSplitMessage(t *testing.T) {
	p, s := newPlatform(t)
	text := strings.Repeat("Prima parte. ", 200) + "\n\n" + strings.Repeat("Seconda parte. ", 200)
	s.FailAfter("sendMessage", 1, 1, telegramtest.InternalError())
	err := p.Send(t.Context(), strconv.Itoa(moderators), text, nil)
	if _, ok := bot.Retryable(err); !ok {
		t.Fatalf("Send with a 500 on part 2 = %v, want a RetryError", err)
	}
	if err := p.Send(t.Context(), strconv.Itoa(moderators), text, nil); err != nil {
		t.Fatalf("Send retry: %v", err)
	}
	sent := s.Sent()
	if len(sent) != 2 || sent[0].Text == sent[1].Text {
		t.Errorf("sent %d messages, want 2 different parts (part 1 not repeated by the retry)", len(sent))
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		to      string
		text    string
		buttons []bot.Button
	}{
		{name: "callback data over 64 bytes", to: strconv.Itoa(moderators), text: "Proposta", buttons: []bot.Button{{Label: "Ok", Command: "/approva " + strings.Repeat("9", 56)}}},
		{name: "multibyte command over 64 bytes", to: strconv.Itoa(moderators), text: "Proposta", buttons: []bot.Button{{Label: "Ok", Command: "/" + strings.Repeat("è", 32)}}},
		{name: "empty command", to: strconv.Itoa(moderators), text: "Proposta", buttons: []bot.Button{{Label: "Ok"}}},
		{name: "recipient is not a chat id", to: "@moderatori", text: "Proposta"},
		{name: "empty text", to: strconv.Itoa(moderators), text: "  \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			err := p.Send(t.Context(), tc.to, tc.text, tc.buttons)
			if !errors.Is(err, bot.ErrBadRequest) {
				t.Errorf("Send = %v, want ErrBadRequest", err)
			}
			if n := s.Calls("sendMessage"); n != 0 {
				t.Errorf("sendMessage called %d times, want 0", n)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name    string
		failure telegramtest.Failure
		is      error
		after   time.Duration
	}{
		{name: "429", failure: telegramtest.TooManyRequests(5), after: 5 * time.Second},
		{name: "bot removed from the group", failure: telegramtest.Forbidden("Forbidden: bot was kicked from the supergroup chat"), is: bot.ErrForbidden},
		{name: "chat not found", failure: telegramtest.BadRequest("Bad Request: chat not found"), is: bot.ErrForbidden},
		{name: "other 400", failure: telegramtest.BadRequest("Bad Request: BUTTON_DATA_INVALID"), is: bot.ErrBadRequest},
		{name: "500", failure: telegramtest.InternalError()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newPlatform(t)
			s.Fail("sendMessage", 1, tc.failure)
			err := p.Send(t.Context(), strconv.Itoa(moderators), "Escalation 3: dati personali", []bot.Button{{Label: "Chiudi", Command: "/chiudi 3"}})
			if err == nil {
				t.Fatal("Send = nil, want an error")
			}
			noSecret(t, err)
			if !strings.Contains(err.Error(), "telegram: send message to chat -100777") {
				t.Errorf("error %q does not name the operation and chat", err)
			}
			if strings.Contains(err.Error(), "Escalation") || strings.Contains(err.Error(), "/chiudi") {
				t.Errorf("error %q quotes the text or a command", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Send = %v, want errors.Is %v", err, tc.is)
			}
			after, retry := bot.Retryable(err)
			if wantRetry := tc.is == nil; retry != wantRetry || after != tc.after {
				t.Errorf("Retryable = %s, %v; want %s, %v", after, retry, tc.after, wantRetry)
			}
		})
	}
}

// checkingHandler is a recorder that also notes, at each Handle, how many
// callback queries the server had been answered by then.
type checkingHandler struct {
	recorder
	s *telegramtest.Server

	mu              sync.Mutex
	answeredAtCalls []int
}

func (h *checkingHandler) Handle(ctx context.Context, p bot.Post) error {
	h.mu.Lock()
	h.answeredAtCalls = append(h.answeredAtCalls, len(h.s.Answered()))
	h.mu.Unlock()
	return h.recorder.Handle(ctx, p)
}

func TestReceiveCallback(t *testing.T) {
	p, s := newPlatform(t)
	mod := tgmodels.User{ID: 501, FirstName: "Giulia", Username: "giulia_mod"}
	anon := tgmodels.User{ID: 502, FirstName: "Paolo"}
	s.AddUser(mod)
	s.AddUser(anon)
	s.AddUser(other)
	if err := p.Send(t.Context(), strconv.Itoa(moderators), "Proposta 12", []bot.Button{{Label: "Approva", Command: "/approva 12"}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgID := s.Sent()[0].ID
	before := time.Now()
	cq1 := s.AddCallback(moderators, mod.ID, "/approva 12")
	s.AddCallback(moderators, other.ID, "/approva 12") // a bot: ignored
	cq3 := s.AddCallback(moderators, anon.ID, "/rifiuta 12")

	h := &checkingHandler{s: s, recorder: recorder{fail: 1}} // the first Handle fails
	stop := receive(t, p, "", h)
	waitFor(t, "cursor 1004", func() bool { _, _, c := h.snapshot(); return c == "1004" })
	waitFor(t, "two answers", func() bool { return len(s.Answered()) == 2 })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}

	posts, advanced, _ := h.snapshot()
	base := bot.Post{
		Platform: "telegram", Account: "inps", Channel: strconv.Itoa(moderators),
		ReplyTo: strconv.Itoa(moderators) + ":" + strconv.Itoa(msgID), Kind: bot.KindCallback,
	}
	want1, want3 := base, base
	want1.ID, want1.Author, want1.Handle, want1.Text, want1.Cursor = "cb:"+cq1.ID, "501", "@giulia_mod", "/approva 12", "1002"
	want3.ID, want3.Author, want3.Handle, want3.Text, want3.Cursor = "cb:"+cq3.ID, "502", "Paolo", "/rifiuta 12", "1004"
	for _, got := range posts {
		if got.Time.Before(before.Add(-time.Second)) || got.Time.After(time.Now()) {
			t.Errorf("post %s time %s, want the time of receipt", got.ID, got.Time)
		}
	}
	ignoreTime := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Time" }, cmp.Ignore())
	if diff := cmp.Diff([]bot.Post{want1, want3}, posts, ignoreTime); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"telegram/inps@1003"}, advanced); diff != "" {
		t.Errorf("advanced (-want +got):\n%s", diff)
	}
	wantAnswers := []telegramtest.CallbackAnswer{{ID: cq1.ID}, {ID: cq3.ID}}
	if diff := cmp.Diff(wantAnswers, s.Answered()); diff != "" {
		t.Errorf("answered (-want +got):\n%s", diff)
	}
	// Handle calls: the failed one and its retry for cq1, then cq3; none
	// may see its own query answered already.
	h.mu.Lock()
	defer h.mu.Unlock()
	if diff := cmp.Diff([]int{0, 0, 1}, h.answeredAtCalls); diff != "" {
		t.Errorf("answers seen at each Handle (-want +got):\n%s", diff)
	}
}

func TestReceiveCallbackAnswerFailureIsOnlyLogged(t *testing.T) {
	var buf syncBuffer
	p, s := newPlatform(t, func(c *telegram.Config) { c.Log = zerolog.New(&buf) })
	s.AddUser(tgmodels.User{ID: 501, FirstName: "Giulia", Username: "giulia_mod"})
	s.Fail("answerCallbackQuery", 1, telegramtest.BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid"))
	cq := s.AddCallback(moderators, 501, "/approva 99")
	h := &recorder{}
	stop := receive(t, p, "", h)
	waitFor(t, "cursor 1002", func() bool { _, _, c := h.snapshot(); return c == "1002" })
	waitFor(t, "the answer attempt", func() bool { return s.Calls("answerCallbackQuery") == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if posts, _, _ := h.snapshot(); len(posts) != 1 {
		t.Fatalf("posts %d, want 1", len(posts))
	}
	if n := s.Calls("answerCallbackQuery"); n != 1 {
		t.Errorf("answerCallbackQuery called %d times, want 1 (best effort, no retry)", n)
	}
	logs := buf.String()
	if !strings.Contains(logs, "answer callback query") || !strings.Contains(logs, cq.ID) {
		t.Errorf("logs do not report the failed answer with its id:\n%s", logs)
	}
	for _, personal := range []string{"/approva", "giulia", "Giulia", tokenPart} {
		if strings.Contains(logs, personal) {
			t.Errorf("logs hold %q:\n%s", personal, logs)
		}
	}
}

func TestWebhookCallback(t *testing.T) {
	p, s := newPlatform(t, webhookConfig("127.0.0.1:0"))
	h := &recorder{}
	wh, err := p.Webhook("", h)
	if err != nil {
		t.Fatal(err)
	}
	cq := s.AddCallback(moderators, 501, "/chiudi 4")
	u := tgmodels.Update{ID: 900, CallbackQuery: &cq}
	req := httptest.NewRequest(http.MethodPost, "/tg/hook", strings.NewReader(updateJSON(t, u)))
	req.Header.Set(telegram.SecretHeader, webhookSecret)
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("status = %d, want 200", rec.Code)
	}
	posts, _, cursor := h.snapshot()
	if len(posts) != 1 || posts[0].Kind != bot.KindCallback || posts[0].Text != "/chiudi 4" || cursor != "901" {
		t.Errorf("posts %+v, cursor %q; want one callback post with the command, cursor 901", posts, cursor)
	}
	if diff := cmp.Diff([]telegramtest.CallbackAnswer{{ID: cq.ID}}, s.Answered()); diff != "" {
		t.Errorf("answered (-want +got):\n%s", diff)
	}
}
