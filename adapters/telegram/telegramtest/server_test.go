package telegramtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
)

const token = "4242:fake-token"

type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func call(t *testing.T, s *telegramtest.Server, method, contentType string, body io.Reader) (int, envelope) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/bot"+token+"/"+method, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var env envelope
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &env)
	return resp.StatusCode, env
}

func TestParamsInEveryEncoding(t *testing.T) {
	multipartBody := func() (string, io.Reader) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("chat_id", "-100")
		_ = w.WriteField("text", "ciao")
		_ = w.WriteField("reply_parameters", `{"message_id":1,"allow_sending_without_reply":true}`)
		_ = w.Close()
		return w.FormDataContentType(), &b
	}
	tests := []struct {
		name string
		body func() (string, io.Reader)
	}{
		{name: "multipart", body: multipartBody},
		{name: "json", body: func() (string, io.Reader) {
			return "application/json", strings.NewReader(`{"chat_id":-100,"text":"ciao","reply_parameters":{"message_id":1,"allow_sending_without_reply":true}}`)
		}},
		{name: "urlencoded", body: func() (string, io.Reader) {
			v := url.Values{"chat_id": {"-100"}, "text": {"ciao"}, "reply_parameters": {`{"message_id":1,"allow_sending_without_reply":true}`}}
			return "application/x-www-form-urlencoded", strings.NewReader(v.Encode())
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := telegramtest.NewServer(t, token)
			ct, body := tc.body()
			if code, env := call(t, s, "sendMessage", ct, body); code != 200 || !env.OK {
				t.Fatalf("sendMessage = %d %+v", code, env)
			}
			want := []telegramtest.SentMessage{{ID: 1, ChatID: -100, Text: "ciao", ReplyTo: 1, AllowSendingWithoutReply: true}}
			if diff := cmp.Diff(want, s.Sent()); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetUpdatesLongPollsAndConfirms(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.AddMessage(-100, 7, "uno")
	}()
	start := time.Now()
	code, env := call(t, s, "getUpdates", "application/json", strings.NewReader(`{"timeout":5}`))
	if code != 200 || !env.OK {
		t.Fatalf("getUpdates = %d %+v", code, env)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("getUpdates answered after %s, want when the update arrived", d)
	}
	var ups []struct {
		ID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(env.Result, &ups)
	if len(ups) != 1 || ups[0].ID != 1001 {
		t.Fatalf("updates = %+v, want one with id 1001", ups)
	}

	// Asking from the next offset confirms it; an empty poll times out.
	start = time.Now()
	_, env = call(t, s, "getUpdates", "application/json", strings.NewReader(`{"offset":1002,"timeout":1}`))
	if string(env.Result) != "[]" || time.Since(start) < 900*time.Millisecond {
		t.Errorf("empty poll = %s after %s, want [] after the 1s timeout", env.Result, time.Since(start))
	}
	_, env = call(t, s, "getUpdates", "application/json", strings.NewReader(`{"offset":1001}`))
	if string(env.Result) != "[]" || s.Pending() != 0 {
		t.Errorf("confirmed update came back: %s (pending %d)", env.Result, s.Pending())
	}
}

func TestScriptedFailures(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	s.Fail("getMe", 1, telegramtest.TooManyRequests(9))
	s.FailAfter("getMe", 1, 1, telegramtest.Forbidden("Forbidden: bot was kicked from the group chat"))
	s.Fail("getMe", 1, telegramtest.BadGateway())

	code, env := call(t, s, "getMe", "", nil)
	if code != 429 || env.ErrorCode != 429 || env.Parameters.RetryAfter != 9 {
		t.Errorf("1st getMe = %d %+v, want 429 retry_after 9", code, env)
	}
	if code, env = call(t, s, "getMe", "", nil); code != 200 || !env.OK {
		t.Errorf("2nd getMe = %d %+v, want 200", code, env)
	}
	if code, env = call(t, s, "getMe", "", nil); code != 403 || !strings.Contains(env.Description, "kicked") {
		t.Errorf("3rd getMe = %d %+v, want 403", code, env)
	}
	if code, _ = call(t, s, "getMe", "", nil); code != 502 {
		t.Errorf("4th getMe = %d, want 502", code)
	}
	if code, env = call(t, s, "getMe", "", nil); code != 200 || !env.OK {
		t.Errorf("5th getMe = %d %+v, want 200 again", code, env)
	}
	if got := s.Calls("getMe"); got != 5 {
		t.Errorf("Calls(getMe) = %d, want 5", got)
	}
}

func TestWrongTokenAndUnknownMethod(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	resp, err := http.Post(s.URL()+"/bot4242:other/getMe", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong token: %d, want 401", resp.StatusCode)
	}
	if code, _ := call(t, s, "sendRocket", "application/json", strings.NewReader("{}")); code != 404 {
		t.Errorf("unknown method: %d, want 404", code)
	}
}

func TestDeleteMessage(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	now := time.Now()
	s.SetNow(func() time.Time { return now })
	m := s.AddMessage(-100, 7, "uno")
	old := s.NewMessage(-100, 7, "vecchio")
	body := func(id int) io.Reader {
		return strings.NewReader(`{"chat_id":-100,"message_id":` + strconv.Itoa(id) + `}`)
	}
	if code, _ := call(t, s, "deleteMessage", "application/json", body(m.ID)); code != 200 {
		t.Errorf("delete: %d, want 200", code)
	}
	if _, env := call(t, s, "deleteMessage", "application/json", body(m.ID)); env.Description != "Bad Request: message to delete not found" {
		t.Errorf("second delete: %q", env.Description)
	}
	s.SetNow(func() time.Time { return now.Add(49 * time.Hour) })
	if _, env := call(t, s, "deleteMessage", "application/json", body(old.ID)); env.Description != "Bad Request: message can't be deleted" {
		t.Errorf("delete after 49h: %q", env.Description)
	}
	if diff := cmp.Diff([]telegramtest.Deletion{{ChatID: -100, MessageID: m.ID}}, s.Deleted()); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
}

func TestHangReleasedOnClose(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	s.Fail("getMe", 1, telegramtest.Hang())
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post(s.URL()+"/bot"+token+"/getMe", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	waitCalls(t, s, "getMe", 1)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close blocked on a hung request")
	}
	<-done
}

func waitCalls(t *testing.T, s *telegramtest.Server, method string, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for s.Calls(method) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s not called", method)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInlineKeyboardChecked(t *testing.T) {
	tests := []struct {
		name     string
		markup   string
		wantDesc string // "" for accepted
	}{
		{name: "callback buttons", markup: `{"inline_keyboard":[[{"text":"Sì","callback_data":"/approva 1"}]]}`},
		{name: "callback data over 64 bytes", markup: `{"inline_keyboard":[[{"text":"Sì","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`, wantDesc: "Bad Request: BUTTON_DATA_INVALID"},
		{name: "empty label", markup: `{"inline_keyboard":[[{"text":"","callback_data":"x"}]]}`, wantDesc: "Bad Request: can't parse inline keyboard button: Text must be non-empty"},
		{name: "two actions", markup: `{"inline_keyboard":[[{"text":"a","callback_data":"x","copy_text":{"text":""}}]]}`, wantDesc: "Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used"},
		{name: "not a keyboard", markup: `[1]`, wantDesc: "Bad Request: can't parse reply keyboard markup JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := telegramtest.NewServer(t, token)
			body, _ := json.Marshal(map[string]any{"chat_id": -100, "text": "proposta", "reply_markup": json.RawMessage(tc.markup)})
			code, env := call(t, s, "sendMessage", "application/json", bytes.NewReader(body))
			if tc.wantDesc == "" {
				if code != 200 || len(s.Sent()) != 1 || s.Sent()[0].ReplyMarkup != tc.markup {
					t.Errorf("sendMessage = %d %q, sent %+v; want 200 and the markup recorded", code, env.Description, s.Sent())
				}
				return
			}
			if code != 400 || env.Description != tc.wantDesc {
				t.Errorf("sendMessage = %d %q, want 400 %q", code, env.Description, tc.wantDesc)
			}
		})
	}
}

func TestCallbackQuery(t *testing.T) {
	s := telegramtest.NewServer(t, token)
	body, _ := json.Marshal(map[string]any{"chat_id": -100, "text": "proposta", "reply_markup": map[string]any{
		"inline_keyboard": [][]map[string]string{{{"text": "Sì", "callback_data": "/approva 1"}}},
	}})
	if code, env := call(t, s, "sendMessage", "application/json", bytes.NewReader(body)); code != 200 {
		t.Fatalf("sendMessage = %d %q", code, env.Description)
	}
	cq := s.AddCallback(-100, 7, "/approva 1")
	if cq.Message.Message == nil || cq.Message.Message.ID != s.Sent()[0].ID || cq.From.ID != 7 || cq.Data != "/approva 1" {
		t.Errorf("callback query %+v, want a tap by 7 on the message sent", cq)
	}
	_, env := call(t, s, "getUpdates", "application/json", strings.NewReader(`{"allowed_updates":["callback_query"]}`))
	var updates []struct {
		CallbackQuery struct {
			ID      string `json:"id"`
			Data    string `json:"data"`
			Message struct {
				MessageID   int `json:"message_id"`
				ReplyMarkup any `json:"reply_markup"`
			} `json:"message"`
		} `json:"callback_query"`
	}
	if err := json.Unmarshal(env.Result, &updates); err != nil || len(updates) != 1 {
		t.Fatalf("getUpdates result %s: %v", env.Result, err)
	}
	if got := updates[0].CallbackQuery; got.ID != cq.ID || got.Data != "/approva 1" || got.Message.ReplyMarkup == nil {
		t.Errorf("update %+v, want the callback query on the message with its keyboard", got)
	}

	answer := func(id string) (int, envelope) {
		return call(t, s, "answerCallbackQuery", "application/json", strings.NewReader(`{"callback_query_id":"`+id+`"}`))
	}
	if code, env := answer(cq.ID); code != 200 || !env.OK {
		t.Errorf("answer = %d %q, want 200", code, env.Description)
	}
	for _, id := range []string{cq.ID, "123"} {
		if code, _ := answer(id); code != 400 {
			t.Errorf("answer %s again or unknown = %d, want 400", id, code)
		}
	}
	if diff := cmp.Diff([]telegramtest.CallbackAnswer{{ID: cq.ID}}, s.Answered()); diff != "" {
		t.Errorf("answered (-want +got):\n%s", diff)
	}
}
