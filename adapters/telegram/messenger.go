package telegram

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"github.com/inps-social/inpsbot/bot"
)

// MaxCallbackData is Telegram's limit on the callback data of an inline
// button, in bytes; Send refuses longer button commands.
const MaxCallbackData = 64

// buttonsPerRow is how many buttons one row of an inline keyboard holds.
const buttonsPerRow = 3

// callbackPrefix starts the ID of a post made from a callback query, so
// that it never collides with a message's "chat:message".
const callbackPrefix = "cb:"

// inlineKeyboard is the reply_markup of a message with inline buttons. The
// library's own type also sends an empty copy_text with every button,
// which the Bot API may refuse; this one sends only what is set.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

// inlineButton is a callback button: its label and the data Telegram
// hands back in the callback query when it is tapped.
type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// Send posts text, as plain text without link previews, in the chat whose
// id is to (a moderators' group, or a moderator's private chat with the
// bot). Texts longer than MaxMessage go out in several messages. Buttons
// become an inline keyboard under the last message, up to three a row in
// the order given; tapping one sends the bot a callback query with the
// button's Command, which Receive delivers as a bot.KindCallback post. A
// button without Label shows its Command. A Command that is empty or
// longer than MaxCallbackData bytes is refused with bot.ErrBadRequest
// before anything is sent. A retry of a send whose first messages went out
// resumes after them.
func (p *Platform) Send(ctx context.Context, to, text string, buttons []bot.Button) error {
	chat, err := strconv.ParseInt(strings.TrimSpace(to), 10, 64)
	if err != nil || chat == 0 {
		return fmt.Errorf("telegram: send message: recipient is not a chat id: %w", bot.ErrBadRequest)
	}
	op := fmt.Sprintf("send message to chat %d", chat)
	parts := Split(text, MaxMessage)
	if len(parts) == 0 {
		return fmt.Errorf("telegram: %s: empty text: %w", op, bot.ErrBadRequest)
	}
	var markup tgmodels.ReplyMarkup
	if len(buttons) > 0 {
		kb, err := keyboard(buttons)
		if err != nil {
			return fmt.Errorf("telegram: %s: %w", op, err)
		}
		markup = kb
	}
	return p.send(ctx, op, chat, parts, nil, nil, markup, sendKey(chat, parts, buttons))
}

// keyboard lays buttons out in rows of buttonsPerRow.
func keyboard(buttons []bot.Button) (*inlineKeyboard, error) {
	kb := &inlineKeyboard{}
	for i, b := range buttons {
		if b.Command == "" || len(b.Command) > MaxCallbackData || !utf8.ValidString(b.Command) {
			return nil, fmt.Errorf("button %d: command of %d bytes, want 1 to %d: %w", i+1, len(b.Command), MaxCallbackData, bot.ErrBadRequest)
		}
		label := strings.TrimSpace(b.Label)
		if label == "" {
			label = b.Command
		}
		if i%buttonsPerRow == 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, make([]inlineButton, 0, buttonsPerRow))
		}
		row := &kb.InlineKeyboard[len(kb.InlineKeyboard)-1]
		*row = append(*row, inlineButton{Text: label, CallbackData: b.Command})
	}
	return kb, nil
}

// sendKey names one message of Send for the resumption of split texts: the
// same chat, parts and buttons give the same key.
func sendKey(chat int64, parts []string, buttons []bot.Button) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", chat)
	for _, s := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	for _, b := range buttons {
		fmt.Fprintf(h, "%d:%s\x00%d:%s\x00", len(b.Label), b.Label, len(b.Command), b.Command)
	}
	return "send/" + hex.EncodeToString(h.Sum(nil))
}

// callbackPost turns a callback query (a tap on an inline button of one
// of the bot's messages) into a bot.KindCallback post. It reports false
// for queries that carry none: from bots, without data (games), or on a
// message sent in inline mode, which has no chat.
func (p *Platform) callbackPost(u *tgmodels.Update) (bot.Post, bool) {
	q := u.CallbackQuery
	if q == nil || q.ID == "" || q.Data == "" || q.From.IsBot || q.From.ID == 0 {
		return bot.Post{}, false
	}
	var chat int64
	var msg int
	switch m := q.Message; {
	case m.Message != nil:
		chat, msg = m.Message.Chat.ID, m.Message.ID
	case m.InaccessibleMessage != nil:
		chat, msg = m.InaccessibleMessage.Chat.ID, m.InaccessibleMessage.MessageID
	}
	if chat == 0 {
		return bot.Post{}, false
	}
	handle := q.From.FirstName
	if q.From.Username != "" {
		handle = "@" + q.From.Username
	}
	post := bot.Post{
		Platform: Name,
		Account:  p.cfg.Account,
		ID:       callbackPrefix + q.ID,
		Channel:  strconv.FormatInt(chat, 10),
		Author:   strconv.FormatInt(q.From.ID, 10),
		Handle:   handle,
		Kind:     bot.KindCallback,
		Text:     q.Data,
		Time:     p.now().UTC(),
		Cursor:   strconv.FormatInt(u.ID+1, 10),
	}
	if msg > 0 {
		post.ReplyTo = strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(msg)
	}
	return post, true
}

// answerCallback tells Telegram a callback query was received, so that
// the moderator's client stops showing progress on the button. It is best
// effort: the post is recorded already, and a failure is only logged.
func (p *Platform) answerCallback(ctx context.Context, updateID int64, id string) {
	cctx, cancel := context.WithTimeout(ctx, p.cfg.HTTPTimeout)
	defer cancel()
	if _, err := p.api.AnswerCallbackQuery(cctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id}); err != nil {
		err = p.translate("answer callback query "+id, err, nil)
		p.log.Warn().Err(err).Int64("update_id", updateID).Str("callback_id", id).Msg("answer callback query")
	}
}
