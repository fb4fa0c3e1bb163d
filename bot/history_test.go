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
