package bot

import "fmt"

// Why a reply may not be posted.
const (
	RefusedPersonalData = "personal_data" // Detail: the personal-data kind
	RefusedPhrase       = "phrase"        // Detail: the forbidden phrase
	RefusedChannel      = "channel"       // it names no channel
	RefusedEmpty        = "empty"
	RefusedLength       = "length" // Length, Limit, Platform
)

// ReplyRefusal says why a reply (one a moderator wrote or edited) may not
// be posted, in a form a user interface can explain in its own language.
type ReplyRefusal struct {
	Reason   string
	Detail   string
	Length   int
	Limit    int
	Platform string
}

func (r *ReplyRefusal) Error() string {
	switch r.Reason {
	case RefusedPersonalData:
		return fmt.Sprintf("reply holds personal data (%s)", r.Detail)
	case RefusedPhrase:
		return fmt.Sprintf("reply contains %q", r.Detail)
	case RefusedChannel:
		return "reply names no channel (Contact Center number or URP)"
	case RefusedEmpty:
		return "reply is empty"
	case RefusedLength:
		return fmt.Sprintf("reply is %d characters long, over the %d of %s", r.Length, r.Limit, r.Platform)
	}
	return "reply refused: " + r.Reason
}
