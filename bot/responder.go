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

	res := r.rules.Analyze(rules.Input{Display: display, Redacted: redacted, PII: kindNames})
	v := &Verdict{
		ID:         p.ID,
		PII:        kinds,
		Violations: res.Violations,
		Intent:     res.Intent,
		Personal:   res.Personal,
		Redacted:   redacted,
		Spans:      spans,
		Display:    display,
		Evidence:   res.Evidence,
	}
	if len(kinds) > 0 {
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
