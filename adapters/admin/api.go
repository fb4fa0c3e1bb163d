package admin

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot"
)

// switchJSON is one switch that is set.
type switchJSON struct {
	Key   string `json:"key"`
	Scope string `json:"scope"` // all, platform, account, chat, intent, action
	Name  string `json:"name,omitempty"`
	Mode  string `json:"mode"`
}

// switchesJSON is the state of the switches.
type switchesJSON struct {
	Mode     bot.Mode     `json:"mode"`         // the whole bot's mode: the default or a stricter global switch
	Default  bot.Mode     `json:"default_mode"` // the configured mode
	Switches []switchJSON `json:"switches"`
}

func switchesOf(sw bot.Switches) switchesJSON {
	out := switchesJSON{Mode: sw.ModeFor(bot.Post{}, "", ""), Default: sw.Default, Switches: []switchJSON{}}
	for key, mode := range sw.Set {
		s := switchJSON{Key: key, Scope: "all", Mode: mode}
		if _, rest, ok := strings.Cut(key, ":"); ok {
			s.Scope, s.Name, _ = strings.Cut(rest, ":")
		}
		out.Switches = append(out.Switches, s)
	}
	sort.Slice(out.Switches, func(i, j int) bool { return out.Switches[i].Key < out.Switches[j].Key })
	return out
}

// statusJSON is the body of GET /api/v1/status.
type statusJSON struct {
	switchesJSON
	Platforms map[string]bool `json:"platforms"` // source (platform/account) → receiving
	Backlog   int             `json:"backlog"`   // actions still to send
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	n, err := s.eng.Store().Pending(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, statusJSON{switchesJSON: switchesOf(s.eng.Switches()), Platforms: s.eng.Up(), Backlog: n})
	return nil
}

func (s *Server) switches(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, switchesOf(s.eng.Switches()))
	return nil
}

// switchRequest is the body of PUT and DELETE /api/v1/switches.
type switchRequest struct {
	Scope string `json:"scope"` // "" or "all" for the whole bot
	Name  string `json:"name"`
	Mode  string `json:"mode"` // PUT only
}

func (s *Server) setSwitch(w http.ResponseWriter, r *http.Request) error {
	who, err := moderator(r)
	if err != nil {
		return err
	}
	var req switchRequest
	if _, err := decode(w, r, s.cfg.MaxBody, &req, false); err != nil {
		return err
	}
	if strings.TrimSpace(req.Mode) == "" {
		return badRequest("mode is required (auto, approve, dry-run or off); DELETE clears a switch")
	}
	mode, err := bot.ParseMode(req.Mode)
	if err != nil {
		return badRequest("%v", err)
	}
	return s.applySwitch(w, r, req, mode, who)
}

func (s *Server) clearSwitch(w http.ResponseWriter, r *http.Request) error {
	who, err := moderator(r)
	if err != nil {
		return err
	}
	var req switchRequest
	ok, err := decode(w, r, s.cfg.MaxBody, &req, true)
	if err != nil {
		return err
	}
	if !ok {
		q := r.URL.Query()
		req = switchRequest{Scope: q.Get("scope"), Name: q.Get("name")}
	}
	if req.Mode != "" {
		return badRequest("DELETE clears a switch and takes no mode; PUT sets one")
	}
	return s.applySwitch(w, r, req, "", who)
}

// applySwitch sets (or, with an empty mode, clears) the switch of the
// request's scope and answers with the switches in force.
func (s *Server) applySwitch(w http.ResponseWriter, r *http.Request, req switchRequest, mode bot.Mode, who string) error {
	key, err := bot.SwitchKey(strings.TrimSpace(req.Scope), strings.TrimSpace(req.Name))
	if err != nil {
		return badRequest("%v", err)
	}
	if err := s.eng.SetSwitch(r.Context(), key, mode, who); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, switchesOf(s.eng.Switches()))
	return nil
}

// actionJSON is an outbox row as moderators see it: ids, labels and the
// bot's own text, never the author.
type actionJSON struct {
	ID       int64     `json:"id"`
	PostKey  string    `json:"post_key"`
	Platform string    `json:"platform"`
	Account  string    `json:"account"`
	PostID   string    `json:"post_id"`
	URL      string    `json:"url,omitempty"`
	Kind     string    `json:"kind"`
	Intent   string    `json:"intent"`
	Text     string    `json:"text"`
	State    string    `json:"state"`
	Attempts int       `json:"attempts"`
	Note     string    `json:"note,omitempty"`
	Created  time.Time `json:"created"`
}

func actionOf(a bot.Action) actionJSON {
	return actionJSON{ID: a.ID, PostKey: a.PostKey, Platform: a.Target.Platform, Account: a.Target.Account,
		PostID: a.Target.ID, URL: a.Target.URL, Kind: string(a.Kind), Intent: a.Intent, Text: a.Text,
		State: string(a.State), Attempts: a.Attempts, Note: a.LastError, Created: a.Created}
}

func (s *Server) proposals(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	acts, err := s.eng.Store().Actions(r.Context(), bot.StateProposed, limit)
	if err != nil {
		return err
	}
	out := make([]actionJSON, len(acts))
	for i, a := range acts {
		out[i] = actionOf(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"proposals": out})
	return nil
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, s.eng.Approve)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, s.eng.Reject)
}

// decide approves or rejects a proposed action and answers with the
// action as it now stands.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, id int64, who string) error) error {
	who, err := moderator(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := s.eng.Store().Action(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return notFound("no action %d", id)
	}
	if err != nil {
		return err
	}
	if a.State != bot.StateProposed {
		return conflict("action %d is %s, not proposed", id, a.State)
	}
	if err := do(ctx, id, who); err != nil {
		// Another moderator may have decided it meanwhile.
		if b, rerr := s.eng.Store().Action(ctx, id); rerr == nil && b.State != bot.StateProposed {
			return conflict("action %d is %s, not proposed", id, b.State)
		}
		return err
	}
	a, err = s.eng.Store().Action(ctx, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, actionOf(a))
	return nil
}

// escalationJSON is one item of the moderators' queue.
type escalationJSON struct {
	ID         int64      `json:"id"`
	PostKey    string     `json:"post_key"`
	Platform   string     `json:"platform"`
	AuthorFP   string     `json:"author_fp,omitempty"`
	Reason     string     `json:"reason"`
	Labels     []string   `json:"labels"`
	Redacted   string     `json:"redacted,omitempty"`
	URL        string     `json:"url,omitempty"`
	Created    time.Time  `json:"created"`
	Open       bool       `json:"open"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Note       string     `json:"note,omitempty"`
	Resolved   *time.Time `json:"resolved,omitempty"`
}

func escalationOf(e bot.Escalation) escalationJSON {
	out := escalationJSON{ID: e.ID, PostKey: e.PostKey, Platform: e.Platform, AuthorFP: e.AuthorFP, Reason: e.Reason,
		Labels: e.Labels, Redacted: e.Redacted, URL: e.URL, Created: e.Created, Open: e.Resolved.IsZero(),
		ResolvedBy: e.ResolvedBy, Note: e.Note}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if !e.Resolved.IsZero() {
		t := e.Resolved
		out.Resolved = &t
	}
	return out
}

func (s *Server) escalations(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	open := false
	if v := r.URL.Query().Get("open"); v != "" {
		if open, err = strconv.ParseBool(v); err != nil {
			return badRequest("open must be 1 or 0 (true or false)")
		}
	}
	items, err := s.eng.Store().Escalations(r.Context(), open, limit)
	if err != nil {
		return err
	}
	out := make([]escalationJSON, len(items))
	for i, e := range items {
		out[i] = escalationOf(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"escalations": out})
	return nil
}

// maxNote is the longest resolution note, in runes.
const maxNote = 2000

func (s *Server) resolve(w http.ResponseWriter, r *http.Request) error {
	who, err := moderator(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req struct {
		Note string `json:"note"`
	}
	if _, err := decode(w, r, s.cfg.MaxBody, &req, true); err != nil {
		return err
	}
	note := strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(note) > maxNote {
		return badRequest("note longer than %d characters", maxNote)
	}
	ctx := r.Context()
	item, err := s.eng.Store().Escalation(ctx, id)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && !item.Resolved.IsZero()) {
		return notFound("no open escalation %d", id)
	}
	if err != nil {
		return err
	}
	// The engine stores the note masked and audits who resolved it.
	if err := s.eng.ResolveEscalation(ctx, id, who, note); err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			return notFound("no open escalation %d", id)
		}
		return err
	}
	if item, err = s.eng.Store().Escalation(ctx, id); err != nil {
		return err
	}
	s.log.Info().Int64("escalation_id", id).Str("actor", who).Msg("escalation resolved")
	writeJSON(w, http.StatusOK, escalationOf(item))
	return nil
}

// auditJSON is one row of the audit trail.
type auditJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Event    string    `json:"event"`
	Platform string    `json:"platform,omitempty"`
	PostKey  string    `json:"post_key,omitempty"`
	AuthorFP string    `json:"author_fp,omitempty"`
	Intent   string    `json:"intent,omitempty"`
	Labels   []string  `json:"labels"`
	Actions  []string  `json:"actions"`
	Outcome  string    `json:"outcome,omitempty"`
	Redacted string    `json:"redacted,omitempty"`
}

func auditOf(a bot.AuditEntry) auditJSON {
	out := auditJSON{ID: a.ID, At: a.At, Actor: a.Actor, Event: a.Event, Platform: a.Platform, PostKey: a.PostKey,
		AuthorFP: a.AuthorFP, Intent: a.Intent, Labels: a.Labels, Actions: a.Actions, Outcome: a.Outcome,
		Redacted: a.Redacted}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if out.Actions == nil {
		out.Actions = []string{}
	}
	return out
}

// auditPage is the body of GET /api/v1/audit. NextBefore, when set, is
// the before parameter of the next (older) page.
type auditPage struct {
	Entries    []auditJSON `json:"entries"`
	NextBefore int64       `json:"next_before,omitempty"`
}

// maxTerm is the longest filter term accepted, in bytes.
const maxTerm = 200

func (s *Server) audit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	f := bot.AuditFilter{Platform: q.Get("platform"), Event: q.Get("event"), Label: q.Get("label"),
		Action: q.Get("action"), Limit: limit}
	for name, v := range map[string]string{"platform": f.Platform, "event": f.Event, "label": f.Label, "action": f.Action} {
		if len(v) > maxTerm {
			return badRequest("%s longer than %d bytes", name, maxTerm)
		}
	}
	if f.Since, err = queryTime(q.Get("since"), "since"); err != nil {
		return err
	}
	if f.Until, err = queryTime(q.Get("until"), "until"); err != nil {
		return err
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before <= 0 {
			return badRequest("before must be a positive audit row id")
		}
	}
	rows, err := s.eng.Store().AuditTrail(r.Context(), f)
	if err != nil {
		return err
	}
	page := auditPage{Entries: make([]auditJSON, len(rows))}
	for i, a := range rows {
		page.Entries[i] = auditOf(a)
	}
	if len(rows) == limit {
		page.NextBefore = rows[len(rows)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// queryTime reads a time parameter: RFC 3339, or a date (midnight UTC).
func queryTime(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, badRequest("%s must be an RFC 3339 time or a date (2006-01-02)", name)
}

// checkPlatforms are the platforms a text can be checked for.
var checkPlatforms = map[string]bool{"telegram": true, "mastodon": true, "console": true}

// checkRequest is the body of POST /api/v1/check.
type checkRequest struct {
	Text     string `json:"text"`
	Platform string `json:"platform"` // telegram, mastodon or console (the default)
}

// checkResponse is the verdict on a text in the classification contract's
// form (its text redacted), with the moderator's explanation.
type checkResponse struct {
	*bot.Verdict
	Explain string `json:"explain"`
}

// check decides a text as the engine would, without recording or sending
// anything. The answer holds the redacted text only, never the input.
func (s *Server) check(w http.ResponseWriter, r *http.Request) error {
	var req checkRequest
	if _, err := decode(w, r, s.cfg.MaxBody, &req, false); err != nil {
		return err
	}
	if strings.TrimSpace(req.Text) == "" {
		return badRequest("text is required")
	}
	if len(req.Text) > bot.MaxText {
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: "text longer than " + strconv.Itoa(bot.MaxText) + " bytes"}
	}
	platform := strings.ToLower(strings.TrimSpace(req.Platform))
	if platform == "" {
		platform = "console"
	}
	if !checkPlatforms[platform] {
		return badRequest("platform must be telegram, mastodon or console")
	}
	v := s.eng.Responder().Decide(bot.Post{Platform: platform, Account: "check", ID: "check",
		Kind: bot.KindComment, Text: req.Text, Time: time.Now()}, nil)
	writeJSON(w, http.StatusOK, checkResponse{Verdict: v, Explain: bot.Explain(v)})
	return nil
}
