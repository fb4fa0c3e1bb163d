package mastodon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// idempotencyKey is the context key under which a request carries its
// Idempotency-Key.
type idempotencyKey struct{}

// withIdempotencyKey returns a context whose POST requests carry key.
func withIdempotencyKey(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, idempotencyKey{}, key)
}

// rateLimitError is what the transport returns instead of an HTTP 429
// response, so that go-mastodon does not retry it on its own.
type rateLimitError struct {
	After time.Duration // 0 when the server said nothing usable
}

func (e *rateLimitError) Error() string { return "rate limited (http 429)" }

// transport adds the Idempotency-Key header that go-mastodon cannot set per
// request, and turns HTTP 429 into a rateLimitError.
type transport struct {
	base http.RoundTripper
	now  func() time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if key, ok := req.Context().Value(idempotencyKey{}).(string); ok && req.Method == http.MethodPost {
		req = req.Clone(req.Context())
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		after := retryAfter(resp.Header, t.now())
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		return nil, &rateLimitError{After: after}
	}
	return resp, nil
}

// retryAfter reads how long a throttled client should wait: Retry-After
// (seconds or an HTTP date), else X-RateLimit-Reset (Mastodon sends an ISO
// 8601 time; Unix seconds are accepted too), measured against the server's
// Date header when present so that clock skew does not matter.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if at, err := http.ParseTime(v); err == nil {
			return positive(at.Sub(now))
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return positive(at.Sub(now))
		}
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return positive(time.Unix(s, 0).Sub(now))
		}
	}
	return 0
}

// positive rounds d up to a whole second and never returns less than one
// second, since a reset already past still means "not right now".
func positive(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}

// statusError is a non-2xx answer: to a request made here, or from
// go-mastodon (whose *mastodon.APIError it wraps, for a shorter message).
type statusError struct {
	Code    int
	Message string
	err     error
}

func (e *statusError) Unwrap() error { return e.err }

func (e *statusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("http %d", e.Code)
	}
	return fmt.Sprintf("http %d: %s", e.Code, e.Message)
}
