package bot

import "context"

// Handler receives the posts of a Source. Handle records the post (and the
// cursor it carries) durably before it returns nil; a Source moves past a
// post only after that. Advance records a new cursor for updates that carry
// no post (the bot's own messages, other bots, service messages).
type Handler interface {
	Handle(ctx context.Context, p Post) error
	Advance(ctx context.Context, source, cursor string) error
}

// BatchHandler is implemented by the engine's Handler: a source that
// receives several posts at once (a page of updates) hands them over
// together, to be recorded in one transaction with the cursor of the last.
type BatchHandler interface {
	HandleBatch(ctx context.Context, posts []Post) error
}

// HideOutcome says what hiding a post meant on its platform.
type HideOutcome string

// What hiding can mean, from strongest to weakest.
const (
	HideDeleted  HideOutcome = "deleted"  // the post is gone (Telegram deleteMessage)
	HideRejected HideOutcome = "rejected" // a pending reply was rejected (interaction policies)
	HideReported HideOutcome = "reported" // reported to the server's moderators
	HideInvited  HideOutcome = "invited"  // only the author was asked to delete it
)

// Platform is one account on one platform: a stream of posts in, and the
// three things the bot does there out. Every method that talks to the
// network takes a context and gives up when it ends. Errors are translated
// to this package's vocabulary (ErrNotFound, ErrForbidden, ErrTooOld,
// ErrBadRequest, *RetryError), wrapping the original.
type Platform interface {
	// Name is the platform ("telegram", "mastodon", "console").
	Name() string
	// Account is the configured name of the account.
	Account() string

	// Receive delivers posts to h, from the position cursor ("" for the
	// platform's default start), until ctx ends or the stream is over
	// (returning nil), or a fatal error (ErrForbidden: token revoked).
	Receive(ctx context.Context, cursor string, h Handler) error

	// Reply posts text publicly as an answer to the post to, with
	// visibility no wider than the post's own. key is stable across
	// retries of the same action; platforms with idempotent requests use it.
	Reply(ctx context.Context, to Post, text, key string) error
	// Hide removes the post from public view as far as the platform lets
	// the account, and says what that meant.
	Hide(ctx context.Context, p Post, key string) (HideOutcome, error)
	// Notify tells the author about their hidden post without quoting
	// it: privately where the platform allows, else in the same chat.
	Notify(ctx context.Context, about Post, text, key string) error
	// Idempotent reports whether Reply and Notify are safe to send again
	// with the same key after a crash left their outcome unknown.
	Idempotent() bool
}

// Moderators is a channel to the social team (a moderators' chat, direct
// messages to moderator accounts, a console): escalations, proposals and
// reports are posted there. Engines work without one.
type Moderators interface {
	// Tell posts text to the moderators; where the channel can show them,
	// buttons offer its commands with one tap.
	Tell(ctx context.Context, text string, buttons []Button) error
}

// Button is a command offered with a moderators' message: Command is the
// text a moderator would type ("/approva 12").
type Button struct {
	Label   string
	Command string
}

// KindCallback is a tap on a Button: the post's Text is the button's
// Command, its Author the moderator who tapped it.
const KindCallback PostKind = "callback"

// Messenger is an optional interface of a Platform that can post a message
// of its own: into a chat the bot is in (Telegram: to is the chat id), or
// directly to an account (Mastodon: to is "@user@server", sent as a direct
// status). Buttons are shown where the platform has them.
type Messenger interface {
	Send(ctx context.Context, to, text string, buttons []Button) error
}

// Observer is an optional interface of a Platform that wants to show each
// decision as it is made (the console does).
type Observer interface {
	Decided(p Post, v *Verdict)
}
