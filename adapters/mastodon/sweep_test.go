package mastodon_test

import (
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

// swept is what a test checks of a post Sweep delivered.
type swept struct {
	ID, Author, Channel, ReplyTo, Cursor string
	Kind                                 bot.PostKind
}

func TestSweep(t *testing.T) {
	errStore := errors.New("store down")
	tests := []struct {
		name string
		edit func(*mastodon.Config)
		// setup builds the threads and scripts failures; it returns the
		// posts Sweep must deliver, in order.
		setup      func(t *testing.T, srv *mastodontest.Server, p *mastodon.Platform) []swept
		handlerErr error
		wantErr    func(error) bool
	}{
		{
			name: "replies without a notification, nested replies and mentions, not the account's own",
			setup: func(t *testing.T, srv *mastodontest.Server, p *mastodon.Platform) []swept {
				thread := srv.AddStatus("Novità sull'assegno unico")
				quiet := srv.AddReply("mario", "<p>E per chi ha figli maggiorenni?</p>", thread)
				nested := srv.AddReply("anna@mastodon.uno", "<p>Me lo chiedo anche io</p>", quiet)
				mention := srv.AddMention("luca", "<p>@inps come si rinnova?</p>", "public", thread)
				direct := srv.Add(mastodontest.Mention{Acct: "sara", Text: "<p>@inps il mio caso</p>", Visibility: "direct", InReplyTo: thread})
				// The account's own answer is in the thread and among its
				// statuses, and is never delivered.
				if err := p.Reply(t.Context(), bot.Post{ID: quiet, Handle: "@mario", Visibility: "public"}, "@mario Sì, fino a 21 anni.", "k1"); err != nil {
					t.Fatalf("Reply: %v", err)
				}
				srv.AddStatus("Un post senza risposte")
				return []swept{
					{ID: quiet, Author: accountOf(srv, "mario"), Channel: thread, ReplyTo: thread, Kind: bot.KindComment},
					{ID: nested, Author: accountOf(srv, "anna@mastodon.uno"), Channel: quiet, ReplyTo: quiet, Kind: bot.KindComment},
					{ID: mention.StatusID, Author: mention.AccountID, Channel: thread, ReplyTo: thread, Kind: bot.KindMention},
					{ID: direct.StatusID, Author: direct.AccountID, Channel: thread, ReplyTo: thread, Kind: bot.KindDirect},
				}
			},
		},
		{
			name: "a status deleted meanwhile is skipped",
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				gone := srv.AddStatus("Un post poi cancellato")
				srv.AddReply("mario", "<p>risposta</p>", gone)
				kept := srv.AddStatus("Un post che resta")
				reply := srv.AddReply("anna", "<p>una domanda sulla NASpI</p>", kept)
				srv.Fail(mastodontest.Failure{Method: http.MethodGet, Path: "/api/v1/statuses/" + gone + "/context", Status: http.StatusNotFound})
				return []swept{{ID: reply, Author: accountOf(srv, "anna"), Channel: kept, ReplyTo: kept, Kind: bot.KindComment}}
			},
		},
		{
			name: "a refused token ends the sweep",
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				srv.AddReply("mario", "<p>risposta</p>", srv.AddStatus("Un post"))
				srv.Revoke()
				return nil
			},
			wantErr: func(err error) bool { return errors.Is(err, bot.ErrForbidden) },
		},
		{
			name: "a refused context ends the sweep",
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				thread := srv.AddStatus("Un post")
				srv.AddReply("mario", "<p>risposta</p>", thread)
				srv.Fail(mastodontest.Failure{Path: "/api/v1/statuses/" + thread + "/context", Status: http.StatusUnauthorized})
				return nil
			},
			wantErr: func(err error) bool { return errors.Is(err, bot.ErrForbidden) },
		},
		{
			name: "a busy server is worth another sweep",
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				srv.Fail(mastodontest.Failure{Path: "/api/v1/accounts/" + mastodontest.SelfID + "/statuses", Status: http.StatusServiceUnavailable})
				return nil
			},
			wantErr: func(err error) bool { _, ok := bot.Retryable(err); return ok },
		},
		{
			name: "a call that hangs meets its deadline",
			edit: func(c *mastodon.Config) { c.HTTPTimeout = 200 * time.Millisecond },
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				thread := srv.AddStatus("Un post")
				srv.Fail(mastodontest.Failure{Path: "/api/v1/statuses/" + thread + "/context", Hang: true})
				return nil
			},
			wantErr: func(err error) bool { _, ok := bot.Retryable(err); return ok },
		},
		{
			name: "a handler error ends the sweep",
			setup: func(t *testing.T, srv *mastodontest.Server, _ *mastodon.Platform) []swept {
				srv.AddReply("mario", "<p>risposta</p>", srv.AddStatus("Un post"))
				return nil
			},
			handlerErr: errStore,
			wantErr:    func(err error) bool { return errors.Is(err, errStore) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, tc.edit)
			want := tc.setup(t, srv, p)
			rec := &recorder{fail: tc.handlerErr}

			start := time.Now()
			err := p.Sweep(t.Context(), rec)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			if tc.wantErr != nil && (err == nil || !tc.wantErr(err)) {
				t.Fatalf("Sweep error = %v, want the one %q expects", err, tc.name)
			}
			if err != nil && strings.Contains(err.Error(), srv.Token) {
				t.Errorf("error %q holds the token", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Sweep took %s", d)
			}
			if diff := cmp.Diff(want, sweptOf(rec)); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSweepRequests checks what Sweep asks the server, and that posts
// already delivered come again, unchanged, at the next sweep.
func TestSweepRequests(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)
	for range 25 {
		srv.AddReply("mario", "<p>risposta</p>", srv.AddStatus("Un post"))
	}
	first, second := &recorder{}, &recorder{}
	for _, rec := range []*recorder{first, second} {
		if err := p.Sweep(t.Context(), rec); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
	if got := len(first.ids()); got != 20 {
		t.Errorf("delivered %d replies, want those under the 20 latest statuses", got)
	}
	if diff := cmp.Diff(first.ids(), second.ids()); diff != "" {
		t.Errorf("second sweep (-first +second):\n%s", diff)
	}
	lists, contexts := 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Path == "/api/v1/accounts/"+mastodontest.SelfID+"/statuses":
			lists++
			if r.Query.Get("limit") != "20" || r.Query.Get("exclude_reblogs") != "true" {
				t.Errorf("statuses listed with %v, want limit=20 and exclude_reblogs=true", r.Query)
			}
		case strings.HasSuffix(r.Path, "/context"):
			contexts++
		}
	}
	if lists != 2 || contexts != 40 {
		t.Errorf("%d lists and %d context reads, want 2 and 40", lists, contexts)
	}
}

// accountOf returns the id of the account acct on srv.
func accountOf(srv *mastodontest.Server, acct string) string {
	id, _ := srv.AccountID(acct)
	return id
}

// sweptOf returns what the recorder was given, as swept values.
func sweptOf(r *recorder) []swept {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []swept
	for _, p := range r.posts {
		out = append(out, swept{ID: p.ID, Author: p.Author, Channel: p.Channel, ReplyTo: p.ReplyTo, Cursor: p.Cursor, Kind: p.Kind})
	}
	return out
}
