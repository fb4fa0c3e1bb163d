package telegram

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tgmodels "github.com/go-telegram/bot/models"

	"github.com/inps-social/inpsbot/bot"
)

// allowedUpdates are the update types the bot asks for: new and edited
// messages (private chats, groups, discussion groups of channels) and taps
// on the inline buttons of its own messages.
var allowedUpdates = []string{tgmodels.AllowedUpdateMessage, tgmodels.AllowedUpdateEditedMessage, tgmodels.AllowedUpdateCallbackQuery}

// post turns an update into the post the engine sees. It reports false for
// updates that carry none: the bot's own messages, other bots, the linked
// channel's posts and its anonymous admins, service messages and media
// without a caption.
func (p *Platform) post(u *tgmodels.Update) (bot.Post, bool) {
	m, edited := u.Message, false
	if m == nil && u.EditedMessage != nil {
		m, edited = u.EditedMessage, true
	}
	if m == nil || m.Chat.Type == tgmodels.ChatTypeChannel {
		return bot.Post{}, false
	}
	author, handle, ok := p.sender(m)
	if !ok {
		return bot.Post{}, false
	}
	text, entities := m.Text, m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}
	if strings.TrimSpace(text) == "" {
		return bot.Post{}, false
	}

	id := strconv.FormatInt(m.Chat.ID, 10) + ":" + strconv.Itoa(m.ID)
	kind := bot.KindComment
	switch {
	case edited:
		kind = bot.KindEdit
		// An edit is a new post for the engine (it may add personal data),
		// so its key must differ from the original's.
		v := int64(m.EditDate)
		if v == 0 {
			v = u.ID
		}
		id += ":" + strconv.FormatInt(v, 10)
	case m.Chat.Type == tgmodels.ChatTypePrivate:
		kind = bot.KindDirect
	case p.mentioned(m, text, entities):
		kind = bot.KindMention
	}

	post := bot.Post{
		Platform: Name,
		Account:  p.cfg.Account,
		ID:       id,
		Channel:  strconv.FormatInt(m.Chat.ID, 10),
		Author:   author,
		Handle:   handle,
		Kind:     kind,
		Text:     withLinks(text, entities),
		Time:     time.Unix(int64(m.Date), 0).UTC(),
		Cursor:   strconv.FormatInt(u.ID+1, 10),
	}
	if r := m.ReplyToMessage; r != nil {
		post.ReplyTo = strconv.FormatInt(m.Chat.ID, 10) + ":" + strconv.Itoa(r.ID)
	}
	if m.Chat.Username != "" {
		post.URL = "https://t.me/" + m.Chat.Username + "/" + strconv.Itoa(m.ID)
	}
	return post, true
}

// sender returns the author id and handle of m, or false when the message
// is not a citizen's.
func (p *Platform) sender(m *tgmodels.Message) (author, handle string, ok bool) {
	if c := m.SenderChat; c != nil {
		// Posted on behalf of a chat: the channel's automatic forward into
		// its discussion group, an anonymous admin of the group, the
		// linked channel commenting its own post, or a citizen's channel.
		if m.IsAutomaticForward || c.ID == m.Chat.ID {
			return "", "", false
		}
		if r := m.ReplyToMessage; r != nil && r.IsAutomaticForward && r.SenderChat != nil && r.SenderChat.ID == c.ID {
			return "", "", false
		}
		handle = c.Title
		if c.Username != "" {
			handle = "@" + c.Username
		}
		return strconv.FormatInt(c.ID, 10), handle, true
	}
	f := m.From
	if f == nil || f.IsBot || f.ID == p.me.ID || m.ViaBot != nil && m.ViaBot.ID == p.me.ID {
		return "", "", false
	}
	handle = f.FirstName
	if f.Username != "" {
		handle = "@" + f.Username
	}
	return strconv.FormatInt(f.ID, 10), handle, true
}

// mentioned reports whether the message names the bot (an @username or a
// text mention) or answers one of its messages.
func (p *Platform) mentioned(m *tgmodels.Message, text string, entities []tgmodels.MessageEntity) bool {
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.ID == p.me.ID {
		return true
	}
	for _, e := range entities {
		switch e.Type {
		case tgmodels.MessageEntityTypeMention:
			if p.me.Username != "" && strings.EqualFold(entityText(text, e), "@"+p.me.Username) {
				return true
			}
		case tgmodels.MessageEntityTypeTextMention:
			if e.User != nil && e.User.ID == p.me.ID {
				return true
			}
		}
	}
	return false
}

// withLinks appends the URLs of text_link entities, which the text shows
// only as their label, one per line, so that the rules see them.
func withLinks(text string, entities []tgmodels.MessageEntity) string {
	var b strings.Builder
	b.WriteString(text)
	seen := make(map[string]bool)
	for _, e := range entities {
		if e.Type != tgmodels.MessageEntityTypeTextLink || e.URL == "" || seen[e.URL] || strings.Contains(text, e.URL) {
			continue
		}
		seen[e.URL] = true
		b.WriteString("\n")
		b.WriteString(e.URL)
	}
	return b.String()
}

// entityText cuts an entity out of text; offsets count UTF-16 code units.
func entityText(text string, e tgmodels.MessageEntity) string {
	u := utf16.Encode([]rune(text))
	if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > len(u) {
		return ""
	}
	return string(utf16.Decode(u[e.Offset : e.Offset+e.Length]))
}

// utf16Len is the length Telegram measures texts and offsets in.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
