package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	tgbot "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"github.com/inps-social/inpsbot/bot"
)

// pollLimit is how many updates one getUpdates call asks for (the API's
// maximum).
const pollLimit = 100

// Receive delivers posts to h until ctx ends, by long polling or on the
// webhook as configured. cursor is the saved position ("" for Telegram's
// oldest unconfirmed update): the update_id to resume from. Each post
// carries Cursor = update_id+1; updates without a post are passed to
// h.Advance. An update is confirmed to Telegram (by asking for the next
// offset) only after h has recorded it, so a restart neither replays nor
// skips. A handler error stops progress: the same update is tried again
// after a pause. Receive returns nil when ctx ends, and an error wrapping
// bot.ErrForbidden when the token is revoked.
func (p *Platform) Receive(ctx context.Context, cursor string, h bot.Handler) error {
	next, err := parseCursor(cursor)
	if err != nil {
		return err
	}
	if p.cfg.Mode == ModeWebhook {
		return p.serveWebhook(ctx, next, h)
	}
	return p.pollLoop(ctx, next, h)
}

// parseCursor reads the update id to resume from.
func parseCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("telegram: cursor %q is not an update id: %w", cursor, bot.ErrBadRequest)
	}
	return n, nil
}

// pollLoop is the getUpdates loop. It is this package's own rather than the
// library's, which confirms updates as soon as it queues them and runs
// handlers in goroutines it does not wait for.
func (p *Platform) pollLoop(ctx context.Context, next int64, h bot.Handler) error {
	// getUpdates answers 409 while a webhook is set.
	if _, err := p.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		err = p.translate("delete webhook", err, nil)
		if errors.Is(err, bot.ErrForbidden) {
			return err
		}
		p.log.Warn().Err(err).Msg("delete webhook before polling")
	}
	p.log.Info().Int64("offset", next).Msg("receiving by long polling")

	// Pauses grow separately for API failures and handler failures: a
	// successful poll must not reset the wait of a store that is down.
	var pause, pollPause, handlePause time.Duration
	for {
		if pause > 0 && !sleep(ctx, pause) {
			return nil
		}
		pause = 0
		updates, err := p.getUpdates(ctx, next)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, bot.ErrForbidden) {
				return err
			}
			pollPause = p.backoff(pollPause, err)
			pause = pollPause
			p.log.Warn().Err(err).Dur("retry_after", pause).Msg("get updates")
			continue
		}
		pollPause = 0
		var handleErr error
		next, handleErr = p.deliverPage(ctx, updates, next, h)
		if handleErr != nil {
			if ctx.Err() != nil {
				return nil
			}
			handlePause = p.backoff(handlePause, handleErr)
			pause = handlePause
			p.log.Warn().Err(handleErr).Int64("update_id", next).Dur("retry_after", pause).Msg("handle update")
			continue
		}
		handlePause = 0
	}
}

// deliverPage hands a page of updates to h in order, from the update id
// next on. Consecutive posts go together when h takes batches (one
// transaction for them and their cursor); callbacks and updates without a
// post go one by one. It returns the update id to resume from, which does
// not move past an update that failed.
func (p *Platform) deliverPage(ctx context.Context, updates []tgmodels.Update, next int64, h bot.Handler) (int64, error) {
	bh, batched := h.(bot.BatchHandler)
	var (
		batch     []bot.Post
		batchNext int64
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := bh.HandleBatch(ctx, batch); err != nil {
			batch = batch[:0]
			return err
		}
		next = batchNext
		batch = batch[:0]
		return nil
	}
	for i := range updates {
		u := &updates[i]
		if u.ID < next {
			continue // already recorded
		}
		if batched {
			if _, isCallback := p.callbackPost(u); !isCallback {
				if post, ok := p.post(u); ok {
					batch = append(batch, post)
					batchNext = u.ID + 1
					continue
				}
			}
		}
		if err := flush(); err != nil {
			return next, err
		}
		if err := p.deliver(ctx, u, h); err != nil {
			return next, err
		}
		next = u.ID + 1
	}
	return next, flush()
}

// deliver hands one update to h: its post, or its cursor alone. A callback
// query is answered once h has recorded it.
func (p *Platform) deliver(ctx context.Context, u *tgmodels.Update, h bot.Handler) error {
	if post, ok := p.callbackPost(u); ok {
		if err := h.Handle(ctx, post); err != nil {
			return err
		}
		p.answerCallback(ctx, u.ID, u.CallbackQuery.ID)
		return nil
	}
	if post, ok := p.post(u); ok {
		return h.Handle(ctx, post)
	}
	return h.Advance(ctx, p.Source(), strconv.FormatInt(u.ID+1, 10))
}

// backoff is the pause before the next attempt: retry_after when Telegram
// gave one, else doubling from minBackoff up to maxBackoff.
func (p *Platform) backoff(prev time.Duration, err error) time.Duration {
	if after, ok := bot.Retryable(err); ok && after > 0 {
		return after
	}
	d := prev * 2
	if d < p.minBackoff {
		d = p.minBackoff
	}
	if d > p.maxBackoff {
		d = p.maxBackoff
	}
	return d
}

// sleep waits d, reporting false if ctx ended first.
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

// getUpdates asks for the updates from offset, waiting up to PollTimeout
// for one to arrive. Asking confirms every update before offset.
func (p *Platform) getUpdates(ctx context.Context, offset int64) ([]tgmodels.Update, error) {
	params := struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{offset, pollLimit, int(p.cfg.PollTimeout / time.Second), allowedUpdates}
	var raw []json.RawMessage
	if err := p.call(ctx, p.poll, "getUpdates", params, &raw); err != nil {
		return nil, p.translate(fmt.Sprintf("get updates from %d", offset), err, nil)
	}
	updates := make([]tgmodels.Update, 0, len(raw))
	for _, r := range raw {
		var u tgmodels.Update
		if err := json.Unmarshal(r, &u); err != nil {
			// A shape the library cannot read: keep its id only, so that
			// it is skipped rather than blocking the stream.
			var id struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(r, &id) != nil {
				continue
			}
			p.log.Warn().Int64("update_id", id.ID).Msg("undecodable update skipped")
			u = tgmodels.Update{ID: id.ID}
		}
		updates = append(updates, u)
	}
	return updates, nil
}

// call posts params as JSON to a Bot API method and decodes its result.
func (p *Platform) call(ctx context.Context, c *http.Client, method string, params, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.APIURL+"/bot"+p.cfg.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return p.scrub(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return p.scrub(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= http.StatusInternalServerError {
		return serverError(resp)
	}
	var r struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return p.scrub(err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return &apiError{Method: method, Code: resp.StatusCode, Description: "undecodable answer"}
	}
	if !r.OK {
		code := r.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &apiError{Method: method, Code: code, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	if err := json.Unmarshal(r.Result, dest); err != nil {
		return fmt.Errorf("%s: decode result: %w", method, err)
	}
	return nil
}
