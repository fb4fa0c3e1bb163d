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
	authors   map[historyKey]*authorPosts
	latest    time.Time // newest post time seen
	adds      int
	earlier   []rules.Fingerprint // Earlier's result, reused
	// dues holds, for every add with a time, when its author may leave:
	// a min-heap on at, so that a sweep visits only the authors whose
	// newest post may have left the window. While posts come in time
	// order (duesSorted) it is kept sorted instead, which is also a
	// min-heap, and pushes and pops are O(1).
	dues       []due
	duesSorted bool
	// looked is the author Earlier last looked up (nil when absent), for
	// the Add of the same post that follows it; lookedOK says it holds.
	lookedKey historyKey
	looked    *authorPosts
	lookedOK  bool
}

type due struct {
	at time.Time
	a  *authorPosts
}

// sweepEvery is how many posts pass between two sweeps of the authors
// whose posts have all left the window.
const sweepEvery = 4096

// authorPosts are the kept posts of one author, oldest first.
type authorPosts struct {
	key   historyKey
	kept  []stamped
	gone  bool       // swept from the map
	first [1]stamped // kept's first array: most authors post once
}

type stamped struct {
	at time.Time
	fp rules.Fingerprint
}

// NewHistory returns an empty History with the repeat window and the
// per-author bound of rc.
func NewHistory(rc rules.RepeatConfig) *History {
	return &History{window: rc.Window, perAuthor: rc.PerAuthor, authors: make(map[historyKey]*authorPosts), duesSorted: true}
}

// historyKey identifies an author on a platform.
type historyKey struct{ platform, author string }

func keyOf(p Post) historyKey { return historyKey{p.Platform, p.Author} }

// Earlier returns the fingerprints of p's author on p's platform within
// the window before p.Time (all kept ones when p has no time). The slice
// is valid until the next call of Earlier.
func (h *History) Earlier(p Post) []rules.Fingerprint {
	if p.Author == "" {
		return nil
	}
	var kept []stamped
	a := h.authors[keyOf(p)]
	if a != nil {
		kept = a.kept
	}
	h.lookedKey, h.looked, h.lookedOK = keyOf(p), a, true
	clear(h.earlier)
	out := h.earlier[:0]
	for i, s := range kept {
		if p.Time.IsZero() || s.at.IsZero() || p.Time.Sub(s.at) <= h.window {
			// Settle the kept copy, so that its shingles are sorted once
			// for all the comparisons to come.
			kept[i].fp = s.fp.Settled()
			out = append(out, kept[i].fp)
		}
	}
	h.earlier = out
	return out
}

// Add remembers fp as p's author's latest post.
func (h *History) Add(p Post, fp rules.Fingerprint) {
	if p.Author == "" {
		return
	}
	var a *authorPosts
	if key := keyOf(p); h.lookedOK && key == h.lookedKey {
		a = h.looked
	} else {
		a = h.authors[key]
	}
	h.lookedOK, h.looked = false, nil
	if a == nil {
		// The map keeps its own copy of a new key, not the post's strings.
		both := p.Platform + p.Author
		a = &authorPosts{key: historyKey{both[:len(p.Platform)], both[len(p.Platform):]}}
		a.kept = a.first[:0]
		h.authors[a.key] = a
	}
	a.kept = append(a.kept, stamped{at: p.Time, fp: fp})
	if len(a.kept) > h.perAuthor {
		a.kept = a.kept[len(a.kept)-h.perAuthor:]
	}
	if !p.Time.IsZero() {
		h.pushDue(due{p.Time, a})
	}
	if p.Time.After(h.latest) {
		h.latest = p.Time
	}
	if h.adds++; h.adds%sweepEvery == 0 {
		h.sweep()
	}
}

// sweep forgets the authors whose newest post is out of the window, so
// that memory follows the number of recent authors, not of all authors.
// An author's newest post always has its entry in dues until a sweep
// visits it, so the authors visited are all those that may have left.
func (h *History) sweep() {
	if h.latest.IsZero() {
		return
	}
	cutoff := h.latest.Add(-h.window)
	for len(h.dues) > 0 && h.dues[0].at.Before(cutoff) {
		a := h.popDue().a
		if a.gone {
			continue
		}
		if last := a.kept[len(a.kept)-1].at; !last.IsZero() && last.Before(cutoff) {
			delete(h.authors, a.key)
			a.gone = true
		}
	}
	if len(h.dues) > 2*len(h.authors)+sweepEvery {
		// Keep only the entries of the authors' newest posts.
		h.dues = h.dues[:0]
		for _, a := range h.authors {
			if last := a.kept[len(a.kept)-1].at; !last.IsZero() {
				h.pushDue(due{last, a})
			}
		}
	}
}

func (h *History) pushDue(d due) {
	if len(h.dues) == 0 {
		h.duesSorted = true
	}
	if h.duesSorted {
		if n := len(h.dues); n == 0 || !d.at.Before(h.dues[n-1].at) {
			h.dues = append(h.dues, d)
			return
		}
		// Out of order: the sorted slice is a valid heap; go on as one.
		h.duesSorted = false
	}
	h.dues = append(h.dues, d)
	i := len(h.dues) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h.dues[i].at.Before(h.dues[parent].at) {
			break
		}
		h.dues[i], h.dues[parent] = h.dues[parent], h.dues[i]
		i = parent
	}
}

func (h *History) popDue() due {
	top := h.dues[0]
	if h.duesSorted {
		h.dues[0] = due{}
		h.dues = h.dues[1:]
		return top
	}
	n := len(h.dues) - 1
	h.dues[0] = h.dues[n]
	h.dues[n] = due{}
	h.dues = h.dues[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.dues[l].at.Before(h.dues[m].at) {
			m = l
		}
		if r < n && h.dues[r].at.Before(h.dues[m].at) {
			m = r
		}
		if m == i {
			break
		}
		h.dues[i], h.dues[m] = h.dues[m], h.dues[i]
		i = m
	}
	return top
}

// Authors is how many authors the history holds.
func (h *History) Authors() int { return len(h.authors) }
