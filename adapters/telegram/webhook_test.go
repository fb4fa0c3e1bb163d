package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgmodels "github.com/go-telegram/bot/models"
	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
	"github.com/inps-social/inpsbot/bot"
)

const webhookSecret = "hook_secret-123"

func webhookConfig(addr string) func(*telegram.Config) {
	return func(c *telegram.Config) {
		c.Mode = telegram.ModeWebhook
		c.WebhookURL = "https://bot.example/tg/hook"
		c.WebhookSecret = webhookSecret
		c.ListenAddr = addr
	}
}

func updateJSON(t *testing.T, u tgmodels.Update) string {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWebhookHandler(t *testing.T) {
	first := tgmodels.Update{ID: 500, Message: msg(1, pubChat, &citizen, "info NASpI")}
	tests := []struct {
		name       string
		method     string
		secret     *string
		body       string
		fail       int
		wantStatus int
		wantPosts  int
	}{
		{name: "recorded", secret: ptr(webhookSecret), wantStatus: http.StatusOK, wantPosts: 1},
		{name: "missing secret", wantStatus: http.StatusUnauthorized},
		{name: "wrong secret", secret: ptr("hook_secret-124"), wantStatus: http.StatusUnauthorized},
		{name: "secret prefix only", secret: ptr("hook_secret"), wantStatus: http.StatusUnauthorized},
		{name: "GET", method: http.MethodGet, secret: ptr(webhookSecret), wantStatus: http.StatusMethodNotAllowed},
		{name: "not JSON", secret: ptr(webhookSecret), body: "{", wantStatus: http.StatusBadRequest},
		{name: "handler error asks Telegram to resend", secret: ptr(webhookSecret), fail: 1, wantStatus: http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newPlatform(t, webhookConfig("127.0.0.1:0"))
			h := &recorder{fail: tc.fail}
			wh, err := p.Webhook("", h)
			if err != nil {
				t.Fatal(err)
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			body := tc.body
			if body == "" {
				body = updateJSON(t, first)
			}
			req := httptest.NewRequest(method, "/tg/hook", strings.NewReader(body))
			if tc.secret != nil {
				req.Header.Set(telegram.SecretHeader, *tc.secret)
			}
			rec := httptest.NewRecorder()
			wh.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			posts, _, _ := h.snapshot()
			if len(posts) != tc.wantPosts {
				t.Errorf("posts handled = %d, want %d", len(posts), tc.wantPosts)
			}
		})
	}
}

func TestWebhookDedupesResentUpdates(t *testing.T) {
	p, _ := newPlatform(t, webhookConfig("127.0.0.1:0"))
	h := &recorder{}
	wh, err := p.Webhook("501", h) // 500 was recorded before a restart
	if err != nil {
		t.Fatal(err)
	}
	send := func(u tgmodels.Update) int {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(updateJSON(t, u)))
		req.Header.Set(telegram.SecretHeader, webhookSecret)
		rec := httptest.NewRecorder()
		wh.ServeHTTP(rec, req)
		return rec.Code
	}
	var got []int
	for _, u := range []tgmodels.Update{
		{ID: 500, Message: msg(1, pubChat, &citizen, "vecchio")},
		{ID: 501, Message: msg(2, pubChat, &citizen, "nuovo")},
		{ID: 501, Message: msg(2, pubChat, &citizen, "nuovo")}, // our 200 was lost
		{ID: 502, Message: msg(3, pubChat, &other, "bot")},
	} {
		got = append(got, send(u))
	}
	if diff := cmp.Diff([]int{200, 200, 200, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	posts, advanced, cursor := h.snapshot()
	if len(posts) != 1 || posts[0].Text != "nuovo" || cursor != "503" {
		t.Errorf("posts %d (first %q), cursor %q; want only \"nuovo\", cursor 503", len(posts), firstText(posts), cursor)
	}
	if diff := cmp.Diff([]string{"telegram/inps@503"}, advanced); diff != "" {
		t.Errorf("advanced (-want +got):\n%s", diff)
	}
}

func firstText(ps []bot.Post) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[0].Text
}

// freeAddr returns a local address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestReceiveWebhookMode(t *testing.T) {
	addr := freeAddr(t)
	p, s := newPlatform(t, webhookConfig(addr))
	h := &recorder{}
	stop := receive(t, p, "", h)
	waitFor(t, "setWebhook", func() bool { _, ok := s.Webhook(); return ok })
	wh, _ := s.Webhook()
	if wh.Secret != webhookSecret || wh.MaxConnections != 1 || wh.URL != "https://bot.example/tg/hook" {
		t.Errorf("webhook = %+v, want the configured URL and secret, one connection", wh)
	}
	if diff := cmp.Diff([]string{"message", "edited_message", "callback_query"}, wh.AllowedUpdates); diff != "" {
		t.Errorf("allowed updates (-want +got):\n%s", diff)
	}

	// Telegram posts to the public URL; the proxy forwards to ListenAddr.
	post := func(secret string, u tgmodels.Update) int {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/tg/hook", strings.NewReader(updateJSON(t, u)))
		req.Header.Set(telegram.SecretHeader, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("post update: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("wrong", tgmodels.Update{ID: 1, Message: msg(1, pubChat, &citizen, "x")}); got != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d, want 401", got)
	}
	got, err := s.Deliver(t.Context(), "http://"+addr+"/tg/hook", tgmodels.Update{ID: 1, Message: msg(1, pubChat, &citizen, "info NASpI")})
	if err != nil || got != http.StatusOK {
		t.Errorf("update: status %d, %v; want 200", got, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	posts, _, cursor := h.snapshot()
	if len(posts) != 1 || cursor != "2" {
		t.Errorf("posts %d, cursor %q; want 1 post, cursor 2", len(posts), cursor)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("webhook server still listening after Receive returned")
	}
}

func TestReceiveWebhookSetFails(t *testing.T) {
	p, s := newPlatform(t, webhookConfig(freeAddr(t)))
	s.Fail("setWebhook", 1, telegramtest.BadRequest("Bad Request: bad webhook: Failed to resolve host"))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := p.Receive(ctx, "", &recorder{})
	if !errors.Is(err, bot.ErrBadRequest) || !strings.Contains(err.Error(), "set webhook") {
		t.Fatalf("Receive = %v, want a set webhook error wrapping ErrBadRequest", err)
	}
	noSecret(t, err)
}
