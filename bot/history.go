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
	latest    time.Time // newest post time seen
	adds      int
}

// sweepEvery is how many posts pass between two sweeps of the authors
// whose posts have all left the window.
const sweepEvery = 4096

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
	if p.Time.After(h.latest) {
		h.latest = p.Time
	}
	if h.adds++; h.adds%sweepEvery == 0 {
		h.sweep()
	}
}

// sweep forgets the authors whose newest post is out of the window, so
// that memory follows the number of recent authors, not of all authors.
func (h *History) sweep() {
	if h.latest.IsZero() {
		return
	}
	cutoff := h.latest.Add(-h.window)
	for k, kept := range h.authors {
		if last := kept[len(kept)-1].at; !last.IsZero() && last.Before(cutoff) {
			delete(h.authors, k)
		}
	}
}

// Authors is how many authors the history holds.
func (h *History) Authors() int { return len(h.authors) }
