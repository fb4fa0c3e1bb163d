package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/bot"
)

// Name is the platform name in posts and keys.
const Name = "telegram"

// MaxMessage is Telegram's limit on the text of one message, in UTF-16
// code units; longer replies are split.
const MaxMessage = 4096

// DeleteWindow is how long after sending a message can still be deleted.
const DeleteWindow = 48 * time.Hour

// Platform is one Telegram bot account implementing bot.Platform. It is
// safe for concurrent use; Receive runs once at a time.
type Platform struct {
	cfg     Config
	log     zerolog.Logger
	api     *tgbot.Bot
	poll    *http.Client // getUpdates client: PollTimeout plus HTTPTimeout
	me      tgmodels.User
	secrets []string
	now     func() time.Time

	minBackoff, maxBackoff time.Duration

	mu       sync.Mutex
	progress map[string]int // reply key → parts already sent
}

var (
	_ bot.Platform  = (*Platform)(nil)
	_ bot.Messenger = (*Platform)(nil)
)

// New checks cfg, connects to the Bot API and calls getMe, so that a bad
// token is an error here rather than at the first update.
func New(ctx context.Context, cfg Config) (*Platform, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("telegram: config: %w", err)
	}
	p := &Platform{
		cfg:        cfg,
		log:        cfg.Log.With().Str("component", "telegram").Str("account", cfg.Account).Logger(),
		poll:       &http.Client{Timeout: cfg.PollTimeout + cfg.HTTPTimeout},
		secrets:    secretsOf(cfg),
		now:        time.Now,
		minBackoff: time.Second,
		maxBackoff: time.Minute,
		progress:   make(map[string]int),
	}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(cfg.PollTimeout, statusClient{c: &http.Client{Timeout: cfg.HTTPTimeout}}),
		tgbot.WithErrorsHandler(func(err error) {
			p.log.Debug().Str("error", p.scrubText(err.Error())).Msg("telegram library")
		}),
		tgbot.WithDebugHandler(func(string, ...any) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: client: %w", p.scrub(err))
	}
	p.api = api

	cctx, cancel := context.WithTimeout(ctx, cfg.HTTPTimeout)
	defer cancel()
	me, err := api.GetMe(cctx)
	if err != nil {
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			return nil, fmt.Errorf("telegram: getMe: the bot token was rejected (check the token from BotFather): %w: %w", bot.ErrForbidden, p.scrub(err))
		}
		return nil, p.translate("getMe", err, nil)
	}
	p.me = *me
	return p, nil
}

// Name returns "telegram".
func (p *Platform) Name() string { return Name }

// Account returns the configured account name.
func (p *Platform) Account() string { return p.cfg.Account }

// Source is the cursor source name of this account, as in bot.Post.Source.
func (p *Platform) Source() string { return Name + "/" + p.cfg.Account }

// BotID returns the Telegram user id of the bot, as getMe reported it.
func (p *Platform) BotID() int64 { return p.me.ID }

// Username returns the bot's username (without "@"), as getMe reported it.
func (p *Platform) Username() string { return p.me.Username }

// Idempotent reports false: the Bot API has no idempotency key, so a
// message whose outcome a crash hid may be sent twice.
func (p *Platform) Idempotent() bool { return false }

// Reply sends text in the chat of to, as a reply to it. Texts longer than
// MaxMessage go out in several messages split at paragraph, line or
// sentence boundaries, each a reply to the citizen's message; a retry with
// the same key resumes after the parts already sent. Text is plain: no
// parse mode, so nothing needs escaping.
func (p *Platform) Reply(ctx context.Context, to bot.Post, text, key string) error {
	chat, msg, err := parseID(to.ID)
	if err != nil {
		return fmt.Errorf("telegram: reply to %q: %w", to.ID, err)
	}
	op := fmt.Sprintf("reply to message %d in chat %d", msg, chat)
	parts := Split(text, MaxMessage)
	if len(parts) == 0 {
		return fmt.Errorf("telegram: %s: empty text: %w", op, bot.ErrBadRequest)
	}
	reply := &tgmodels.ReplyParameters{MessageID: msg, AllowSendingWithoutReply: true}
	return p.send(ctx, op, chat, parts, reply, nil, nil, key)
}

// Notify posts text in the chat of about, not as a reply (the message is
// gone), naming the author: "@username" or a text mention of the first
// name. In a private chat the author is the only reader and is not named.
func (p *Platform) Notify(ctx context.Context, about bot.Post, text, key string) error {
	chat, msg, err := parseID(about.ID)
	if err != nil {
		return fmt.Errorf("telegram: notify about %q: %w", about.ID, err)
	}
	op := fmt.Sprintf("notify about message %d in chat %d", msg, chat)
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("telegram: %s: empty text: %w", op, bot.ErrBadRequest)
	}
	var entities []tgmodels.MessageEntity
	if about.Kind != bot.KindDirect && about.Handle != "" && !strings.Contains(text, about.Handle) {
		if !strings.HasPrefix(about.Handle, "@") {
			if id, err := strconv.ParseInt(about.Author, 10, 64); err == nil && id > 0 {
				entities = []tgmodels.MessageEntity{{
					Type:   tgmodels.MessageEntityTypeTextMention,
					Length: utf16Len(about.Handle),
					User:   &tgmodels.User{ID: id, FirstName: about.Handle},
				}}
			}
		}
		text = about.Handle + ", " + text
	}
	parts := Split(text, MaxMessage)
	return p.send(ctx, op, chat, parts, nil, entities, nil, key)
}

// send posts parts in order, remembering under key how many went out so
// that a retry does not repeat them. entities apply to the first part,
// markup (nil for none) to the last.
func (p *Platform) send(ctx context.Context, op string, chat int64, parts []string, reply *tgmodels.ReplyParameters, entities []tgmodels.MessageEntity, markup tgmodels.ReplyMarkup, key string) error {
	start := 0
	if key != "" {
		p.mu.Lock()
		start = p.progress[key]
		p.mu.Unlock()
	}
	noPreview := true
	for i := start; i < len(parts); i++ {
		params := &tgbot.SendMessageParams{
			ChatID:             chat,
			Text:               parts[i],
			ReplyParameters:    reply,
			LinkPreviewOptions: &tgmodels.LinkPreviewOptions{IsDisabled: &noPreview},
		}
		if i == 0 {
			params.Entities = entities
		}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		if _, err := p.api.SendMessage(ctx, params); err != nil {
			if len(parts) > 1 {
				op = fmt.Sprintf("%s (part %d of %d)", op, i+1, len(parts))
			}
			err = p.translate(op, err, refineSend)
			if key != "" {
				p.mu.Lock()
				if _, retry := bot.Retryable(err); retry && i > 0 {
					p.progress[key] = i
				} else if !retry {
					delete(p.progress, key) // no retry will come
				}
				p.mu.Unlock()
			}
			return err
		}
	}
	if key != "" && start > 0 {
		p.mu.Lock()
		delete(p.progress, key)
		p.mu.Unlock()
	}
	return nil
}

// Hide deletes the message. A message older than DeleteWindow is not
// tried: ErrTooOld. A message already gone is ErrNotFound (the engine
// counts it as hidden); missing admin rights or a removed bot are
// ErrForbidden.
func (p *Platform) Hide(ctx context.Context, post bot.Post, key string) (bot.HideOutcome, error) {
	chat, msg, err := parseID(post.ID)
	if err != nil {
		return "", fmt.Errorf("telegram: hide %q: %w", post.ID, err)
	}
	op := fmt.Sprintf("delete message %d in chat %d", msg, chat)
	age := p.now().Sub(post.Time)
	if !post.Time.IsZero() && age >= DeleteWindow {
		return "", fmt.Errorf("telegram: %s: sent %s ago: %w", op, age.Round(time.Minute), bot.ErrTooOld)
	}
	_, err = p.api.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: chat, MessageID: msg})
	if err != nil {
		return "", p.translate(op, err, func(f failure) error {
			switch {
			case strings.Contains(f.desc, "message to delete not found"):
				return bot.ErrNotFound
			case strings.Contains(f.desc, "can't be deleted"):
				// Telegram says the same for too old and for no right.
				if !post.Time.IsZero() && age >= DeleteWindow-time.Hour {
					return bot.ErrTooOld
				}
				return bot.ErrForbidden
			}
			return refineSend(f)
		})
	}
	return bot.HideDeleted, nil
}

// parseID reads "chat:message" (with an optional third part for edits).
func parseID(id string) (chat int64, msg int, err error) {
	c, rest, ok := strings.Cut(id, ":")
	if !ok {
		return 0, 0, fmt.Errorf("post id is not chat:message: %w", bot.ErrBadRequest)
	}
	m, _, _ := strings.Cut(rest, ":")
	chat, err1 := strconv.ParseInt(c, 10, 64)
	msg, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || msg <= 0 {
		return 0, 0, fmt.Errorf("post id is not chat:message: %w", bot.ErrBadRequest)
	}
	return chat, msg, nil
}
