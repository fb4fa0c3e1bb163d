package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
)

func TestHistoryKeepsOnlyTheWindow(t *testing.T) {
	rc := rules.RepeatConfig{Window: time.Hour, PerAuthor: 3}
	h := bot.NewHistory(rc)
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	fp := rules.Fingerprint{Shingles: []uint64{1}, Tokens: 5}
	// 20,000 authors, one post a second: at most the last hour's authors stay.
	for i := range 20000 {
		p := bot.Post{Platform: "telegram", Author: fmt.Sprint(i), Time: t0.Add(time.Duration(i) * time.Second)}
		h.Add(p, fp)
	}
	if n := h.Authors(); n > 3600+4096 {
		t.Errorf("history holds %d authors, want those of the last hour (plus one sweep's worth)", n)
	}
	// One author's posts: only PerAuthor kept, only within the window.
	p := bot.Post{Platform: "telegram", Author: "x"}
	for i := range 5 {
		p.Time = t0.Add(time.Duration(i) * 20 * time.Minute)
		h.Add(p, fp)
	}
	p.Time = t0.Add(101 * time.Minute)
	if got := len(h.Earlier(p)); got != 2 {
		t.Errorf("Earlier = %d fingerprints, want 2 (at most 3 kept, 2 within the hour)", got)
	}
	if got := h.Earlier(bot.Post{Platform: "telegram"}); got != nil {
		t.Errorf("a post without author has history %v", got)
	}
}

// TestHistoryAddAfterEarlier: Add reuses the author Earlier looked up only
// for the same author, and only once.
func TestHistoryAddAfterEarlier(t *testing.T) {
	h := bot.NewHistory(rules.RepeatConfig{Window: time.Hour, PerAuthor: 5})
	fp := rules.Fingerprint{Shingles: []uint64{1}, Tokens: 5}
	a := bot.Post{Platform: "telegram", Author: "anna"}
	b := bot.Post{Platform: "telegram", Author: "bruno"}
	bm := bot.Post{Platform: "mastodon", Author: "bruno"}
	h.Earlier(a) // anna is unknown
	h.Add(b, fp) // bruno's post, not anna's
	h.Add(a, fp)
	h.Add(a, fp) // anna is known now, whatever Earlier found before
	h.Earlier(b)
	h.Add(bm, fp) // same author name, other platform
	for _, tc := range []struct {
		p    bot.Post
		want int
	}{{a, 2}, {b, 1}, {bm, 1}} {
		if got := len(h.Earlier(tc.p)); got != tc.want {
			t.Errorf("Earlier(%s/%s) = %d fingerprints, want %d", tc.p.Platform, tc.p.Author, got, tc.want)
		}
	}
	if n := h.Authors(); n != 3 {
		t.Errorf("history holds %d authors, want 3", n)
	}
}
