package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// httpStatus returns the HTTP status carried by err, 0 when none.
func httpStatus(err error) int {
	var ae *mastodon.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// translate turns err from the operation op into the bot vocabulary. ctx
// is the caller's context (without the per-call deadline): when it has
// ended, its error is returned instead of a retry.
func translate(ctx context.Context, op string, err error) error {
	var rl *rateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("mastodon: %s: %w", op, &bot.RetryError{After: rl.After, Err: rl})
	}
	var ae *mastodon.APIError
	if errors.As(err, &ae) {
		err = &statusError{Code: ae.StatusCode, Message: truncate(ae.Message, 200), err: ae}
	}
	if code := httpStatus(err); code != 0 {
		switch {
		case code == http.StatusUnauthorized || code == http.StatusForbidden:
			return fmt.Errorf("mastodon: %s: %w: %w", op, bot.ErrForbidden, err)
		case code == http.StatusNotFound || code == http.StatusGone:
			return fmt.Errorf("mastodon: %s: %w: %w", op, bot.ErrNotFound, err)
		case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
			return fmt.Errorf("mastodon: %s: %w: %w", op, bot.ErrBadRequest, err)
		case code == http.StatusRequestTimeout || code >= 500:
			return fmt.Errorf("mastodon: %s: %w", op, &bot.RetryError{Err: err})
		default:
			return fmt.Errorf("mastodon: %s: %w", op, err)
		}
	}
	// The URL of a failed request adds nothing but the server's address.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("mastodon: %s: %w", op, cerr)
	}
	// Network failures, the per-call deadline, a truncated body.
	return fmt.Errorf("mastodon: %s: %w", op, &bot.RetryError{Err: err})
}

// handlerError marks a failure of the engine's handler, which ends Receive.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// fatal reports whether a receive error ends Receive: the token is refused,
// the server refuses the request itself, or the handler failed.
func fatal(err error) bool {
	var he *handlerError
	return errors.As(err, &he) || errors.Is(err, bot.ErrForbidden) ||
		errors.Is(err, bot.ErrBadRequest) || errors.Is(err, bot.ErrNotFound)
}
