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

// postOf returns the post the adapter would deliver for m.
func postOf(m mastodontest.Mention, visibility string) bot.Post {
	return bot.Post{
		Platform: "mastodon", Account: "inps", ID: m.StatusID, Author: m.AccountID,
		Handle: "@" + m.Acct, ReplyTo: m.InReplyTo, Visibility: visibility,
	}
}

func TestReply(t *testing.T) {
	tests := []struct {
		name       string
		acct       string
		visibility string
		post       func(bot.Post) bot.Post // edits the post handed to Reply
		text       string
		want       mastodontest.Status
	}{
		{
			name: "public becomes unlisted", acct: "mario", visibility: "public",
			text: "@mario Per la NASpI consulta https://www.inps.it/naspi",
			want: mastodontest.Status{Text: "@mario Per la NASpI consulta https://www.inps.it/naspi", Visibility: "unlisted", Mentions: []string{"mario"}},
		},
		{
			name: "unlisted stays unlisted, handle added when missing", acct: "anna", visibility: "unlisted",
			text: "Ciao, trovi tutto su https://www.inps.it",
			want: mastodontest.Status{Text: "@anna Ciao, trovi tutto su https://www.inps.it", Visibility: "unlisted", Mentions: []string{"anna"}},
		},
		{
			name: "private stays private", acct: "luca", visibility: "private",
			text: "@luca risposta",
			want: mastodontest.Status{Text: "@luca risposta", Visibility: "private", Mentions: []string{"luca"}},
		},
		{
			name: "direct stays direct, remote handle kept whole", acct: "giulia@mastodon.uno", visibility: "direct",
			text: "@giulia@mastodon.uno contatta il Contact Center",
			want: mastodontest.Status{Text: "@giulia@mastodon.uno contatta il Contact Center", Visibility: "direct", Mentions: []string{"giulia@mastodon.uno"}},
		},
		{
			name: "nobody else is mentioned", acct: "paolo", visibility: "public",
			text: "@paolo chiedi a @inps_helpdesk o scrivi a info@example.it",
			want: mastodontest.Status{Text: "@paolo chiedi a @\u200binps_helpdesk o scrivi a info@example.it", Visibility: "unlisted", Mentions: []string{"paolo"}},
		},
		{
			name: "visibility and handle read from the status when unknown", acct: "sara", visibility: "private",
			post: func(p bot.Post) bot.Post { p.Visibility, p.Handle = "", ""; return p },
			text: "risposta",
			want: mastodontest.Status{Text: "@sara risposta", Visibility: "private", Mentions: []string{"sara"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, nil)
			m := srv.AddMention(tc.acct, "<p>domanda</p>", tc.visibility, "")
			to := postOf(m, tc.visibility)
			if tc.post != nil {
				to = tc.post(to)
			}
			if err := p.Reply(t.Context(), to, tc.text, "key-1"); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			got := srv.Posted()
			if len(got) != 1 {
				t.Fatalf("posted %d statuses, want 1", len(got))
			}
			want := tc.want
			want.ID, want.InReplyTo, want.IdempotencyKey = got[0].ID, m.StatusID, "key-1"
			if diff := cmp.Diff(want, got[0]); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplyRetryWithSameKeyPostsOnce(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)
	m := srv.AddMention("mario", "<p>domanda</p>", "public", "")
	for range 3 {
		if err := p.Reply(t.Context(), postOf(m, "public"), "@mario risposta", "action-7"); err != nil {
			t.Fatalf("Reply: %v", err)
		}
	}
	if n := len(srv.Posted()); n != 1 {
		t.Errorf("posted %d statuses, want 1", n)
	}
	if n := srv.Count("POST", "/api/v1/statuses"); n != 3 {
		t.Errorf("status requests = %d, want 3", n)
	}
	for _, r := range srv.Requests() {
		if r.Path == "/api/v1/statuses" && r.IdempotencyKey != "action-7" {
			t.Errorf("Idempotency-Key = %q, want action-7", r.IdempotencyKey)
		}
	}
}

func TestReplyTooLong(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)
	m := srv.AddMention("mario", "<p>domanda</p>", "public", "")
	// Links count 23 characters whatever their length.
	ok := "@mario " + strings.Repeat("a", 400) + " https://www.inps.it/" + strings.Repeat("x", 200)
	if err := p.Reply(t.Context(), postOf(m, "public"), ok, "k1"); err != nil {
		t.Errorf("Reply of %d runes with a long link: %v", len(ok), err)
	}
	long := "@mario " + strings.Repeat("a", 500)
	if err := p.Reply(t.Context(), postOf(m, "public"), long, "k2"); !errors.Is(err, bot.ErrBadRequest) {
		t.Errorf("Reply over the limit = %v, want ErrBadRequest", err)
	}
}

func TestNotify(t *testing.T) {
	tests := []struct {
		name   string
		handle bool
		text   string
	}{
		{name: "with the handle", handle: true, text: "@mario il tuo post contiene dati personali: ti chiediamo di cancellarlo."},
		{name: "handle looked up by account id", handle: false, text: "il tuo post contiene dati personali: ti chiediamo di cancellarlo."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, nil)
			m := srv.AddMention("mario", "<p>il mio codice fiscale è ...</p>", "public", "")
			about := postOf(m, "public")
			if !tc.handle {
				about.Handle = ""
			}
			if err := p.Notify(t.Context(), about, tc.text, "notify-1"); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			want := []mastodontest.Status{{
				Text: "@mario il tuo post contiene dati personali: ti chiediamo di cancellarlo.", Visibility: "direct",
				Mentions: []string{"mario"}, IdempotencyKey: "notify-1",
			}}
			if diff := cmp.Diff(want, srv.Posted(), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHide(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*mastodon.Config)
		pending bool // the reply waits for approval
		deleted bool // the author deleted it
		self    bool // the account's own status
		want    bot.HideOutcome
		wantErr error
		reports []mastodontest.Report
		reject  bool
	}{
		{
			name: "reported with the configured comment, category and forwarding",
			cfg: func(c *mastodon.Config) {
				c.ReportCategory, c.ReportComment, c.ReportForward = "legal", "dati personali", true
			},
			want:    bot.HideReported,
			reports: []mastodontest.Report{{Comment: "dati personali", Category: "legal", Forward: true}},
		},
		{
			name:    "default comment",
			want:    bot.HideReported,
			reports: []mastodontest.Report{{Comment: mastodon.DefaultReportComment}},
		},
		{
			name:    "pending reply rejected and reported",
			cfg:     func(c *mastodon.Config) { c.RejectReplies = true },
			pending: true,
			want:    bot.HideRejected,
			reports: []mastodontest.Report{{Comment: mastodon.DefaultReportComment}},
			reject:  true,
		},
		{
			name:    "reply not pending: reported only",
			cfg:     func(c *mastodon.Config) { c.RejectReplies = true },
			want:    bot.HideReported,
			reports: []mastodontest.Report{{Comment: mastodon.DefaultReportComment}},
		},
		{
			name:    "status deleted meanwhile",
			deleted: true,
			wantErr: bot.ErrNotFound,
		},
		{
			name: "report refused: only the author can act",
			self: true,
			want: bot.HideInvited,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, tc.cfg)
			thread := srv.AddStatus("post INPS")
			m := srv.AddMention("mario", "<p>CF RSSMRA80A01H501U</p>", "public", thread)
			post := postOf(m, "public")
			if tc.pending {
				srv.AddPendingReply(m.StatusID)
			}
			if tc.deleted {
				srv.DeleteStatus(m.StatusID)
			}
			if tc.self {
				post.Author = mastodontest.SelfID
			}
			got, err := p.Hide(t.Context(), post, "hide-1")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Hide error = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("Hide = %q, want %q", got, tc.want)
			}
			var reports []mastodontest.Report
			for _, r := range tc.reports {
				r.AccountID, r.StatusIDs = m.AccountID, []string{m.StatusID}
				reports = append(reports, r)
			}
			if diff := cmp.Diff(reports, srv.Reports()); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
			var rejected []string
			if tc.reject {
				rejected = []string{m.StatusID}
			}
			if diff := cmp.Diff(rejected, srv.Rejected()); diff != "" {
				t.Errorf("rejected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   mastodontest.Failure
		wantIs    error
		wantRetry bool
		wantAfter time.Duration
	}{
		{name: "429 with X-RateLimit-Reset", failure: mastodontest.Failure{Status: 429, RateLimit: 30 * time.Second}, wantRetry: true, wantAfter: 30 * time.Second},
		{name: "429 with Retry-After", failure: mastodontest.Failure{Status: 429, RetryAfter: 7 * time.Second}, wantRetry: true, wantAfter: 7 * time.Second},
		{name: "429 without headers", failure: mastodontest.Failure{Status: 429}, wantRetry: true},
		{name: "500", failure: mastodontest.Failure{Status: 500}, wantRetry: true},
		{name: "503", failure: mastodontest.Failure{Status: 503}, wantRetry: true},
		{name: "404", failure: mastodontest.Failure{Status: 404}, wantIs: bot.ErrNotFound},
		{name: "401", failure: mastodontest.Failure{Status: 401}, wantIs: bot.ErrForbidden},
		{name: "403", failure: mastodontest.Failure{Status: 403}, wantIs: bot.ErrForbidden},
		{name: "422", failure: mastodontest.Failure{Status: 422}, wantIs: bot.ErrBadRequest},
		{name: "400", failure: mastodontest.Failure{Status: 400}, wantIs: bot.ErrBadRequest},
		{name: "hang until the deadline", failure: mastodontest.Failure{Hang: true}, wantIs: context.DeadlineExceeded, wantRetry: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, func(c *mastodon.Config) { c.HTTPTimeout = 300 * time.Millisecond })
			m := srv.AddMention("mario", "<p>domanda</p>", "public", "")
			f := tc.failure
			f.Method, f.Path = http.MethodPost, "/api/v1/statuses"
			srv.Fail(f)

			start := time.Now()
			err := p.Reply(t.Context(), postOf(m, "public"), "@mario risposta", "k")
			if err == nil {
				t.Fatal("Reply succeeded, want an error")
			}
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Reply took %s", elapsed)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Reply = %v, want %v", err, tc.wantIs)
			}
			after, retry := bot.Retryable(err)
			if retry != tc.wantRetry || after != tc.wantAfter {
				t.Errorf("Retryable(%v) = %s, %t; want %s, %t", err, after, retry, tc.wantAfter, tc.wantRetry)
			}
			if strings.Contains(err.Error(), srv.Token) {
				t.Errorf("error %q holds the token", err)
			}
			if !strings.HasPrefix(err.Error(), "mastodon: reply to status "+m.StatusID+": ") {
				t.Errorf("error %q does not name the operation", err)
			}
			if n := srv.Count("POST", "/api/v1/statuses"); n != 1 {
				t.Errorf("status requests = %d, want 1 (no retry inside the call)", n)
			}
		})
	}
}

func TestNew(t *testing.T) {
	srv := mastodontest.NewServer(t)
	tests := []struct {
		name      string
		cfg       mastodon.Config
		wantIs    error
		wantRetry bool
	}{
		{name: "bad token", cfg: mastodon.Config{Account: "inps", Server: srv.URL, Token: "wrong-secret-token"}, wantIs: bot.ErrForbidden},
		{name: "unreachable server", cfg: mastodon.Config{Account: "inps", Server: "http://127.0.0.1:1", Token: "wrong-secret-token", HTTPTimeout: time.Second}, wantRetry: true},
		{name: "invalid config", cfg: mastodon.Config{Account: "inps", Server: "ftp://x", Token: "wrong-secret-token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mastodon.New(t.Context(), tc.cfg)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("New = %v, want %v", err, tc.wantIs)
			}
			if _, retry := bot.Retryable(err); retry != tc.wantRetry {
				t.Errorf("New = %v, retryable %t, want %t", err, retry, tc.wantRetry)
			}
			if !strings.Contains(err.Error(), "account inps") {
				t.Errorf("error %q does not name the account", err)
			}
			if strings.Contains(err.Error(), "wrong-secret-token") {
				t.Errorf("error %q holds the token", err)
			}
		})
	}

	p, err := mastodon.New(t.Context(), mastodon.Config{Account: "inps", Server: srv.URL, Token: srv.Token})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p.Name() != "mastodon" || p.Account() != "inps" || !p.Idempotent() {
		t.Errorf("Name, Account, Idempotent = %q, %q, %t", p.Name(), p.Account(), p.Idempotent())
	}
}
