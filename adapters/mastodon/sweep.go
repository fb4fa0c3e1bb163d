package mastodon

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// sweepStatuses is how many of the account's latest statuses a sweep
// looks under.
const sweepStatuses = 20

var _ bot.Sweeper = (*Platform)(nil)

// Sweep hands h again the replies under the account's latest statuses, so
// that the engine sees the replies that made no notification (those that
// do not mention the account) and those a notification policy held back.
// It lists the account's 20 latest statuses without boosts and reads the
// context of each; every descendant not by the account is delivered, as
// bot.KindComment unless it mentions the account (bot.KindMention) or is
// direct (bot.KindDirect), with no cursor, so that the notification cursor
// stays where it is. Posts handled before are delivered too: the engine
// skips them.
//
// A status deleted meanwhile (404) is skipped. Any other failure ends the
// sweep with the error translated (bot.ErrForbidden when the token is
// refused, *bot.RetryError when the server is busy or unreachable), as
// does an error of h; the next sweep starts over.
func (p *Platform) Sweep(ctx context.Context, h bot.Handler) error {
	var own []*mastodon.Status
	err := p.call(ctx, "sweep: list own statuses", "", func(ctx context.Context) (err error) {
		own, err = p.client.GetAccountStatusesParams(ctx, p.self,
			url.Values{"exclude_reblogs": {"true"}}, &mastodon.Pagination{Limit: sweepStatuses})
		return err
	})
	if err != nil {
		return err
	}
	for _, s := range own {
		if s.Reblog != nil {
			continue
		}
		var thread *mastodon.Context
		err := p.call(ctx, "sweep: read replies to status "+string(s.ID), "", func(ctx context.Context) (err error) {
			thread, err = p.client.GetStatusContext(ctx, s.ID)
			return err
		})
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for _, d := range thread.Descendants {
			kind := bot.KindComment
			if d != nil && p.mentionsSelf(d) {
				kind = bot.KindMention
			}
			post, ok := p.statusPost(d, kind)
			if !ok {
				continue
			}
			if err := h.Handle(ctx, post); err != nil {
				return fmt.Errorf("mastodon: sweep: handle status %s: %w", d.ID, err)
			}
		}
	}
	return nil
}
