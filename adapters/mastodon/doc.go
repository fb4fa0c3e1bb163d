// Package mastodon implements bot.Platform for one Mastodon account on
// github.com/mattn/go-mastodon.
//
// Receiving. Mentions arrive as notifications of type mention. In streaming
// mode the adapter keeps a WebSocket open on /api/v1/streaming?stream=user
// and reconnects with exponential backoff and jitter; on every (re)connect
// and on a timer (PollInterval) it catches up through
// GET /api/v1/notifications?types[]=mention, paging forward with min_id from
// the last notification it delivered, oldest first. A notification seen both
// on the stream and in a catch-up is delivered once. In polling mode
// (Streaming false) only the catch-up runs, every PollInterval. The cursor
// is a notification id; the empty cursor means the mentions of the last 24
// hours (one page at most).
//
// Mastodon 4.3 and later may filter mentions from strangers (notification
// policy): the catch-up asks for include_filtered=true so that a citizen who
// nobody follows still gets an answer. Servers that do not know the
// parameter ignore it. The stream does not carry filtered notifications:
// they arrive with the next catch-up.
//
// Statuses are HTML: Post.Text is the status content as delivered, preceded
// by the content warning (escaped, in its own paragraph) so that both are
// classified.
//
// Sending. Replies and notices are POST /api/v1/statuses with an
// Idempotency-Key header equal to the action key, so a retry after an
// unknown outcome never posts twice (servers keep keys for about an hour).
// A reply mentions only the author and is never more visible than the
// citizen's status (public becomes unlisted). Another account's status
// cannot be deleted: Hide reports it to the server's moderators and, when
// RejectReplies is set and the server supports interaction requests
// (GoToSocial), rejects the pending reply.
//
// Sweeping. A reply under the account's status that does not mention it
// makes no notification. The Platform is a bot.Sweeper: Sweep lists the
// account's 20 latest statuses and hands over every reply in their
// threads, with no cursor; the engine skips those it has handled.
//
// Moderators. The Platform is also a bot.Messenger: Send posts a direct
// status to a moderator's account, mentioning only that account, with an
// Idempotency-Key derived from the recipient and the status. Mastodon has
// no buttons: each bot.Button becomes a line "Label: Command".
//
// Errors. Every call has a deadline (HTTPTimeout). HTTP 429 is handled in
// the adapter's transport, which turns it into a *bot.RetryError carrying
// Retry-After or X-RateLimit-Reset (go-mastodon would otherwise retry for
// hours); 5xx and network failures are *bot.RetryError, 404 bot.ErrNotFound,
// 401 and 403 bot.ErrForbidden, 400 and 422 bot.ErrBadRequest. The access
// token travels only in request headers and never appears in an error.
package mastodon
