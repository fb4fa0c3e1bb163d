package bot

import (
	"time"

	"github.com/inps-social/inpsbot/bot/rules"
)

// History keeps recent fingerprints per (platform, author) in memory, for
// batch runs where no store is at hand (classify, eval). Each author keeps
// at most PerAuthor fingerprints within Window of the newest post. It is
// not safe for concurrent use.
type History struct {
	window    time.Duration
	perAuthor int
	authors   map[string][]stamped
}

type stamped struct {
	at time.Time
	fp rules.Fingerprint
}

// NewHistory returns an empty History with the repeat window and the
// per-author bound of rc.
func NewHistory(rc rules.RepeatConfig) *History {
	return &History{window: rc.Window, perAuthor: rc.PerAuthor, authors: make(map[string][]stamped)}
}

func historyKey(p Post) string { return p.Platform + "\x00" + p.Author }

// Earlier returns the fingerprints of p's author on p's platform within
// the window before p.Time (all kept ones when p has no time).
func (h *History) Earlier(p Post) []rules.Fingerprint {
	if p.Author == "" {
		return nil
	}
	kept := h.authors[historyKey(p)]
	out := make([]rules.Fingerprint, 0, len(kept))
	for _, s := range kept {
		if p.Time.IsZero() || s.at.IsZero() || p.Time.Sub(s.at) <= h.window {
			out = append(out, s.fp)
		}
	}
	return out
}

// Add remembers fp as p's author's latest post.
func (h *History) Add(p Post, fp rules.Fingerprint) {
	if p.Author == "" {
		return
	}
	k := historyKey(p)
	kept := append(h.authors[k], stamped{at: p.Time, fp: fp})
	if len(kept) > h.perAuthor {
		kept = kept[len(kept)-h.perAuthor:]
	}
	h.authors[k] = kept
}
