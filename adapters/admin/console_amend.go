package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
)

// amend replaces the text of a proposed reply with the moderator's edit,
// once the engine has checked it (and audited who did it); the reply
// still waits for approval. A refused edit comes back in its form, with
// the reason.
func (c *console) amend(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.proposal(w, r, s)
	if !ok {
		return
	}
	// Browsers send a textarea's line breaks as CRLF.
	text := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n"))
	ctx := r.Context()
	err := c.s.eng.Amend(ctx, id, text, s.user)
	switch {
	case err == nil:
		c.s.log.Info().Int64("action_id", id).Str("actor", s.user).Msg("proposed reply amended")
		back(w, r, "/console/review", "amended", "prop-"+strconv.FormatInt(id, 10))
	case errors.Is(err, bot.ErrBadRequest):
		key, _ := amendRefusal(err)
		c.s.log.Info().Int64("action_id", id).Str("actor", s.user).Str("reason", key).Msg("amended reply refused")
		p, rerr := c.reviewData(ctx)
		if rerr != nil {
			c.internal(w, r, s, rerr)
			return
		}
		p.Err = c.amendReason(err)
		for i := range p.Proposals {
			if p.Proposals[i].ID == id {
				p.Proposals[i].Draft, p.Proposals[i].DraftErr = maskDraft(text), p.Err
			}
		}
		c.render(w, r, http.StatusUnprocessableEntity, "review", s, p)
	case errors.Is(err, bot.ErrConflict):
		back(w, r, "/console/review?err=decided", "", "")
	case errors.Is(err, bot.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, "err_not_found")
	default:
		c.internal(w, r, s, err)
	}
}

// draftDetector finds the personal data of a refused edit: the edit comes
// back to the moderator with them masked, as every text of the console.
var draftDetector = sync.OnceValue(pii.New)

// maskDraft masks the personal data of an edit.
func maskDraft(text string) string {
	return pii.Redact(text, draftDetector().Find(text))
}

// amendRefusal reads the reason of a refused edit: a message key of the
// console and its arguments.
func amendRefusal(err error) (string, []any) {
	var r *bot.ReplyRefusal
	if !errors.As(err, &r) {
		return "amend_refused", nil
	}
	switch r.Reason {
	case bot.RefusedPersonalData:
		return "amend_pii", []any{pii.Kind(r.Detail).Mask()}
	case bot.RefusedPhrase:
		return "amend_phrase", []any{r.Detail}
	case bot.RefusedLength:
		return "amend_length", []any{strconv.Itoa(r.Length), r.Platform, strconv.Itoa(r.Limit)}
	case bot.RefusedChannel:
		return "amend_channel", nil
	case bot.RefusedEmpty:
		return "amend_empty", nil
	}
	return "amend_refused", nil
}

// amendReason tells the moderator, in the console's language, why an edit
// was refused.
func (c *console) amendReason(err error) string {
	key, args := amendRefusal(err)
	if len(args) == 0 {
		return c.t[key]
	}
	return fmt.Sprintf(c.t[key], args...)
}
