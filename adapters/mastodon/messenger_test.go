package mastodon_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/mastodon"
	"github.com/inps-social/inpsbot/adapters/mastodon/mastodontest"
	"github.com/inps-social/inpsbot/bot"
)

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		to      string
		text    string
		buttons []bot.Button
		want    mastodontest.Status
	}{
		{
			name: "direct status to a local moderator",
			to:   "@giulia", text: "Escalation 3: post con dati personali.",
			want: mastodontest.Status{Text: "@giulia Escalation 3: post con dati personali.", Visibility: "direct", Mentions: []string{"giulia"}},
		},
		{
			name: "remote moderator, mention not repeated",
			to:   "@paolo@social.example", text: "@paolo@social.example Proposta 12 in attesa.",
			want: mastodontest.Status{Text: "@paolo@social.example Proposta 12 in attesa.", Visibility: "direct", Mentions: []string{"paolo@social.example"}},
		},
		{
			name: "only the addressee is mentioned",
			to:   "@giulia", text: "Proposta 12 per @mario_rossi, segnalata da @anna@altro.example",
			want: mastodontest.Status{
				Text:       "@giulia Proposta 12 per @\u200bmario_rossi, segnalata da @\u200banna@altro.example",
				Visibility: "direct", Mentions: []string{"giulia"},
			},
		},
		{
			name: "buttons become lines to copy",
			to:   "@giulia", text: "Proposta 12: risposta sulla NASpI.",
			buttons: []bot.Button{
				{Label: "Approva", Command: "/approva 12"},
				{Label: "Rifiuta", Command: "/rifiuta 12"},
				{Command: "/ignora 12"},
			},
			want: mastodontest.Status{
				Text:       "@giulia Proposta 12: risposta sulla NASpI.\n\nApprova: /approva 12\nRifiuta: /rifiuta 12\n/ignora 12",
				Visibility: "direct", Mentions: []string{"giulia"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, nil)
			if err := p.Send(t.Context(), tc.to, tc.text, tc.buttons); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Posted()
			if len(got) != 1 {
				t.Fatalf("posted %d statuses, want 1", len(got))
			}
			if got[0].IdempotencyKey == "" {
				t.Errorf("status posted without an Idempotency-Key")
			}
			want := tc.want
			want.ID, want.IdempotencyKey = got[0].ID, got[0].IdempotencyKey
			if diff := cmp.Diff(want, got[0]); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendIdempotency(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)
	buttons := []bot.Button{{Label: "Chiudi", Command: "/chiudi 3"}}
	// The first attempt is lost on the way back: the server may have
	// published it; the retry must not publish it again.
	srv.Fail(mastodontest.Failure{Method: http.MethodPost, Path: "/api/v1/statuses", Status: http.StatusBadGateway})
	if _, retry := bot.Retryable(p.Send(t.Context(), "@giulia", "Escalation 3.", buttons)); !retry {
		t.Fatalf("Send with a 502 did not ask for a retry")
	}
	for range 2 {
		if err := p.Send(t.Context(), "@giulia", "Escalation 3.", buttons); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Send(t.Context(), "@giulia", "Escalation 4.", buttons); err != nil {
		t.Fatalf("Send of another text: %v", err)
	}
	if err := p.Send(t.Context(), "@paolo", "Escalation 3.", buttons); err != nil {
		t.Fatalf("Send to another moderator: %v", err)
	}
	posted := srv.Posted()
	if len(posted) != 3 {
		t.Fatalf("posted %d statuses, want 3 (the retries of the first published once)", len(posted))
	}
	var keys []string
	for _, r := range srv.Requests() {
		if r.Path == "/api/v1/statuses" {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	if len(keys) != 5 || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Errorf("Idempotency-Keys %q: want the same key on the three attempts of one message", keys)
	}
	if keys[2] == keys[3] || keys[2] == keys[4] || keys[3] == keys[4] {
		t.Errorf("Idempotency-Keys %q: want different keys for a different text or recipient", keys)
	}
	for _, k := range keys {
		if strings.Contains(k, "giulia") || strings.Contains(k, "Escalation") {
			t.Errorf("Idempotency-Key %q holds the recipient or the text", k)
		}
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		to      string
		text    string
		buttons []bot.Button
	}{
		{name: "recipient without @", to: "giulia", text: "Escalation 3."},
		{name: "recipient is a URL", to: "https://social.example/@giulia", text: "Escalation 3."},
		{name: "two recipients", to: "@giulia @paolo", text: "Escalation 3."},
		{name: "empty text", to: "@giulia", text: " "},
		{name: "over the limit", to: "@giulia", text: strings.Repeat("a", mastodontest.MaxChars)},
		{
			name: "over the limit with the buttons", to: "@giulia", text: strings.Repeat("a", mastodontest.MaxChars-30),
			buttons: []bot.Button{{Label: "Approva", Command: "/approva 12"}, {Label: "Rifiuta", Command: "/rifiuta 12"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, nil)
			err := p.Send(t.Context(), tc.to, tc.text, tc.buttons)
			if !errors.Is(err, bot.ErrBadRequest) {
				t.Errorf("Send = %v, want ErrBadRequest", err)
			}
			if err != nil && strings.Contains(err.Error(), "giulia") {
				t.Errorf("error %q names the recipient", err)
			}
			if n := srv.Count(http.MethodPost, "/api/v1/statuses"); n != 0 {
				t.Errorf("status requests = %d, want 0", n)
			}
		})
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   mastodontest.Failure
		wantIs    error
		wantRetry bool
		wantAfter time.Duration
	}{
		{name: "429 with Retry-After", failure: mastodontest.Failure{Status: 429, RetryAfter: 7 * time.Second}, wantRetry: true, wantAfter: 7 * time.Second},
		{name: "500", failure: mastodontest.Failure{Status: 500}, wantRetry: true},
		{name: "401", failure: mastodontest.Failure{Status: 401}, wantIs: bot.ErrForbidden},
		{name: "403", failure: mastodontest.Failure{Status: 403}, wantIs: bot.ErrForbidden},
		{name: "404", failure: mastodontest.Failure{Status: 404}, wantIs: bot.ErrNotFound},
		{name: "422", failure: mastodontest.Failure{Status: 422}, wantIs: bot.ErrBadRequest},
		{name: "hang until the deadline", failure: mastodontest.Failure{Hang: true}, wantIs: context.DeadlineExceeded, wantRetry: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, func(c *mastodon.Config) { c.HTTPTimeout = 300 * time.Millisecond })
			f := tc.failure
			f.Method, f.Path = http.MethodPost, "/api/v1/statuses"
			srv.Fail(f)
			err := p.Send(t.Context(), "@giulia", "Escalation 3: dati personali.", nil)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Send = %v, want %v", err, tc.wantIs)
			}
			after, retry := bot.Retryable(err)
			if retry != tc.wantRetry || after != tc.wantAfter {
				t.Errorf("Retryable(%v) = %s, %t; want %s, %t", err, after, retry, tc.wantAfter, tc.wantRetry)
			}
			if !strings.HasPrefix(err.Error(), "mastodon: send direct status: ") {
				t.Errorf("error %q does not name the operation", err)
			}
			for _, secret := range []string{srv.Token, "giulia", "Escalation"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds %q", err, secret)
				}
			}
		})
	}
}
