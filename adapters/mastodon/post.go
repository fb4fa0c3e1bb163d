package mastodon

import (
	"fmt"
	"html"
	"strconv"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// Mastodon visibilities, from widest to narrowest.
const (
	visPublic   = "public"
	visUnlisted = "unlisted"
	visPrivate  = "private"
	visDirect   = "direct"
)

// Notification types the adapter receives: mentions, and on servers with
// interaction requests (GoToSocial) replies waiting for approval.
const (
	typeMention      = "mention"
	typePendingReply = "pending.reply"
)

// wants reports whether a notification type carries a post for the bot.
func (p *Platform) wants(typ string) bool {
	return typ == typeMention || (p.cfg.RejectReplies && typ == typePendingReply)
}

// toPost turns a notification into a post; ok is false when it carries none
// (status deleted, the account's own status, a boost).
func (p *Platform) toPost(n *mastodon.Notification) (bot.Post, bool) {
	post, ok := p.statusPost(n.Status, bot.KindMention)
	if !ok {
		return bot.Post{}, false
	}
	post.Cursor = string(n.ID)
	return post, true
}

// statusPost turns a status into a post of kind (bot.KindDirect when the
// status is direct), with no cursor; ok is false for the account's own
// statuses, boosts and empty statuses.
func (p *Platform) statusPost(s *mastodon.Status, kind bot.PostKind) (bot.Post, bool) {
	if s == nil || s.ID == "" || s.Account.ID == p.self || s.Reblog != nil {
		return bot.Post{}, false
	}
	text := s.Content
	if s.SpoilerText != "" {
		// The content warning is plain text: escape it into its own
		// paragraph so that the classifier reads it with the content.
		text = "<p>" + html.EscapeString(s.SpoilerText) + "</p>" + text
	}
	replyTo := idString(s.InReplyToID)
	channel := replyTo
	if channel == "" {
		channel = string(s.Account.ID)
	}
	if s.Visibility == visDirect {
		kind = bot.KindDirect
	}
	url := s.URL
	if url == "" {
		url = s.URI
	}
	var handle string
	if s.Account.Acct != "" {
		handle = "@" + s.Account.Acct
	}
	return bot.Post{
		Platform:   Name,
		Account:    p.cfg.Account,
		ID:         string(s.ID),
		Channel:    channel,
		Author:     string(s.Account.ID),
		Handle:     handle,
		ReplyTo:    replyTo,
		Kind:       kind,
		Text:       text,
		Time:       s.CreatedAt,
		URL:        url,
		Visibility: s.Visibility,
	}, true
}

// mentionsSelf reports whether a status mentions the account.
func (p *Platform) mentionsSelf(s *mastodon.Status) bool {
	for _, m := range s.Mentions {
		if m.ID == p.self {
			return true
		}
	}
	return false
}

// idString reads an id that go-mastodon leaves untyped (in_reply_to_id).
func idString(v any) string {
	switch id := v.(type) {
	case nil:
		return ""
	case string:
		return id
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64)
	case mastodon.ID:
		return string(id)
	default:
		return fmt.Sprint(id)
	}
}
