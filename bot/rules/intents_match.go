package rules

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// scratch is the per-call working memory of classify, pooled so that a
// post costs no allocation beyond its evidence.
type scratch struct {
	toks    []string
	kept    []string
	cands   []cand
	matched []int32
	seen    []uint64
}

// cand is an entry whose first token matches the post's token at pos;
// need is the entry's first need bit (firstNeed), at hand so that most
// candidates are dropped without reading their entry.
type cand struct {
	pos, id int32
	need    uint16
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// appendTokens splits folded text into the matcher's tokens: words (runs
// of letters and digits, split at apostrophes and punctuation), "?" for a
// run of question marks, "@inps" or "@user" for a mention, "<url>" for a
// link (whose text is skipped) and one token per emoji.
func appendTokens(dst []string, s string) []string {
	start := -1
	flush := func(i int) {
		if start >= 0 {
			dst = append(dst, s[start:i])
			start = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				if start < 0 {
					if (c == 'h' || c == 'w') && isURLStart(s[i:]) {
						j := i
						for j < len(s) && !isSpace(s[j]) {
							j++
						}
						dst = append(dst, tokURL)
						i = j
						continue
					}
					start = i
				}
				i++
				for i < len(s) && lowerAlnum[s[i]] { // the rest of the word
					i++
				}
			case c == '[' && start < 0:
				if j := maskEnd(s, i); j > 0 {
					i = j // a personal-data mask such as "[iban]"
					continue
				}
				i++
			case c == '?':
				flush(i)
				if len(dst) == 0 || dst[len(dst)-1] != tokQuestion {
					dst = append(dst, tokQuestion)
				}
				i++
			case c == '@':
				wasWord := start >= 0
				flush(i)
				j := i + 1
				for j < len(s) && isHandle(s[j]) {
					j++
				}
				if wasWord || j == i+1 {
					i++ // an e-mail address or a lone '@'
					continue
				}
				if strings.HasPrefix(s[i+1:], "inps") {
					dst = append(dst, tokINPS)
				} else {
					dst = append(dst, tokUser)
				}
				if j < len(s) && s[j] == '@' { // user@instance
					j++
					for j < len(s) && (isHandle(s[j]) || s[j] == '-') {
						j++
					}
				}
				i = j
			default:
				flush(i)
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
		} else {
			flush(i)
			if r >= 0x2190 && unicode.Is(unicode.So, r) {
				dst = append(dst, s[i:i+size])
			}
		}
		i += size
	}
	flush(len(s))
	return dst
}

// lowerAlnum marks the bytes a-z and 0-9.
var lowerAlnum = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	return t
}()

// scanTokens calls emit for each token of s.
func scanTokens(s string, emit func(string)) {
	for _, t := range appendTokens(nil, s) {
		emit(t)
	}
}

// maskEnd returns the index just past a redaction mask starting at s[i]
// ('[' + at most 24 lower-case letters and spaces + ']'), or 0.
func maskEnd(s string, i int) int {
	for j := i + 1; j < len(s) && j <= i+25; j++ {
		switch c := s[j]; {
		case c == ']':
			if j > i+1 {
				return j + 1
			}
			return 0
		case c >= 'a' && c <= 'z' || c == ' ':
		default:
			return 0
		}
	}
	return 0
}

func isURLStart(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.")
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func isHandle(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// lookup walks tok through the trie, appending to cands the entries whose
// first token matches it at pos; it reports whether tok is a skip word.
func (ir *intentRules) lookup(tok string, pos int32, cands []cand) ([]cand, bool) {
	if tok == "" {
		return cands, false
	}
	n := ir.root[tok[0]]
	for i := 1; n != 0; i++ {
		nd := &ir.nodes[n]
		for _, id := range nd.prefix {
			cands = append(cands, cand{pos, id, ir.firstNeed[id]})
		}
		if i == len(tok) {
			if nd.skip {
				return cands, true
			}
			for _, id := range nd.exact {
				cands = append(cands, cand{pos, id, ir.firstNeed[id]})
			}
			return cands, false
		}
		c := tok[i]
		if nd.dense >= 0 {
			n = ir.dense[nd.dense+int32(ir.class[c])]
			continue
		}
		if nd.edgeHi-nd.edgeLo == 1 { // most nodes below the first bytes
			if e := ir.edges[nd.edgeLo]; e.b == c {
				n = e.next
				continue
			}
			break
		}
		next := int32(0)
		for _, e := range ir.edges[nd.edgeLo:nd.edgeHi] {
			if e.b == c {
				next = e.next
				break
			}
			if e.b > c {
				break
			}
		}
		n = next
	}
	return cands, false
}

// matchRest reports whether toks match kept from position i on, each
// token after at most its gap of other tokens.
func matchRest(toks []pattern, kept []string, i int) bool {
	if len(toks) == 0 {
		return true
	}
	p := &toks[0]
	last := min(i+p.gap, len(kept)-len(toks))
	for j := i; j <= last; j++ {
		if p.matches(kept[j]) && matchRest(toks[1:], kept, j+1) {
			return true
		}
	}
	return false
}

// effects merges the steering of the violations found.
func (ir *intentRules) effects(viol []Violation) violationEffect {
	var ef violationEffect
	for _, v := range viol {
		e, ok := ir.viol[v]
		if !ok {
			continue
		}
		ef.ForceNone = ef.ForceNone || e.ForceNone
		ef.NoPIIPersonal = ef.NoPIIPersonal || e.NoPIIPersonal
		ef.Hostile = ef.Hostile || e.Hostile
		ef.NoComplaint = ef.NoComplaint || e.NoComplaint
		ef.TopicAsComplaint = ef.TopicAsComplaint || e.TopicAsComplaint
	}
	return ef
}

// classify gives the intent of a post, whether it is about the writer's
// own case, and the evidence behind both. viol holds the violations
// already found in the post.
func (ir *intentRules) classify(p *post, viol []Violation) (Intent, bool, []Evidence) {
	return ir.classifyInto(p, viol, nil)
}

// classifyInto is classify appending its evidence to ev.
func (ir *intentRules) classifyInto(p *post, viol []Violation, ev []Evidence) (Intent, bool, []Evidence) {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	if need := (len(ir.entries) + 63) / 64; len(sc.seen) < need {
		sc.seen = make([]uint64, need)
	}

	sc.toks = appendTokens(sc.toks[:0], p.fold)
	kept, cands := sc.kept[:0], sc.cands[:0]
	var present [512/64 + 1]uint64
	present[noNeed/64] = 1 << (noNeed % 64)
	for _, t := range sc.toks {
		var skip bool
		cands, skip = ir.lookup(t, int32(len(kept)), cands)
		if !skip {
			kept = append(kept, t)
			b := tokenBit(t)
			present[b/64] |= 1 << (b % 64)
		}
	}

	var scores [numSlots]float64
	matched := sc.matched[:0]
	for _, c := range cands {
		if present[c.need/64]&(1<<(c.need%64)) == 0 {
			continue
		}
		e := &ir.entries[c.id]
		if sc.seen[c.id>>6]&(1<<(c.id&63)) != 0 {
			continue
		}
		if int(c.pos)+len(e.toks) > len(kept) {
			continue
		}
		absent := false
		for _, b := range e.need {
			if present[b/64]&(1<<(b%64)) == 0 {
				absent = true
				break
			}
		}
		if absent {
			continue
		}
		if !matchRest(e.toks[1:], kept, int(c.pos)+1) {
			continue
		}
		sc.seen[c.id>>6] |= 1 << (c.id & 63)
		matched = append(matched, c.id)
		scores[e.slot] += e.weight
	}
	for _, id := range matched {
		sc.seen[id>>6] &^= 1 << (id & 63)
	}
	sc.kept, sc.cands, sc.matched = kept, cands, matched

	ef := ir.effects(viol)
	var piiW float64
	if !ef.NoPIIPersonal && scores[slotOthers] < ir.th.OthersData {
		for _, k := range p.PII {
			piiW += ir.pii[k]
		}
	}
	intent, rule := ir.decide(&scores, ef, piiW)
	is := slotOf(intent)
	personal := false
	if intent.IsTopic() || intent == Complaint || intent == ForgetMe {
		personal = scores[slotPersonal]+piiW+ir.bias[is] >= ir.th.Personal
	}

	keep := func(e *entry) bool {
		return e.slot == is && intent != None || e.slot == slotAsk || e.slot == slotPersonal && personal ||
			e.slot == slotOthers
	}
	n := 1
	for _, id := range matched {
		if keep(&ir.entries[id]) {
			n++
		}
	}
	if personal && piiW != 0 {
		n += len(p.PII)
	}
	ev = slices.Grow(ev, n)
	ev = append(ev, Evidence{Label: string(intent), Rule: rule})
	for _, id := range matched {
		if e := &ir.entries[id]; keep(e) {
			ev = append(ev, Evidence{Label: slotName(e.slot), Rule: "intents", Match: e.match, Weight: e.weight})
		}
	}
	if personal && piiW != 0 {
		for _, k := range p.PII {
			if w := ir.pii[k]; w != 0 {
				ev = append(ev, Evidence{Label: "personal", Rule: "intents.pii", Match: k, Weight: w})
			}
		}
	}
	return intent, personal, ev
}

// Slots of the intents the decision reads.
var (
	slotComplaint = slotOf(Complaint)
	slotForgetMe  = slotOf(ForgetMe)
	slotThanks    = slotOf(Thanks)
	slotNone      = slotOf(None)
)

// topicSlot marks the slots of the topics (IsTopic).
var topicSlot = func() (t [len(intentOrder)]bool) {
	for i, in := range intentOrder {
		t[i] = in.IsTopic()
	}
	return t
}()

// slotOf is the score slot of an intent.
func slotOf(in Intent) int {
	for i, x := range intentOrder {
		if x == in {
			return i
		}
	}
	return len(intentOrder) - 1
}

// decide picks the intent from the scores, the violations' effects and
// the weight of the personal data found. It returns the intent and the
// name of the decision rule that chose it.
func (ir *intentRules) decide(s *[numSlots]float64, ef violationEffect, piiW float64) (Intent, string) {
	best := -1
	for i := range intentOrder {
		if !topicSlot[i] {
			continue
		}
		if best < 0 || s[i] > s[best] || s[i] == s[best] && ir.rank[i] < ir.rank[best] {
			best = i
		}
	}
	rule := "intent.question"
	for _, o := range ir.overrides {
		if o.over[best] && s[o.slot] >= o.min {
			best, rule = o.slot, "intent.override"
			break
		}
	}
	th := &ir.th
	topic := intentOrder[best]
	topicOK := s[best] >= th.Topic && s[best] > s[slotNone]
	asks := s[slotAsk] >= th.Ask
	cmin := th.Complaint
	if ef.Hostile {
		cmin = th.HostileComplaint
	}
	// Sincere thanks that merely mention a past wait stay thanks.
	thanksLead := !ef.Hostile && s[slotThanks] >= th.Thanks && s[slotThanks] >= s[slotComplaint]+th.ThanksMargin
	complaintOK := !ef.NoComplaint && s[slotComplaint] >= cmin && !thanksLead
	ownCase := s[slotPersonal]+piiW+ir.bias[best] >= th.Personal
	switch {
	case ef.ForceNone:
		return None, "intent.forced_none"
	case s[slotForgetMe] >= th.ForgetMe:
		return ForgetMe, "intent.forget_me"
	case asks && topicOK:
		return topic, rule
	case complaintOK:
		return Complaint, "intent.complaint"
	case !ef.Hostile && s[slotThanks] >= th.Thanks:
		return Thanks, "intent.thanks"
	case topicOK && ef.TopicAsComplaint && !ef.NoComplaint:
		return Complaint, "intent.topic_grievance"
	case topicOK && !ef.Hostile && ownCase:
		return topic, "intent.own_case"
	}
	return None, "intent.none"
}
