package mastodon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// Catch-up sizes: notifications per page, and on a first start (empty
// cursor) how far back mentions are still answered.
const (
	pageLimit        = 40
	firstStartWindow = 24 * time.Hour
)

// healthySession is how long a stream must have lived for the next drop to
// be reconnected without the accumulated backoff.
const healthySession = time.Minute

// Receive delivers mentions to h from cursor, a notification id ("" for the
// mentions of the last 24 hours), until ctx ends (nil) or a fatal error:
// bot.ErrForbidden when the token is refused, bot.ErrBadRequest or
// bot.ErrNotFound when the server refuses the notifications request itself,
// or the handler's error. Transient failures are retried with backoff.
//
// The cursor a post carries is the position of the catch-up: every mention
// up to it has been handed to h. A post from the catch-up carries its own
// notification id; a post from the stream carries the position reached so
// far, and the next catch-up moves past it (without delivering it again)
// and records the new position with h.Advance. So a mention the stream
// missed, or filtered by the server's notification policy, is never
// skipped.
func (p *Platform) Receive(ctx context.Context, cursor string, h bot.Handler) error {
	r := &receiver{
		p:      p,
		h:      h,
		synced: mastodon.ID(cursor),
		saved:  mastodon.ID(cursor),
		seen:   make(map[mastodon.ID]bool),
	}
	if p.cfg.Streaming {
		return r.stream(ctx)
	}
	return r.poll(ctx)
}

// receiver is the state of one Receive call, used by its goroutine only.
type receiver struct {
	p *Platform
	h bot.Handler

	synced mastodon.ID          // every mention up to it was handed to h
	saved  mastodon.ID          // the last cursor h recorded
	seen   map[mastodon.ID]bool // delivered from the stream, above synced

	fails     int       // consecutive failures, for the backoff
	notBefore time.Time // no catch-up before (after a 429)
}

// poll catches up every PollInterval.
func (r *receiver) poll(ctx context.Context) error {
	for {
		err := r.catchUp(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := r.p.cfg.PollInterval
		if err != nil {
			if fatal(err) {
				return err
			}
			wait = r.failed(err)
		} else {
			r.fails = 0
		}
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// stream keeps the WebSocket open, catching up on every connection and
// every PollInterval, and reconnects with backoff when it drops. While the
// stream cannot be opened, it catches up between attempts.
func (r *receiver) stream(ctx context.Context) error {
	for {
		start := time.Now()
		var stop error
		conn, err := r.p.dial(ctx)
		switch {
		case err == nil:
			if err = r.session(ctx, conn); err != nil && fatal(err) {
				stop = err
			}
		case errors.Is(err, bot.ErrForbidden):
			stop = err
		default:
			// Streaming may be off or broken while the REST API works.
			if cerr := r.catchUp(ctx); cerr != nil && fatal(cerr) {
				stop = cerr
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if stop != nil {
			return stop
		}
		if time.Since(start) >= healthySession {
			r.fails = 0
		}
		if !sleep(ctx, r.failed(err)) {
			return nil
		}
	}
}

// session reads one open stream until it drops (returning the cause) or a
// fatal error.
func (r *receiver) session(ctx context.Context, conn *websocket.Conn) error {
	events := make(chan streamEvent)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readStream(conn, events, done)
	}()
	defer func() {
		close(done)
		_ = conn.Close()
		wg.Wait()
	}()

	// The stream is live: whatever came before is in the catch-up.
	if err := r.catchUp(ctx); err != nil && (fatal(err) || ctx.Err() != nil) {
		return err
	}
	poll := time.NewTicker(r.p.cfg.PollInterval)
	defer poll.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			if err := r.catchUp(ctx); err != nil && fatal(err) {
				return err
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(r.p.cfg.HTTPTimeout)); err != nil {
				return fmt.Errorf("mastodon: ping stream: %w", err)
			}
		case ev := <-events:
			if ev.err != nil {
				return fmt.Errorf("mastodon: read stream: %w", ev.err)
			}
			if err := r.live(ctx, ev.n); err != nil {
				return err
			}
		}
	}
}

// live delivers a notification from the stream, once.
func (r *receiver) live(ctx context.Context, n *mastodon.Notification) error {
	if !r.p.wants(n.Type) || r.seen[n.ID] || (r.synced != "" && n.ID.Compare(r.synced) <= 0) {
		return nil
	}
	post, ok := r.p.toPost(n)
	if !ok {
		return nil
	}
	post.Cursor = string(r.synced)
	if err := r.h.Handle(ctx, post); err != nil {
		return &handlerError{fmt.Errorf("mastodon: handle notification %s: %w", n.ID, err)}
	}
	r.seen[n.ID] = true
	r.saved = r.synced
	return nil
}

// catchUp delivers, oldest first, the mentions after the synced position
// that the stream has not delivered, then records the new position.
func (r *receiver) catchUp(ctx context.Context) error {
	if time.Now().Before(r.notBefore) {
		return nil
	}
	err := r.pages(ctx)
	if err == nil && r.synced != r.saved {
		if aerr := r.h.Advance(ctx, r.p.source(), string(r.synced)); aerr != nil {
			err = &handlerError{fmt.Errorf("mastodon: advance to notification %s: %w", r.synced, aerr)}
		} else {
			r.saved = r.synced
		}
	}
	for id := range r.seen {
		if r.synced != "" && id.Compare(r.synced) <= 0 {
			delete(r.seen, id)
		}
	}
	if after, ok := bot.Retryable(err); ok && after > 0 {
		r.notBefore = time.Now().Add(after)
	}
	return err
}

// pages walks the notifications forward from the synced position.
func (r *receiver) pages(ctx context.Context) error {
	if r.synced == "" {
		return r.firstStart(ctx)
	}
	for {
		page, err := r.p.mentions(ctx, r.synced)
		if err != nil {
			return err
		}
		if err := r.deliver(ctx, page); err != nil {
			return err
		}
		if len(page) < pageLimit {
			return nil
		}
	}
}

// firstStart delivers the mentions of the last day from the newest page.
func (r *receiver) firstStart(ctx context.Context) error {
	page, err := r.p.mentions(ctx, "")
	if err != nil {
		return err
	}
	since := time.Now().Add(-firstStartWindow)
	recent := page[:0]
	newest := mastodon.ID("")
	for _, n := range page {
		if newest == "" || n.ID.Compare(newest) > 0 {
			newest = n.ID
		}
		if n.CreatedAt.After(since) {
			recent = append(recent, n)
		}
	}
	if err := r.deliver(ctx, recent); err != nil {
		return err
	}
	if newest != "" && (r.synced == "" || newest.Compare(r.synced) > 0) {
		r.synced = newest
	}
	return nil
}

// deliver hands the posts of a page to the handler oldest first, moving the
// synced position past each.
func (r *receiver) deliver(ctx context.Context, page []*mastodon.Notification) error {
	slices.SortFunc(page, func(a, b *mastodon.Notification) int { return a.ID.Compare(b.ID) })
	for _, n := range page {
		if r.synced != "" && n.ID.Compare(r.synced) <= 0 {
			continue
		}
		if !r.seen[n.ID] && r.p.wants(n.Type) {
			if post, ok := r.p.toPost(n); ok {
				if err := r.h.Handle(ctx, post); err != nil {
					return &handlerError{fmt.Errorf("mastodon: handle notification %s: %w", n.ID, err)}
				}
				r.saved = n.ID
			}
		}
		r.synced = n.ID
	}
	return nil
}

// failed counts a failure and returns how long to wait before the next
// attempt: exponential backoff with jitter, at least what a 429 asked.
func (r *receiver) failed(err error) time.Duration {
	r.fails++
	d := r.p.backoff
	for i := 1; i < r.fails && d < r.p.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.p.maxBackoff)
	d = d/2 + rand.N(d/2+1)
	if after, ok := bot.Retryable(err); ok && after > d {
		d = after
	}
	return d
}

// mentions fetches one page of mention notifications: the oldest after
// minID, or the newest when minID is empty. go-mastodon's notification
// calls cannot ask for types[] with a fresh pagination nor for
// include_filtered, so the request is made here.
func (p *Platform) mentions(ctx context.Context, minID mastodon.ID) ([]*mastodon.Notification, error) {
	q := url.Values{
		"types[]":          {typeMention},
		"include_filtered": {"true"},
		"limit":            {strconv.Itoa(pageLimit)},
	}
	if p.cfg.RejectReplies {
		q.Add("types[]", typePendingReply)
	}
	if minID != "" {
		q.Set("min_id", string(minID))
	}
	var page []*mastodon.Notification
	op := "list notifications after " + string(minID)
	if minID == "" {
		op = "list notifications"
	}
	err := p.call(ctx, op, "", func(ctx context.Context) error {
		return p.do(ctx, "GET", "/api/v1/notifications", q, nil, &page)
	})
	return page, err
}

// sleep waits d or until ctx ends; it reports whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
