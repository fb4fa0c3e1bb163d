package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// Reply answers the status to with text, which the engine renders starting
// with the author's handle (added here when missing). The reply mentions
// the author only (other mentions in text are defused), answers in_reply_to
// the status, is never more visible than it (public becomes unlisted,
// private and direct stay so) and carries key as its Idempotency-Key.
// Missing visibility or handle are read from the status first.
func (p *Platform) Reply(ctx context.Context, to bot.Post, text, key string) error {
	op := "reply to status " + to.ID
	to, err := p.complete(ctx, op, to)
	if err != nil {
		return err
	}
	status, err := p.compose(op, to.Handle, text)
	if err != nil {
		return err
	}
	toot := &mastodon.Toot{
		Status:      status,
		InReplyToID: mastodon.ID(to.ID),
		Visibility:  replyVisibility(to.Visibility),
	}
	return p.call(ctx, op, key, func(ctx context.Context) error {
		_, err := p.client.PostStatus(ctx, toot)
		return err
	})
}

// Notify sends the author of about a direct status (visible only to the
// accounts it mentions: the author alone) with text, which asks them to
// remove their post. It neither quotes nor answers the post, so it does not
// depend on the post still existing.
func (p *Platform) Notify(ctx context.Context, about bot.Post, text, key string) error {
	op := "notify author of status " + about.ID
	handle := about.Handle
	if handle == "" {
		var acct *mastodon.Account
		err := p.call(ctx, "look up account "+about.Author, "", func(ctx context.Context) (err error) {
			acct, err = p.client.GetAccount(ctx, mastodon.ID(about.Author))
			return err
		})
		if err != nil {
			return err
		}
		handle = "@" + acct.Acct
	}
	status, err := p.compose(op, handle, text)
	if err != nil {
		return err
	}
	toot := &mastodon.Toot{Status: status, Visibility: visDirect}
	return p.call(ctx, op, key, func(ctx context.Context) error {
		_, err := p.client.PostStatus(ctx, toot)
		return err
	})
}

// Hide does what an account can against another account's status: with
// RejectReplies, reject the reply where it waits for approval
// (HideRejected), and report it to the server's moderators (HideReported).
// When neither is possible the outcome is HideInvited: only the author can
// remove it, and the engine notifies them.
func (p *Platform) Hide(ctx context.Context, post bot.Post, key string) (bot.HideOutcome, error) {
	outcome := bot.HideInvited
	if p.cfg.RejectReplies && post.ReplyTo != "" {
		rejected, err := p.reject(ctx, post, key)
		if err != nil {
			return "", err
		}
		if rejected {
			outcome = bot.HideRejected
		}
	}
	err := p.report(ctx, post, key)
	switch {
	case err == nil:
		if outcome == bot.HideInvited {
			outcome = bot.HideReported
		}
		return outcome, nil
	case errors.Is(err, bot.ErrBadRequest), httpStatus(err) == http.StatusForbidden:
		// The server will not take this report (own status, a kind of
		// account it does not let us report): nothing more is possible.
		return outcome, nil
	case errors.Is(err, bot.ErrNotFound) && outcome == bot.HideRejected:
		return outcome, nil
	default:
		return "", err
	}
}

// report files a report on the post with the configured comment, category
// and forwarding.
func (p *Platform) report(ctx context.Context, post bot.Post, key string) error {
	form := url.Values{
		"account_id":   {post.Author},
		"status_ids[]": {post.ID},
		"comment":      {p.cfg.ReportComment},
		"forward":      {strconv.FormatBool(p.cfg.ReportForward)},
	}
	if p.cfg.ReportCategory != "" {
		form.Set("category", p.cfg.ReportCategory)
	}
	return p.call(ctx, "report status "+post.ID, key+"/report", func(ctx context.Context) error {
		return p.do(ctx, http.MethodPost, "/api/v1/reports", nil, form, nil)
	})
}

// interactionRequest is the part of a GoToSocial interaction request the
// adapter reads.
type interactionRequest struct {
	ID    string           `json:"id"`
	Type  string           `json:"type"`
	Reply *mastodon.Status `json:"reply"`
}

// reject rejects the pending reply post, where the server has interaction
// requests. It reports false, without error, when the server has no such
// API or the reply is not pending.
func (p *Platform) reject(ctx context.Context, post bot.Post, key string) (bool, error) {
	q := url.Values{
		"status_id":  {post.ReplyTo},
		"replies":    {"true"},
		"favourites": {"false"},
		"reblogs":    {"false"},
		"limit":      {"80"},
	}
	var pending []interactionRequest
	err := p.call(ctx, "list interaction requests on status "+post.ReplyTo, "", func(ctx context.Context) error {
		return p.do(ctx, http.MethodGet, "/api/v1/interaction_requests", q, nil, &pending)
	})
	if err != nil {
		return false, unsupported(err)
	}
	for _, ir := range pending {
		if ir.Reply == nil || string(ir.Reply.ID) != post.ID {
			continue
		}
		err := p.call(ctx, "reject interaction request "+ir.ID, key+"/reject", func(ctx context.Context) error {
			return p.do(ctx, http.MethodPost, "/api/v1/interaction_requests/"+url.PathEscape(ir.ID)+"/reject", nil, url.Values{}, nil)
		})
		if err != nil {
			return false, unsupported(err)
		}
		return true, nil
	}
	return false, nil
}

// unsupported drops the errors that only mean the server cannot do it.
func unsupported(err error) error {
	if errors.Is(err, bot.ErrNotFound) || errors.Is(err, bot.ErrBadRequest) || httpStatus(err) == http.StatusForbidden {
		return nil
	}
	return err
}

// complete fills the visibility and handle of a post when the engine does
// not have them (an outbox row after a restart), from the status itself.
func (p *Platform) complete(ctx context.Context, op string, to bot.Post) (bot.Post, error) {
	if to.Visibility != "" && to.Handle != "" {
		return to, nil
	}
	var s *mastodon.Status
	err := p.call(ctx, op, "", func(ctx context.Context) (err error) {
		s, err = p.client.GetStatus(ctx, mastodon.ID(to.ID))
		return err
	})
	if err != nil {
		return to, err
	}
	if to.Visibility == "" {
		to.Visibility = s.Visibility
	}
	if to.Handle == "" && s.Account.Acct != "" {
		to.Handle = "@" + s.Account.Acct
	}
	return to, nil
}

// replyVisibility is the widest visibility a reply to a status of
// visibility v may have; unknown visibilities get the narrowest.
func replyVisibility(v string) string {
	switch v {
	case visPublic, visUnlisted:
		return visUnlisted
	case visPrivate:
		return visPrivate
	default:
		return visDirect
	}
}

// compose makes the status text: the handle once at the start, no other
// mention, within the server's length limit.
func (p *Platform) compose(op, handle, text string) (string, error) {
	if handle == "" || !strings.HasPrefix(handle, "@") {
		return "", fmt.Errorf("mastodon: %s: no handle to address: %w", op, bot.ErrBadRequest)
	}
	status := addressed(handle, text)
	if n := statusLength(status); n > p.maxChars {
		return "", fmt.Errorf("mastodon: %s: %d characters, limit %d: %w", op, n, p.maxChars, bot.ErrBadRequest)
	}
	return status, nil
}

// addressed returns text starting with handle exactly once, and with every
// other mention defused.
func addressed(handle, text string) string {
	body := strings.TrimLeft(text, " ")
	if len(body) >= len(handle) && strings.EqualFold(body[:len(handle)], handle) {
		rest := body[len(handle):]
		if r, _ := utf8.DecodeRuneInString(rest); rest == "" || unicode.IsSpace(r) || r == ',' {
			body = rest
		}
	}
	body = strings.TrimLeft(body, " ")
	return handle + " " + defuseMentions(body)
}

// defuseMentions inserts a zero-width space after every @ that Mastodon
// would read as the start of a mention (an @ at the start or after a
// character that is neither a letter, a digit, _ nor /, followed by a
// username character), so that the status notifies nobody else.
func defuseMentions(s string) string {
	var b strings.Builder
	prev := rune(-1)
	for i, r := range s {
		b.WriteRune(r)
		if r == '@' && (prev == -1 || !(isWord(prev) || prev == '/')) {
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); isWord(next) {
				b.WriteRune('\u200b')
			}
		}
		prev = r
	}
	return b.String()
}

func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

var (
	urlPattern     = regexp.MustCompile(`https?://[^\s<>"]+`)
	mentionPattern = regexp.MustCompile(`@([\p{L}\p{N}_]+)@[\p{L}\p{N}_.\-]+[\p{L}\p{N}_]`)
)

// statusLength counts characters the way Mastodon does: every link counts
// 23 and a remote mention counts without its domain.
func statusLength(s string) int {
	s = urlPattern.ReplaceAllString(s, strings.Repeat("x", 23))
	s = mentionPattern.ReplaceAllString(s, "@$1")
	return utf8.RuneCountInString(s)
}
