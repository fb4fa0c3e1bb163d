package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/inps-social/inpsbot/bot"
)

// apiError is a Bot API answer with ok false, from this package's own
// getUpdates client.
type apiError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.Method, e.Code, e.Description)
}

// statusError is an HTTP answer of 500 or more, whatever its body (a proxy
// may answer HTML).
type statusError struct {
	Code        int
	Description string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("http %d: %s", e.Code, e.Description)
}

// statusClient turns 5xx answers into a statusError before the library
// reads them: the library reports them as untyped errors, or quotes a
// non-JSON body.
type statusClient struct {
	c *http.Client
}

// Do sends req and fails with a *statusError on a server error.
func (s statusClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := s.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < http.StatusInternalServerError {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, serverError(resp)
}

// serverError reads the description of a 5xx answer, if it is a Bot API one.
func serverError(resp *http.Response) *statusError {
	se := &statusError{Code: resp.StatusCode, Description: http.StatusText(resp.StatusCode)}
	var r struct {
		Description string `json:"description"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if json.Unmarshal(body, &r) == nil && r.Description != "" {
		se.Description = r.Description
	}
	return se
}

// scrubbed hides the bot token in the text of an error it wraps: the Bot
// API puts the token in every URL, and URLs end up in network errors.
type scrubbed struct {
	err     error
	secrets []string
}

func (e *scrubbed) Error() string {
	s := e.err.Error()
	for _, v := range e.secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

func (e *scrubbed) Unwrap() error { return e.err }

// scrub wraps err so that its text holds no secret of the platform, and
// masks the URL of any *url.Error in its chain.
func (p *Platform) scrub(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = p.scrubText(ue.URL)
	}
	return &scrubbed{err: err, secrets: p.secrets}
}

func (p *Platform) scrubText(s string) string {
	for _, v := range p.secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

// secretsOf lists the strings that must never be printed: the token, its
// secret half (URL encoders may escape the colon) and the webhook secret.
func secretsOf(c Config) []string {
	out := []string{c.Token}
	if _, after, ok := strings.Cut(c.Token, ":"); ok && len(after) >= 8 {
		out = append(out, after)
	}
	if c.WebhookSecret != "" {
		out = append(out, c.WebhookSecret)
	}
	return out
}

// failure is what a Bot API error means for the engine.
type failure struct {
	kind  error         // bot.ErrX, nil when retry or unknown
	retry bool          // transient: worth another attempt
	after time.Duration // retry_after, when given
	desc  string        // Telegram's description, lowercased, for refinements
}

// classify reads an error of the library or of the getUpdates client.
func classify(err error) failure {
	desc := strings.ToLower(err.Error())
	var tm *tgbot.TooManyRequestsError
	var ae *apiError
	var se *statusError
	var me *tgbot.MigrateError
	switch {
	case errors.As(err, &tm):
		return failure{retry: true, after: time.Duration(tm.RetryAfter) * time.Second, desc: desc}
	case errors.As(err, &se):
		return failure{retry: true, desc: desc}
	case errors.As(err, &ae):
		switch {
		case ae.Code == http.StatusTooManyRequests:
			return failure{retry: true, after: time.Duration(ae.RetryAfter) * time.Second, desc: desc}
		case ae.Code >= http.StatusInternalServerError, ae.Code == http.StatusConflict:
			return failure{retry: true, desc: desc}
		case ae.Code == http.StatusUnauthorized, ae.Code == http.StatusForbidden, ae.Code == http.StatusNotFound:
			return failure{kind: bot.ErrForbidden, desc: desc}
		default:
			return failure{kind: bot.ErrBadRequest, desc: desc}
		}
	case errors.As(err, &me):
		return failure{kind: bot.ErrBadRequest, desc: desc}
	case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound):
		// 401 and 404 come from a revoked or mistyped token.
		return failure{kind: bot.ErrForbidden, desc: desc}
	case errors.Is(err, tgbot.ErrorBadRequest):
		return failure{kind: bot.ErrBadRequest, desc: desc}
	case errors.Is(err, tgbot.ErrorConflict):
		return failure{retry: true, desc: desc}
	case isNetwork(err):
		return failure{retry: true, desc: desc}
	}
	return failure{desc: desc}
}

// isNetwork reports transport failures, including a context that ended
// while the request was under way: the outcome is then unknown.
func isNetwork(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// translate maps err to the bot package's vocabulary, naming op (ids only).
// refine may replace the kind of a non-transient failure, reading Telegram's
// description (for example "message to delete not found").
func (p *Platform) translate(op string, err error, refine func(f failure) error) error {
	f := classify(err)
	err = p.scrub(err)
	if f.retry {
		return &bot.RetryError{After: f.after, Err: fmt.Errorf("telegram: %s: %w", op, err)}
	}
	kind := f.kind
	if refine != nil {
		if k := refine(f); k != nil {
			kind = k
		}
	}
	if kind == nil {
		return fmt.Errorf("telegram: %s: %w", op, err)
	}
	return fmt.Errorf("telegram: %s: %w: %w", op, kind, err)
}

// refineSend reads the descriptions of sendMessage failures that mean the
// bot may not write in the chat.
func refineSend(f failure) error {
	for _, s := range []string{"not enough rights", "have no rights", "chat_write_forbidden", "topic_closed", "chat not found", "need administrator rights"} {
		if strings.Contains(f.desc, s) {
			return bot.ErrForbidden
		}
	}
	return nil
}
