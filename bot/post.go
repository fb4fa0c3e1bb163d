package bot

import (
	"time"

	"github.com/rs/zerolog"
)

// PostKind says how a post reached the bot.
type PostKind string

// The kinds of post.
const (
	KindMention PostKind = "mention"
	KindComment PostKind = "comment"
	KindDirect  PostKind = "direct"
	KindEdit    PostKind = "edit"
)

// Post is one mention, comment, reply or direct message, as a platform
// adapter delivers it. Text and Handle are personal: they never reach a log,
// a metric or the audit trail.
type Post struct {
	Platform string    // "telegram", "mastodon", "console"
	Account  string    // the configured account that received it
	ID       string    // platform id of the post
	Channel  string    // chat id, thread or account where it was posted
	Author   string    // stable platform id of the author
	Handle   string    // how to mention the author ("@name"), may be empty
	ReplyTo  string    // id of the post it answers, if any
	Kind     PostKind  // mention, comment, direct, edit
	Text     string    // as delivered (plain text or Mastodon HTML)
	Time     time.Time // when it was posted
	URL      string    // link to the post on its platform, if any

	// Visibility is the platform's audience of the post ("public",
	// "unlisted", "private", "direct" on Mastodon); empty when the platform
	// has no such notion.
	Visibility string

	// Cursor is the source position just after this post; the engine
	// stores it in the same transaction as the post.
	Cursor string
}

// Key is the platform-scoped identity of the post, used to deduplicate.
func (p Post) Key() string {
	return p.Platform + "/" + p.Account + "/" + p.ID
}

// Source names the stream a post came from: one per platform account.
func (p Post) Source() string {
	return p.Platform + "/" + p.Account
}

// String prints ids only, never text or names.
func (p Post) String() string {
	return p.Key() + " in " + p.Channel
}

// MarshalZerologObject logs ids only, so that logging a post is always safe.
func (p Post) MarshalZerologObject(e *zerolog.Event) {
	e.Str("platform", p.Platform).Str("account", p.Account).
		Str("post_id", p.ID).Str("chat", p.Channel).Str("kind", string(p.Kind))
}
