package rules

import (
	"fmt"
	"io/fs"
	"slices"
)

// Action is what the bot does about a post; its value is the label of the
// classification contract.
type Action string

// The actions of the classification contract.
const (
	ActReply    Action = "reply"
	ActHide     Action = "hide"
	ActEscalate Action = "escalate"
)

// Policy is the table that turns violations and an intent into actions:
// which violations hide, which escalate, which intents escalate, which
// intents get a reply, which violations get a reply, and which violations
// suppress the reply.
type Policy struct {
	Hide           []Violation `yaml:"hide"`
	Escalate       []Violation `yaml:"escalate"`
	EscalateIntent []Intent    `yaml:"escalate_intents"`
	ReplyIntent    []Intent    `yaml:"reply_intents"`
	ReplyViolation []Violation `yaml:"reply_violations"`
	NoReply        []Violation `yaml:"no_reply"`
}

// Actions returns the sorted actions for a post with the given violations
// and intent.
func (p Policy) Actions(violations []Violation, intent Intent) []Action {
	has := func(set []Violation) bool {
		for _, v := range violations {
			if slices.Contains(set, v) {
				return true
			}
		}
		return false
	}
	var set uint8
	if has(p.Escalate) || slices.Contains(p.EscalateIntent, intent) {
		set |= 1
	}
	if has(p.Hide) {
		set |= 2
	}
	if (slices.Contains(p.ReplyIntent, intent) || has(p.ReplyViolation)) && !has(p.NoReply) {
		set |= 4
	}
	return actionSets[set]
}

// actionSets holds the sorted action list of each combination (bit 0
// escalate, bit 1 hide, bit 2 reply), each with no spare capacity so that
// an append copies it.
var actionSets = func() (t [8][]Action) {
	for set := range t {
		out := []Action{}
		if set&1 != 0 {
			out = append(out, ActEscalate)
		}
		if set&2 != 0 {
			out = append(out, ActHide)
		}
		if set&4 != 0 {
			out = append(out, ActReply)
		}
		t[set] = out[:len(out):len(out)]
	}
	return t
}()

func (p Policy) validate() error {
	for _, set := range [][]Violation{p.Hide, p.Escalate, p.ReplyViolation, p.NoReply} {
		for _, v := range set {
			if !slices.Contains(AllViolations, v) {
				return fmt.Errorf("unknown violation %q", v)
			}
		}
	}
	for _, set := range [][]Intent{p.EscalateIntent, p.ReplyIntent} {
		for _, i := range set {
			if !slices.Contains(AllIntents, i) {
				return fmt.Errorf("unknown intent %q", i)
			}
		}
	}
	return nil
}

func loadPolicy(fsys fs.FS, dir string) (Policy, error) {
	name := dir + "/policy.yaml"
	var p Policy
	if err := decodeFile(fsys, name, &p); err != nil {
		return Policy{}, err
	}
	if err := p.validate(); err != nil {
		return Policy{}, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}
