package mastodon_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/adapters/mastodon"
	"github.com/inps-social/inpsbot/adapters/mastodon/mastodontest"
	"github.com/inps-social/inpsbot/bot"
)

func TestReceiveConvertsNotifications(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name    string
		mention mastodontest.Mention
		want    func(m mastodontest.Mention, url string) bot.Post
	}{
		{
			name:    "public mention keeps its HTML",
			mention: mastodontest.Mention{Acct: "mario", Text: `<p><span class="h-card"><a href="x">@inps</a></span> come funziona la NASpI?</p>`},
			want: func(m mastodontest.Mention, url string) bot.Post {
				return bot.Post{
					Channel: m.AccountID, Handle: "@mario", Kind: bot.KindMention, Visibility: "public",
					Text: `<p><span class="h-card"><a href="x">@inps</a></span> come funziona la NASpI?</p>`,
					URL:  url + "/@mario/" + m.StatusID,
				}
			},
		},
		{
			name:    "content warning comes first, escaped",
			mention: mastodontest.Mention{Acct: "anna", Text: "<p>il mio caso</p>", SpoilerText: "dati <personali>"},
			want: func(m mastodontest.Mention, url string) bot.Post {
				return bot.Post{
					Channel: m.AccountID, Handle: "@anna", Kind: bot.KindMention, Visibility: "public",
					Text: "<p>dati &lt;personali&gt;</p><p>il mio caso</p>", URL: url + "/@anna/" + m.StatusID,
				}
			},
		},
		{
			name:    "direct visibility is a direct post",
			mention: mastodontest.Mention{Acct: "luca", Text: "<p>privato</p>", Visibility: "direct"},
			want: func(m mastodontest.Mention, url string) bot.Post {
				return bot.Post{
					Channel: m.AccountID, Handle: "@luca", Kind: bot.KindDirect, Visibility: "direct",
					Text: "<p>privato</p>", URL: url + "/@luca/" + m.StatusID,
				}
			},
		},
		{
			name:    "remote author, reply in a thread",
			mention: mastodontest.Mention{Acct: "giulia@mastodon.uno", Text: "<p>grazie</p>", Visibility: "unlisted", InReplyTo: "__thread__"},
			want: func(m mastodontest.Mention, _ string) bot.Post {
				return bot.Post{
					Channel: m.InReplyTo, Handle: "@giulia@mastodon.uno", ReplyTo: m.InReplyTo, Kind: bot.KindMention,
					Visibility: "unlisted", Text: "<p>grazie</p>", URL: "https://mastodon.uno/@giulia/" + m.StatusID,
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
			start := srv.AddMention("someone", "<p>before</p>", "public", "")
			m := tc.mention
			if m.InReplyTo == "__thread__" {
				m.InReplyTo = srv.AddStatus("un post di INPS")
			}
			m.CreatedAt = at
			m = srv.Add(m)

			rec := &recorder{}
			stop := receive(t, p, start.NotificationID, rec)
			eventually(t, "one post", func() bool { return len(rec.ids()) == 1 })
			if err := stop(); err != nil {
				t.Fatalf("Receive: %v", err)
			}

			want := tc.want(m, srv.URL)
			want.Platform, want.Account, want.ID, want.Author = "mastodon", "inps", m.StatusID, m.AccountID
			want.Time, want.Cursor = at, m.NotificationID
			if diff := cmp.Diff(want, rec.posts[0]); diff != "" {
				t.Errorf("post (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReceiveCatchUpPagesOldestFirst(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })

	first := srv.AddMention("a", "<p>old</p>", "public", "")
	var want []string
	for i := range 90 {
		if i == 30 {
			// Other notification types and the account's own statuses are
			// not posts; a mention held by the notification policy is.
			srv.Add(mastodontest.Mention{Acct: "fan", Type: "favourite"})
			want = append(want, srv.Add(mastodontest.Mention{Acct: "stranger", Text: "<p>nuovo</p>", Filtered: true}).StatusID)
		}
		want = append(want, srv.AddMention(fmt.Sprintf("u%d", i), "<p>domanda</p>", "public", "").StatusID)
	}

	rec := &recorder{}
	stop := receive(t, p, first.NotificationID, rec)
	eventually(t, "every mention", func() bool { return len(rec.ids()) >= len(want) })
	time.Sleep(150 * time.Millisecond) // a few more catch-ups
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if diff := cmp.Diff(want, rec.ids()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	// Cursors only grow, in numeric order (ids cross from 2 to 3 digits).
	for i := 1; i < len(rec.posts); i++ {
		prev, cur := rec.posts[i-1].Cursor, rec.posts[i].Cursor
		if len(cur) < len(prev) || (len(cur) == len(prev) && cur <= prev) {
			t.Fatalf("cursor %s after %s", cur, prev)
		}
	}
	var minIDs []string
	for _, r := range srv.Requests() {
		if r.Path == "/api/v1/notifications" {
			if got := r.Query["types[]"]; !slices.Equal(got, []string{"mention"}) {
				t.Errorf("types[] = %v, want [mention]", got)
			}
			if r.Query.Get("include_filtered") != "true" {
				t.Errorf("include_filtered = %q, want true", r.Query.Get("include_filtered"))
			}
			minIDs = append(minIDs, r.Query.Get("min_id"))
		}
	}
	if len(minIDs) < 3 || minIDs[0] != first.NotificationID || minIDs[1] == minIDs[0] || minIDs[2] == minIDs[1] {
		t.Errorf("min_id of the first pages = %v, want %s then the end of each page", minIDs[:min(3, len(minIDs))], first.NotificationID)
	}
}

func TestReceiveFirstStart(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
	srv.Add(mastodontest.Mention{Acct: "old", Text: "<p>vecchio</p>", CreatedAt: time.Now().Add(-48 * time.Hour)})
	recent := srv.AddMention("new", "<p>recente</p>", "public", "")

	rec := &recorder{}
	stop := receive(t, p, "", rec)
	eventually(t, "the recent mention", func() bool { return len(rec.ids()) == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if diff := cmp.Diff([]string{recent.StatusID}, rec.ids()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

func TestReceiveStreamAndCatchUpDeliverOnce(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, nil)
	start := srv.AddMention("a", "<p>prima</p>", "public", "")

	rec := &recorder{}
	stop := receive(t, p, start.NotificationID, rec)
	eventually(t, "the stream", func() bool { return srv.OpenStreams() == 1 })
	var want []string
	for i := range 20 {
		want = append(want, srv.AddMention(fmt.Sprintf("u%d", i), "<p>domanda</p>", "public", "").StatusID)
		time.Sleep(7 * time.Millisecond) // interleave with the catch-ups
	}
	last := srv.AddMention("z", "<p>ultima</p>", "public", "")
	want = append(want, last.StatusID)
	eventually(t, "every mention", func() bool { return len(rec.ids()) >= len(want) })
	eventually(t, "the cursor to reach the last mention", func() bool { return rec.position() == last.NotificationID })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if diff := cmp.Diff(want, rec.ids()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

func TestReceiveReconnectsAfterDrop(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.PollInterval = time.Hour }) // only (re)connections catch up
	start := srv.AddMention("a", "<p>prima</p>", "public", "")

	rec := &recorder{}
	stop := receive(t, p, start.NotificationID, rec)
	eventually(t, "the stream", func() bool { return srv.OpenStreams() == 1 })
	m1 := srv.AddMention("b", "<p>uno</p>", "public", "")
	eventually(t, "the first mention", func() bool { return len(rec.ids()) == 1 })

	srv.SetStreaming(false)
	srv.DropStream()
	eventually(t, "the drop", func() bool { return srv.OpenStreams() == 0 })
	m2 := srv.AddMention("c", "<p>due</p>", "public", "")
	m3 := srv.AddMention("d", "<p>tre</p>", "direct", "")
	srv.SetStreaming(true)
	eventually(t, "the mentions posted meanwhile", func() bool { return len(rec.ids()) == 3 })
	eventually(t, "the new stream", func() bool { return srv.OpenStreams() == 1 })
	m4 := srv.AddMention("e", "<p>quattro</p>", "public", "")
	eventually(t, "the mention after the reconnection", func() bool { return len(rec.ids()) == 4 })
	time.Sleep(50 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	want := []string{m1.StatusID, m2.StatusID, m3.StatusID, m4.StatusID}
	if diff := cmp.Diff(want, rec.ids()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	if n := srv.StreamDials(); n < 2 {
		t.Errorf("stream dials = %d, want at least 2", n)
	}
}

func TestReceivePollingOnly(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
	start := srv.AddMention("a", "<p>prima</p>", "public", "")
	rec := &recorder{}
	stop := receive(t, p, start.NotificationID, rec)
	m := srv.AddMention("b", "<p>dopo</p>", "public", "")
	eventually(t, "the mention", func() bool { return len(rec.ids()) == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if diff := cmp.Diff([]string{m.StatusID}, rec.ids()); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
	if n := srv.Count("GET", "/api/v1/streaming"); n != 0 {
		t.Errorf("stream requests = %d, want 0", n)
	}
}

func TestReceiveWithoutStreamingEndpoint(t *testing.T) {
	srv := mastodontest.NewServer(t)
	srv.SetStreaming(false)
	p := newPlatform(t, srv, nil)
	start := srv.AddMention("a", "<p>prima</p>", "public", "")
	rec := &recorder{}
	receive(t, p, start.NotificationID, rec)
	m := srv.AddMention("b", "<p>dopo</p>", "public", "")
	eventually(t, "the mention through the catch-up", func() bool { return slices.Equal(rec.ids(), []string{m.StatusID}) })
}

func TestReceiveForbiddenStopsPromptly(t *testing.T) {
	for _, streaming := range []bool{true, false} {
		t.Run(fmt.Sprintf("streaming %t", streaming), func(t *testing.T) {
			srv := mastodontest.NewServer(t)
			p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = streaming })
			srv.Revoke()
			before := len(srv.Requests())

			done := make(chan error, 1)
			go func() { done <- p.Receive(t.Context(), "100", &recorder{}) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Second):
				t.Fatal("Receive still running 2s after the token was revoked")
			}
			if !errors.Is(err, bot.ErrForbidden) {
				t.Errorf("Receive = %v, want ErrForbidden", err)
			}
			if strings.Contains(err.Error(), srv.Token) {
				t.Errorf("error %q holds the token", err)
			}
			if n := len(srv.Requests()) - before; n > 2 {
				t.Errorf("%d requests after the revocation, want at most 2", n)
			}
		})
	}
}

func TestReceiveRetriesTransientFailures(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
	start := srv.AddMention("a", "<p>prima</p>", "public", "")
	m := srv.AddMention("b", "<p>dopo</p>", "public", "")
	srv.Fail(mastodontest.Failure{Path: "/api/v1/notifications", Status: 502, Times: 2})
	srv.Fail(mastodontest.Failure{Path: "/api/v1/notifications", Status: 429, RateLimit: time.Second})

	rec := &recorder{}
	receive(t, p, start.NotificationID, rec)
	eventually(t, "the mention after the failures", func() bool { return slices.Equal(rec.ids(), []string{m.StatusID}) })
}

func TestReceiveRateLimitWaits(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
	srv.Fail(mastodontest.Failure{Path: "/api/v1/notifications", Status: 429, RateLimit: time.Minute, Times: -1})
	receive(t, p, "100", &recorder{})
	time.Sleep(300 * time.Millisecond)
	if n := srv.Count("GET", "/api/v1/notifications"); n != 1 {
		t.Errorf("notification requests within the rate limit window = %d, want 1", n)
	}
}

func TestReceiveHandlerErrorEndsReceive(t *testing.T) {
	srv := mastodontest.NewServer(t)
	p := newPlatform(t, srv, func(c *mastodon.Config) { c.Streaming = false })
	start := srv.AddMention("a", "<p>prima</p>", "public", "")
	srv.AddMention("b", "<p>dopo</p>", "public", "")
	storeDown := errors.New("store down")
	err := p.Receive(t.Context(), start.NotificationID, &recorder{fail: storeDown})
	if !errors.Is(err, storeDown) {
		t.Errorf("Receive = %v, want the handler's error", err)
	}
}
