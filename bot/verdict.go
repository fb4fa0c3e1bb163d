package bot

import (
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

// ActionKind is one thing the bot does about a post.
type ActionKind = rules.Action

// The action kinds of the classification contract.
const (
	ActReply    = rules.ActReply
	ActHide     = rules.ActHide
	ActEscalate = rules.ActEscalate
)

// Verdict is the Responder's decision on one post. Its JSON form is the
// output line of the classification contract, field for field.
type Verdict struct {
	ID         string            `json:"id"`
	PII        []pii.Kind        `json:"pii"`
	Violations []rules.Violation `json:"violations"`
	Intent     rules.Intent      `json:"intent"`
	Personal   bool              `json:"personal"`
	Actions    []ActionKind      `json:"actions"`
	Reply      string            `json:"reply"`
	Redacted   string            `json:"redacted"`

	// Shouting is set when a capitals reminder belongs in the reply.
	Shouting bool `json:"-"`
	// Spans are the personal-data spans in the display text.
	Spans []pii.Span `json:"-"`
	// Display is the text as a person reads it; it holds personal data
	// and never leaves the process.
	Display string `json:"-"`
	// Evidence says which rules decided the labels.
	Evidence []rules.Evidence `json:"-"`
	// Fingerprint is what the repeated rule keeps of the post.
	Fingerprint rules.Fingerprint `json:"-"`
}

// Has reports whether the verdict includes action a.
func (v *Verdict) Has(a ActionKind) bool {
	for _, x := range v.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// HasViolation reports whether the verdict includes violation x.
func (v *Verdict) HasViolation(x rules.Violation) bool {
	for _, y := range v.Violations {
		if y == x {
			return true
		}
	}
	return false
}

// Replier renders the reply to a verdict for the platform of a post. It
// returns the text to post; it must hold no personal data, name a channel,
// and fit the platform's limit.
type Replier interface {
	Reply(v *Verdict, p Post) string
	// Check tells whether a reply a moderator wrote or edited may be
	// posted on a platform (its limit, a named channel, no request for
	// private contact); personal data are checked by the Responder.
	Check(text, platform string) error
}
