package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

// modes are the modes a switch can be set to, from the most to the least
// active; "" clears the switch.
var modes = []bot.Mode{bot.ModeAuto, bot.ModeApprove, bot.ModeDryRun, bot.ModeOff, ""}

// modeButton is one button of a switch's form.
type modeButton struct {
	Value   string
	Label   string
	Pressed bool
}

// switchRow is one switch on the overview.
type switchRow struct {
	Anchor    string // the row's id, to come back to it
	Scope     string
	Name      string
	Label     string // what the switch covers, for people
	Set       string // the mode set, "" when not set
	SetLabel  string
	IsAccount bool // an account, whose connection is shown
	Connected bool // for an account: whether its source is receiving
	Buttons   []modeButton
}

// switchGroup is one level of switches.
type switchGroup struct {
	Title string
	Rows  []switchRow
}

// failedAction is a recent failure on the overview.
type failedAction struct {
	ID       int64
	Platform string
	PostKey  string
	Kind     string
	Error    string
	When     time.Time
}

// overviewPage is the data of the overview.
type overviewPage struct {
	Effective    string // the whole bot's mode in force
	Default      string // the configured mode
	Backlog      int
	Proposed     int
	OpenQueue    int
	Accounts     []accountState
	Groups       []switchGroup
	Failed       []failedAction
	Intents      []string
	ProposedMore bool
}

// accountState is one platform account's connection.
type accountState struct {
	Source    string
	Connected bool
}

// The most rows the overview and review pages read of each list.
const (
	listLimit   = 100
	failedLimit = 10
	chatScan    = 200
)

func (c *console) modeLabel(m string) string {
	if m == "" {
		return c.t["mode_unset"]
	}
	return c.t["mode_"+m]
}

func (c *console) row(sw bot.Switches, scope, name, label string) switchRow {
	key, _ := bot.SwitchKey(scope, name)
	set := sw.Set[key]
	r := switchRow{Anchor: anchor(key), Scope: scope, Name: name, Label: label, Set: set, SetLabel: c.modeLabel(set)}
	for _, m := range modes {
		r.Buttons = append(r.Buttons, modeButton{Value: string(m), Label: c.modeLabel(string(m)), Pressed: set == string(m)})
	}
	return r
}

// anchor turns a switch key into an HTML id.
func anchor(key string) string {
	b := []byte("sw-" + key)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

func (c *console) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	st := c.s.eng.Store()
	sw := c.s.eng.Switches()
	up := c.s.eng.Up()
	p := overviewPage{Effective: c.modeLabel(string(sw.ModeFor(bot.Post{}, "", ""))), Default: c.modeLabel(string(sw.Default))}
	if sw.Default == "" {
		p.Default = c.modeLabel(string(bot.ModeAuto))
	}
	var err error
	if p.Backlog, err = st.Pending(ctx); err != nil {
		c.internal(w, r, s, err)
		return
	}
	proposed, err := st.Actions(ctx, bot.StateProposed, listLimit+1)
	if err != nil {
		c.internal(w, r, s, err)
		return
	}
	p.Proposed, p.ProposedMore = min(len(proposed), listLimit), len(proposed) > listLimit
	open, err := st.Escalations(ctx, true, 0)
	if err != nil {
		c.internal(w, r, s, err)
		return
	}
	p.OpenQueue = len(open)

	sources := make([]string, 0, len(up))
	for src := range up {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	platforms := map[string]bool{}
	for _, src := range sources {
		p.Accounts = append(p.Accounts, accountState{Source: src, Connected: up[src]})
		plat, _, _ := strings.Cut(src, "/")
		platforms[plat] = true
	}

	// Chats: those of recent outbox rows, and those with a switch set.
	// A direct conversation is never listed: its id is the author's.
	chats := map[string]bool{}
	for _, state := range []bot.ActionState{bot.StateProposed, bot.StatePending, bot.StateSent, bot.StateFailed, bot.StateSkipped} {
		acts, err := st.Actions(ctx, state, chatScan)
		if err != nil {
			c.internal(w, r, s, err)
			return
		}
		for _, a := range acts {
			t := a.Target
			if t.Channel == "" || t.Kind == bot.KindDirect || t.Channel == t.Author {
				continue
			}
			chats[t.Source()+"/"+t.Channel] = true
		}
	}
	for key := range sw.Set {
		if name, ok := strings.CutPrefix(key, "mode:chat:"); ok {
			chats[name] = true
		}
		if name, ok := strings.CutPrefix(key, "mode:platform:"); ok {
			platforms[name] = true
		}
	}

	all := switchGroup{Title: c.t["scope_all"], Rows: []switchRow{c.row(sw, "all", "", c.t["scope_all_name"])}}
	plats := switchGroup{Title: c.t["scope_platform"]}
	for _, name := range sortedKeys(platforms) {
		plats.Rows = append(plats.Rows, c.row(sw, "platform", name, name))
	}
	accts := switchGroup{Title: c.t["scope_account"]}
	for _, src := range sources {
		row := c.row(sw, "account", src, src)
		row.IsAccount, row.Connected = true, up[src]
		accts.Rows = append(accts.Rows, row)
	}
	chatGroup := switchGroup{Title: c.t["scope_chat"]}
	for _, name := range sortedKeys(chats) {
		chatGroup.Rows = append(chatGroup.Rows, c.row(sw, "chat", name, name))
	}
	intents := switchGroup{Title: c.t["scope_intent"]}
	for _, in := range rules.AllIntents {
		intents.Rows = append(intents.Rows, c.row(sw, "intent", string(in), string(in)))
	}
	actions := switchGroup{Title: c.t["scope_action"]}
	for _, a := range []bot.ActionKind{bot.ActReply, bot.ActHide, bot.ActEscalate} {
		actions.Rows = append(actions.Rows, c.row(sw, "action", string(a), c.t["action_"+string(a)]))
	}
	p.Groups = []switchGroup{all, plats, accts, chatGroup, intents, actions}

	failed, err := st.Actions(ctx, bot.StateFailed, failedLimit)
	if err != nil {
		c.internal(w, r, s, err)
		return
	}
	for _, a := range failed {
		p.Failed = append(p.Failed, failedAction{ID: a.ID, Platform: a.Target.Platform, PostKey: a.PostKey,
			Kind: string(a.Kind), Error: a.LastError, When: a.Created})
	}
	c.render(w, r, http.StatusOK, "overview", s, p)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// setSwitch sets or clears one switch, effective at once, audited under
// the moderator's name.
func (c *console) setSwitch(w http.ResponseWriter, r *http.Request, s *session) {
	scope := strings.TrimSpace(r.PostForm.Get("scope"))
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if len(name) > maxTerm {
		c.fail(w, r, s, http.StatusBadRequest, "err_form")
		return
	}
	var mode bot.Mode
	if v := r.PostForm.Get("mode"); v != "" {
		m, err := bot.ParseMode(v)
		if err != nil {
			c.fail(w, r, s, http.StatusBadRequest, "err_form")
			return
		}
		mode = m
	}
	key, err := bot.SwitchKey(scope, name)
	if err != nil {
		c.fail(w, r, s, http.StatusBadRequest, "err_form")
		return
	}
	if err := c.s.eng.SetSwitch(r.Context(), key, mode, s.user); err != nil {
		c.internal(w, r, s, err)
		return
	}
	back(w, r, "/console/", "switch", anchor(key))
}

// reviewItem is one proposed reply.
type reviewItem struct {
	ID       int64
	Platform string
	PostKey  string
	Intent   string
	Labels   []string
	Redacted string // "" when the decision is too old to be found
	Reply    string
	Draft    string // the text of the edit form
	DraftErr string // why the last edit was refused, "" when it was not
	Evidence []rules.Evidence
	HasLink  bool
	Created  time.Time
}

// queueItem is one open escalation.
type queueItem struct {
	ID       int64
	Platform string
	PostKey  string
	AuthorFP string
	Reason   string
	Labels   []string
	Redacted string
	Evidence []rules.Evidence
	HasLink  bool
	TakenBy  string
	Created  time.Time
}

// reviewPage is the data of the review page.
type reviewPage struct {
	Proposals []reviewItem
	Queue     []queueItem
	More      bool
	Err       string // a refusal, already in the interface's language
}

func (p reviewPage) errorText() string { return p.Err }

// decisionScan bounds the audit rows read to find the redacted text of
// proposed replies: proposals are recent, their decisions too.
const decisionScan = 3

func (c *console) review(w http.ResponseWriter, r *http.Request, s *session) {
	p, err := c.reviewData(r.Context())
	if err != nil {
		c.internal(w, r, s, err)
		return
	}
	c.render(w, r, http.StatusOK, "review", s, p)
}

// reviewData reads the proposed replies and the open escalations.
func (c *console) reviewData(ctx context.Context) (reviewPage, error) {
	st := c.s.eng.Store()
	acts, err := st.Actions(ctx, bot.StateProposed, listLimit+1)
	if err != nil {
		return reviewPage{}, err
	}
	p := reviewPage{More: len(acts) > listLimit}
	if p.More {
		acts = acts[:listLimit]
	}
	decisions, err := c.decisions(ctx, acts)
	if err != nil {
		return reviewPage{}, err
	}
	for _, a := range acts {
		it := reviewItem{ID: a.ID, Platform: a.Target.Platform, PostKey: a.PostKey, Intent: a.Intent, Reply: a.Text,
			Draft: a.Text, HasLink: safeURL(a.Target.URL) != "", Created: a.Created}
		if d, ok := decisions[a.PostKey]; ok {
			it.Redacted, it.Labels = d.Redacted, d.Labels
			it.Evidence = c.evidence(a.Target.Platform, d.Redacted)
		}
		p.Proposals = append(p.Proposals, it)
	}

	open, err := st.Escalations(ctx, true, listLimit)
	if err != nil {
		return reviewPage{}, err
	}
	for _, e := range open {
		it := queueItem{ID: e.ID, Platform: e.Platform, PostKey: e.PostKey, AuthorFP: e.AuthorFP, Reason: e.Reason,
			Labels: e.Labels, Redacted: e.Redacted, HasLink: safeURL(e.URL) != "", TakenBy: e.TakenBy, Created: e.Created}
		if e.Redacted != "" {
			it.Evidence = c.evidence(e.Platform, e.Redacted)
		}
		p.Queue = append(p.Queue, it)
	}
	return p, nil
}

// evidence re-runs the responder on a redacted text, to show the rules
// and lexicon entries behind its labels. The text given is already
// redacted: nothing personal goes in or comes out.
func (c *console) evidence(platform, redacted string) []rules.Evidence {
	v := c.s.eng.Responder().Decide(bot.Post{Platform: platform, Account: "console", ID: "review",
		Kind: bot.KindComment, Text: redacted}, nil)
	return v.Evidence
}

// decisions finds the decision rows of the actions' posts among the most
// recent ones.
func (c *console) decisions(ctx context.Context, acts []bot.Action) (map[string]bot.AuditEntry, error) {
	out := make(map[string]bot.AuditEntry, len(acts))
	if len(acts) == 0 {
		return out, nil
	}
	want := make(map[string]bool, len(acts))
	for _, a := range acts {
		want[a.PostKey] = true
	}
	var before int64
	limit := 2 * len(acts) // proposals are recent: a short first page often finds them all
	for range decisionScan {
		rows, err := c.s.eng.Store().AuditTrail(ctx, bot.AuditFilter{Event: "decision", Before: before, Limit: limit})
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if want[row.PostKey] {
				if _, dup := out[row.PostKey]; !dup {
					out[row.PostKey] = row
				}
			}
		}
		if len(out) == len(want) || len(rows) < limit {
			break
		}
		before, limit = rows[len(rows)-1].ID, maxLimit
	}
	return out, nil
}

func (c *console) approve(w http.ResponseWriter, r *http.Request, s *session) {
	c.decide(w, r, s, c.s.eng.Approve, "approved")
}

func (c *console) reject(w http.ResponseWriter, r *http.Request, s *session) {
	c.decide(w, r, s, c.s.eng.Reject, "rejected")
}

// pathID reads the id of a request's path; a bad one is answered here.
func (c *console) pathID(w http.ResponseWriter, r *http.Request, s *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.fail(w, r, s, http.StatusBadRequest, "err_form")
		return 0, false
	}
	return id, true
}

// proposal checks that the action of the path is still a proposed reply;
// otherwise the moderator is told, and ok is false.
func (c *console) proposal(w http.ResponseWriter, r *http.Request, s *session) (int64, bool) {
	id, ok := c.pathID(w, r, s)
	if !ok {
		return 0, false
	}
	a, err := c.s.eng.Store().Action(r.Context(), id)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, "err_not_found")
		return 0, false
	case err != nil:
		c.internal(w, r, s, err)
		return 0, false
	case a.State != bot.StateProposed:
		back(w, r, "/console/review?err=decided", "", "")
		return 0, false
	}
	return id, true
}

func (c *console) decide(w http.ResponseWriter, r *http.Request, s *session,
	do func(ctx context.Context, id int64, who string) error, ok string) {
	id, found := c.proposal(w, r, s)
	if !found {
		return
	}
	ctx := r.Context()
	if err := do(ctx, id, s.user); err != nil {
		if b, rerr := c.s.eng.Store().Action(ctx, id); rerr == nil && b.State != bot.StateProposed {
			back(w, r, "/console/review?err=decided", "", "")
			return
		}
		c.internal(w, r, s, err)
		return
	}
	back(w, r, "/console/review", ok, "")
}

// openEscalation finds an open escalation by its path id.
func (c *console) openEscalation(w http.ResponseWriter, r *http.Request, s *session) (bot.Escalation, bool) {
	id, ok := c.pathID(w, r, s)
	if !ok {
		return bot.Escalation{}, false
	}
	e, err := c.s.eng.Store().Escalation(r.Context(), id)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, "err_not_found")
		return bot.Escalation{}, false
	case err != nil:
		c.internal(w, r, s, err)
		return bot.Escalation{}, false
	case !e.Resolved.IsZero() || e.ResolvedBy != "":
		back(w, r, "/console/review?err=resolved", "", "")
		return bot.Escalation{}, false
	}
	return e, true
}

// formNote reads the note of a form: trimmed, at most maxNote characters.
func (c *console) formNote(w http.ResponseWriter, r *http.Request, s *session) (string, bool) {
	note := strings.TrimSpace(r.PostForm.Get("note"))
	if utf8.RuneCountInString(note) > maxNote {
		c.fail(w, r, s, http.StatusBadRequest, "err_note")
		return "", false
	}
	return note, true
}

// take assigns an escalation to the moderator; the engine audits it.
func (c *console) take(w http.ResponseWriter, r *http.Request, s *session) {
	e, ok := c.openEscalation(w, r, s)
	if !ok {
		return
	}
	if err := c.s.eng.TakeEscalation(r.Context(), e.ID, s.user); err != nil {
		if errors.Is(err, bot.ErrNotFound) { // resolved meanwhile
			back(w, r, "/console/review?err=resolved", "", "")
			return
		}
		c.internal(w, r, s, err)
		return
	}
	c.s.log.Info().Int64("escalation_id", e.ID).Str("actor", s.user).Msg("escalation taken")
	back(w, r, "/console/review", "taken", "esc-"+strconv.FormatInt(e.ID, 10))
}

// resolve closes an escalation with a note; the engine audits it.
func (c *console) resolve(w http.ResponseWriter, r *http.Request, s *session) {
	e, ok := c.openEscalation(w, r, s)
	if !ok {
		return
	}
	note, ok := c.formNote(w, r, s)
	if !ok {
		return
	}
	if err := c.s.eng.ResolveEscalation(r.Context(), e.ID, s.user, note); err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			back(w, r, "/console/review?err=resolved", "", "")
			return
		}
		c.internal(w, r, s, err)
		return
	}
	c.s.log.Info().Int64("escalation_id", e.ID).Str("actor", s.user).Msg("escalation resolved")
	back(w, r, "/console/review", "resolved", "")
}

// safeURL returns u when it is an http(s) link, else "".
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// link sends the moderator to a post on its platform. Pages link here by
// id, never with the post's address: a Mastodon address names its author.
func (c *console) link(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.pathID(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	var target string
	switch r.PathValue("kind") {
	case "action":
		a, err := c.s.eng.Store().Action(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			c.fail(w, r, s, http.StatusNotFound, "err_not_found")
			return
		}
		if err != nil {
			c.internal(w, r, s, err)
			return
		}
		target = a.Target.URL
	case "escalation":
		e, err := c.s.eng.Store().Escalation(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			c.fail(w, r, s, http.StatusNotFound, "err_not_found")
			return
		}
		if err != nil {
			c.internal(w, r, s, err)
			return
		}
		target = e.URL
	default:
		c.fail(w, r, s, http.StatusNotFound, "err_not_found")
		return
	}
	if safeURL(target) == "" {
		c.fail(w, r, s, http.StatusNotFound, "err_no_link")
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// The page size of the activity page.
const activityLimit = 50

// activityFilter is the activity page's filter, as in its form.
type activityFilter struct {
	Platform string
	Label    string
	Action   string
	Event    string
	Day      string // 2006-01-02
}

// option is one choice of a select.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// activityPage is the data of the activity page.
type activityPage struct {
	Filter    activityFilter
	Platforms []option
	Labels    []option
	Actions   []option
	Events    []option
	Rows      []bot.AuditEntry
	Next      string // the query of the next (older) page, "" at the end
	First     string // the query of the first page, when not on it
	Charts    []chart
	ChartsAt  time.Time // when the charts were counted; zero while they are
	Err       string
}

func (p activityPage) errorKey() string { return p.Err }

// auditEvents are the events moderators filter on.
var auditEvents = []string{"decision", "action", "amend", "approve", "reject", "switch", "take", "resolve", "forget", "command"}

func (c *console) activity(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	f := activityFilter{Platform: q.Get("platform"), Label: q.Get("label"), Action: q.Get("action"),
		Event: q.Get("event"), Day: q.Get("day")}
	p := activityPage{Filter: f}
	af := bot.AuditFilter{Platform: f.Platform, Label: f.Label, Action: f.Action, Event: f.Event, Limit: activityLimit}
	for _, v := range []string{f.Platform, f.Label, f.Action, f.Event, f.Day} {
		if len(v) > maxTerm {
			c.fail(w, r, s, http.StatusBadRequest, "err_form")
			return
		}
	}
	if f.Day != "" {
		day, err := time.ParseInLocation(time.DateOnly, f.Day, time.Local)
		if err != nil {
			p.Err, p.Filter.Day = "err_day", ""
		} else {
			af.Since, af.Until = day, day.AddDate(0, 0, 1)
		}
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			c.fail(w, r, s, http.StatusBadRequest, "err_form")
			return
		}
		af.Before = n
	}
	ctx := r.Context()
	rows, err := c.s.eng.Store().AuditTrail(ctx, af)
	if err != nil {
		c.internal(w, r, s, err)
		return
	}
	p.Rows = rows
	query := func(before int64) string {
		v := url.Values{}
		for k, x := range map[string]string{"platform": f.Platform, "label": f.Label, "action": f.Action,
			"event": f.Event, "day": p.Filter.Day} {
			if x != "" {
				v.Set(k, x)
			}
		}
		if before > 0 {
			v.Set("before", strconv.FormatInt(before, 10))
		}
		return v.Encode()
	}
	if len(rows) == activityLimit {
		p.Next = "?" + query(rows[len(rows)-1].ID)
	}
	if af.Before > 0 {
		p.First = "?" + query(0)
	}

	platforms := map[string]bool{"telegram": true, "mastodon": true, "console": true}
	for src := range c.s.eng.Up() {
		plat, _, _ := strings.Cut(src, "/")
		platforms[plat] = true
	}
	p.Platforms = c.options(sortedKeys(platforms), f.Platform, nil)
	var labels []string
	for _, v := range rules.AllViolations {
		labels = append(labels, string(v))
	}
	for _, k := range pii.AllKinds {
		labels = append(labels, string(k))
	}
	for _, in := range rules.AllIntents {
		labels = append(labels, string(in))
	}
	p.Labels = c.options(labels, f.Label, nil)
	p.Actions = c.options([]string{"reply", "hide", "escalate", "notify"}, f.Action, func(v string) string {
		if l, ok := c.t["action_"+v]; ok {
			return l
		}
		return v
	})
	p.Events = c.options(auditEvents, f.Event, func(v string) string {
		if l, ok := c.t["event_"+v]; ok {
			return l
		}
		return v
	})

	// The charts come from the console's last count: a request never
	// counts, it only asks for fresh counts for the next page.
	if v := c.stats.current(); v != nil {
		p.Charts, p.ChartsAt = c.charts(v), v.at
	}
	c.stats.nudge()
	c.render(w, r, http.StatusOK, "activity", s, p)
}

// options builds a select's choices, the first meaning "any".
func (c *console) options(values []string, selected string, label func(string) string) []option {
	out := []option{{Value: "", Label: c.t["any"], Selected: selected == ""}}
	known := false
	for _, v := range values {
		l := v
		if label != nil {
			l = label(v)
		}
		out = append(out, option{Value: v, Label: l, Selected: v == selected})
		known = known || v == selected
	}
	if !known && selected != "" {
		out = append(out, option{Value: selected, Label: selected, Selected: true})
	}
	return out
}

// policyRow is one line of the policy table.
type policyRow struct {
	Label string
	Items []string
}

// rulesPage is the data of the rules page.
type rulesPage struct {
	Files      []string
	Violations []string
	PIIKinds   []string
	Intents    []string
	Policy     []policyRow
	Repeats    rules.RepeatConfig
	Platforms  []option
	Explain    string // the check's output, redacted
	Redacted   string
	Err        string
}

func (p rulesPage) errorKey() string { return p.Err }

func (c *console) rulesData(platform string) rulesPage {
	rs := c.s.eng.Responder().Rules()
	pol := rs.Policy()
	strs := func(xs any) []string {
		switch v := xs.(type) {
		case []rules.Violation:
			return labelsOf(v)
		case []rules.Intent:
			return labelsOf(v)
		case []pii.Kind:
			return labelsOf(v)
		}
		return nil
	}
	p := rulesPage{
		Files:      rs.Files(),
		Violations: strs(rules.AllViolations),
		PIIKinds:   strs(pii.AllKinds),
		Intents:    strs(rules.AllIntents),
		Repeats:    rs.Repeats(),
		Policy: []policyRow{
			{Label: c.t["policy_hide"], Items: strs(pol.Hide)},
			{Label: c.t["policy_escalate"], Items: strs(pol.Escalate)},
			{Label: c.t["policy_escalate_intents"], Items: strs(pol.EscalateIntent)},
			{Label: c.t["policy_reply_intents"], Items: strs(pol.ReplyIntent)},
			{Label: c.t["policy_reply_violations"], Items: strs(pol.ReplyViolation)},
			{Label: c.t["policy_no_reply"], Items: strs(pol.NoReply)},
		},
	}
	if platform == "" {
		platform = "telegram"
	}
	p.Platforms = c.options(slices.Sorted(slices.Values(checkPlatformNames())), platform, nil)[1:]
	return p
}

func checkPlatformNames() []string {
	out := make([]string, 0, len(checkPlatforms))
	for k := range checkPlatforms {
		out = append(out, k)
	}
	return out
}

func labelsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (c *console) rules(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, http.StatusOK, "rules", s, c.rulesData(""))
}

// check decides a text as the engine would, recording and sending
// nothing, and shows the explanation: only the redacted text, never the
// text given (the form comes back empty).
func (c *console) check(w http.ResponseWriter, r *http.Request, s *session) {
	text := r.PostForm.Get("text")
	platform := strings.ToLower(strings.TrimSpace(r.PostForm.Get("platform")))
	if !checkPlatforms[platform] {
		platform = "telegram"
	}
	p := c.rulesData(platform)
	switch {
	case strings.TrimSpace(text) == "":
		p.Err = "err_empty"
	case len(text) > bot.MaxText:
		p.Err = "err_too_long"
	default:
		v := c.s.eng.Responder().Decide(bot.Post{Platform: platform, Account: "check", ID: "check",
			Kind: bot.KindComment, Text: text, Time: c.now()}, nil)
		p.Explain, p.Redacted = bot.Explain(v), v.Redacted
	}
	c.render(w, r, http.StatusOK, "rules", s, p)
}
