package bot

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/bot/text"
)

// MaxText is the longest post text the Responder reads, in bytes. Longer
// texts are cut (on a rune boundary) before classification; no platform
// delivers posts this long.
const MaxText = 64 << 10

// Responder turns one post into a verdict. It is pure: no I/O, no context,
// no clock; classify, check, eval and the engine all call it, so there is
// one decision path. It is safe for concurrent use.
type Responder struct {
	pii     *pii.Detector
	rules   *rules.Ruleset
	replier Replier
}

// NewResponder returns a Responder over a detector, a ruleset and a
// replier. The replier may be nil, in which case verdicts carry no reply.
func NewResponder(d *pii.Detector, rs *rules.Ruleset, r Replier) (*Responder, error) {
	if d == nil || rs == nil {
		return nil, errors.New("responder: detector and ruleset are required")
	}
	return &Responder{pii: d, rules: rs, replier: r}, nil
}

// Rules returns the ruleset in force.
func (r *Responder) Rules() *rules.Ruleset { return r.rules }

// Decide gives the verdict on p. earlier holds the fingerprints of the
// same author's recent posts on the same platform (see Ruleset.Repeats);
// nil when unknown or when the post has no author.
func (r *Responder) Decide(p Post, earlier []rules.Fingerprint) *Verdict {
	return r.DecideAll([]Post{p}, func(Post) []rules.Fingerprint { return earlier }, nil)[0]
}

// DecideAll gives the verdicts on ps, in order, as Decide would one post
// after the other: earlier(p) is asked just before p's repeat check and
// added(p, v) (when not nil) told just after its verdict, so that a post
// counts as earlier for the later ones of the same author. Each stage of
// the decision runs over all the posts before the next one starts, which
// keeps its code and tables in the processor's caches: in batches of 64
// posts a post costs a quarter of the instruction-cache misses it costs
// alone.
func (r *Responder) DecideAll(ps []Post, earlier func(Post) []rules.Fingerprint, added func(Post, *Verdict)) []*Verdict {
	vs := make([]*Verdict, len(ps))
	ins := make([]rules.Input, len(ps))
	for i, p := range ps {
		vs[i], ins[i] = r.personalData(p)
	}
	res := r.rules.AnalyzeAll(ins)
	for i, p := range ps {
		r.finish(vs[i], p, res[i], earlier(p))
		if added != nil {
			added(p, vs[i])
		}
	}
	return vs
}

// personalData starts the verdict on p: its display text, the personal
// data found in it and the text redacted; it returns what the rules read.
func (r *Responder) personalData(p Post) (*Verdict, rules.Input) {
	raw := p.Text
	if len(raw) > MaxText {
		n := MaxText
		for n > 0 && !utf8.RuneStart(raw[n]) {
			n--
		}
		raw = raw[:n]
	}
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	display := text.Display(raw)
	spans := r.pii.Find(display)
	redacted := pii.Redact(display, spans)
	kinds := pii.Kinds(spans)
	kindNames := make([]string, len(kinds))
	for i, k := range kinds {
		kindNames[i] = string(k)
	}
	v := &Verdict{ID: p.ID, PII: kinds, Redacted: redacted, Spans: spans, Display: display}
	return v, rules.Input{Display: display, Redacted: redacted, PII: kindNames}
}

// finish completes a verdict whose analysis is done: the repeat check,
// the actions and the reply.
func (r *Responder) finish(v *Verdict, p Post, res rules.Result, earlier []rules.Fingerprint) *Verdict {
	v.Violations, v.Intent, v.Personal, v.Evidence = res.Violations, res.Intent, res.Personal, res.Evidence
	if len(v.PII) > 0 {
		v.Violations = append(v.Violations, rules.PersonalData)
	}
	v.Fingerprint = res.Fingerprint
	if p.Author != "" && res.Intent != rules.Thanks && r.rules.IsRepeat(v.Fingerprint, earlier) {
		v.Violations = append(v.Violations, rules.Repeated)
	}
	slices.Sort(v.Violations)
	v.Violations = slices.Compact(v.Violations)
	v.Shouting = slices.Contains(v.Violations, rules.Shouting)
	v.Actions = r.rules.Policy().Actions(v.Violations, v.Intent)
	if v.Has(ActReply) && r.replier != nil {
		v.Reply = r.replier.Reply(v, p)
	}
	if v.PII == nil {
		v.PII = []pii.Kind{}
	}
	if v.Violations == nil {
		v.Violations = []rules.Violation{}
	}
	return v
}

// CheckReply tells whether a reply a moderator wrote or edited may be
// posted on a platform: no personal data, and whatever the replier
// requires of a reply (its limit, a named channel). A refusal is a
// *ReplyRefusal.
func (r *Responder) CheckReply(text, platform string) error {
	if spans := r.pii.Find(text); len(spans) > 0 {
		return &ReplyRefusal{Reason: RefusedPersonalData, Detail: string(spans[0].Kind)}
	}
	if strings.TrimSpace(text) == "" {
		return &ReplyRefusal{Reason: RefusedEmpty}
	}
	if r.replier != nil {
		return r.replier.Check(text, platform)
	}
	return nil
}

// Redact masks the personal data of a text that is not a post (a
// moderator's note), so that it may be stored.
func (r *Responder) Redact(text string) string {
	return pii.Redact(text, r.pii.Find(text))
}
