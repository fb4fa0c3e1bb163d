// Package telegram is inpsbot's Telegram platform: a bot.Platform over the
// Bot API, built on github.com/go-telegram/bot.
//
// Posts come from private chats (bot.KindDirect), groups and the discussion
// groups linked to channels (bot.KindComment, or bot.KindMention when they
// name the bot), and edits (bot.KindEdit). A post's ID is "chat:message"
// ("chat:message:edit_date" for an edit), unique per bot account; its Cursor
// is the next update id. Updates are received by long polling or on a
// webhook and handed over one at a time, in order; Telegram is told an
// update is done only once the handler has recorded it.
//
// Replies are plain text sent as replies to the citizen's message, split
// at Telegram's 4096-character limit. Hiding deletes the message, within
// Telegram's 48-hour window.
//
// The Platform is also a bot.Messenger: Send posts a message of its own in
// a chat (the moderators' group), with bot.Buttons as an inline keyboard.
// A tap on a button arrives as a callback query, delivered as a
// bot.KindCallback post whose ID is "cb:<callback query id>", Channel the
// chat, Author the moderator and Text the button's command; the query is
// answered once the handler has recorded the post.
//
// The Platform is not a bot.Sweeper: the Bot API gives a bot no history of
// a chat, only the updates sent to it, so there is nothing to look at
// again. Nothing is missed that way: Telegram keeps an update until it is
// confirmed (for up to 24 hours), and Receive confirms it only once the
// handler has recorded it.
//
// Errors are translated to the bot package's vocabulary and never carry
// the token or message text.
//
// Package telegramtest fakes the Bot API for tests.
package telegram
