package bot

import (
	"errors"
	"fmt"
	"time"
)

// Errors that platform adapters translate their failures into, so that the
// engine decides with errors.Is and errors.As alone.
var (
	// ErrNotFound means the post or the target is gone (deleted meanwhile).
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the bot has no right to act (removed from the chat,
	// no admin right, token revoked).
	ErrForbidden = errors.New("forbidden")
	// ErrTooOld means the platform's window for the action has passed
	// (Telegram deletes only messages younger than 48 hours).
	ErrTooOld = errors.New("too old")
	// ErrUnsupported means the platform cannot perform the action at all.
	ErrUnsupported = errors.New("unsupported")
	// ErrBadRequest means the platform refused the request as malformed;
	// retrying it would not help.
	ErrBadRequest = errors.New("bad request")
	// ErrConflict means the item is no longer in the state the request
	// expects (a proposal already approved, an escalation already closed).
	ErrConflict = errors.New("conflict")
)

// RetryError is a transient failure (HTTP 429, 5xx, network): the action may
// be tried again, not before After when it is set.
type RetryError struct {
	After time.Duration // how long the platform asked to wait; 0 if unknown
	Err   error
}

func (e *RetryError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
	}
	return fmt.Sprintf("retry: %v", e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// Retryable reports whether err is worth another attempt, and after how
// long the platform asked to wait.
func Retryable(err error) (time.Duration, bool) {
	var re *RetryError
	if errors.As(err, &re) {
		return re.After, true
	}
	return 0, false
}
