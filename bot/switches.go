package bot

import (
	"fmt"
	"strings"
)

// Mode says what the bot does with its decisions.
type Mode string

// The modes, from the most to the least active. A switch at any scope can
// only make the bot stricter: the strictest mode that applies wins.
const (
	ModeAuto    Mode = "auto"    // act
	ModeApprove Mode = "approve" // propose replies to the moderators; hides stay automatic
	ModeDryRun  Mode = "dry-run" // decide and record, never act
	ModeOff     Mode = "off"     // paused: hold every action until resumed
)

func (m Mode) rank() int {
	switch m {
	case ModeAuto:
		return 0
	case ModeApprove:
		return 1
	case ModeDryRun:
		return 2
	case ModeOff:
		return 3
	}
	return -1
}

// ParseMode checks a mode name.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.TrimSpace(strings.ToLower(s)))
	if m == "dryrun" || m == "dry_run" {
		m = ModeDryRun
	}
	if m.rank() < 0 {
		return "", fmt.Errorf("unknown mode %q (want auto, approve, dry-run or off)", s)
	}
	return m, nil
}

// Switch keys name the scope a mode applies to:
//
//	mode                             the whole bot
//	mode:platform:telegram           one platform
//	mode:account:telegram/inps       one account
//	mode:chat:telegram/inps/-1001    one chat or channel of an account
//	mode:intent:naspi                posts of one intent
//	mode:action:reply                one action kind (reply, hide, escalate)
const switchPrefix = "mode"

// SwitchKey builds the key of a scope; scope is "" for the whole bot, else
// one of platform, account, chat, intent, action.
func SwitchKey(scope, name string) (string, error) {
	switch scope {
	case "", "all":
		return switchPrefix, nil
	case "platform", "account", "chat", "intent", "action":
		if name == "" {
			return "", fmt.Errorf("switch: scope %s needs a name", scope)
		}
		return switchPrefix + ":" + scope + ":" + name, nil
	}
	return "", fmt.Errorf("switch: unknown scope %q (want all, platform, account, chat, intent or action)", scope)
}

// Switches is a snapshot of the moderators' switches over a default mode.
type Switches struct {
	Default Mode
	Set     map[string]string
}

// ModeFor resolves the mode of one action on one post: the strictest of
// the default and every switch whose scope covers it.
func (s Switches) ModeFor(target Post, intent string, action ActionKind) Mode {
	m := s.Default
	if m == "" {
		m = ModeAuto
	}
	keys := [...]string{
		switchPrefix,
		switchPrefix + ":platform:" + target.Platform,
		switchPrefix + ":account:" + target.Source(),
		switchPrefix + ":chat:" + target.Source() + "/" + target.Channel,
		switchPrefix + ":intent:" + intent,
		switchPrefix + ":action:" + string(action),
	}
	for _, k := range keys {
		if v, ok := s.Set[k]; ok {
			if x := Mode(v); x.rank() > m.rank() {
				m = x
			}
		}
	}
	return m
}
