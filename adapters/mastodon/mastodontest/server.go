// Package mastodontest is a fake Mastodon instance on httptest for tests:
// the REST calls inpsbot makes (notifications, statuses and their
// context, the account's own statuses, reports, interaction requests), the
// WebSocket user stream, scripted failures and a record of every request
// with the time it arrived. It speaks only HTTP, so the real
// client is tested against it. A Server is safe for concurrent use.
package mastodontest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Self is the account the token belongs to.
const (
	SelfID   = "1"
	SelfAcct = "inps"
)

// MaxChars is the status length limit the fake announces and enforces.
const MaxChars = 500

// Mention describes a status that notifies the account. The zero values
// of the optional fields mean a mention of type "mention", public, now.
type Mention struct {
	Acct        string // author, "name" (local) or "name@domain" (remote)
	Text        string // status content, HTML as the server renders it
	SpoilerText string // content warning, plain text
	Visibility  string // public, unlisted, private, direct
	InReplyTo   string // id of the status it answers
	Type        string // notification type; "mention" by default
	Filtered    bool   // held by the notification policy: listed only with include_filtered=true, never streamed
	CreatedAt   time.Time

	// Filled in by Add.
	StatusID       string
	NotificationID string
	AccountID      string
}

// Status is a status the account posted through the API.
type Status struct {
	ID             string
	Text           string
	Visibility     string
	InReplyTo      string
	SpoilerText    string
	Mentions       []string // accts mentioned in Text
	IdempotencyKey string
}

// Report is a report the account filed.
type Report struct {
	AccountID string
	StatusIDs []string
	Comment   string
	Category  string
	Forward   bool
}

// Request is one request the server received (the token left out).
type Request struct {
	Method         string
	Path           string
	Query          url.Values
	Form           url.Values
	IdempotencyKey string
	Time           time.Time // when it arrived
}

// Failure scripts the answer to the next requests matching Method and Path.
type Failure struct {
	Method string // "" matches every method
	Path   string // path prefix; "" matches every path
	Times  int    // how many matching requests fail; 0 means 1, -1 forever

	Status     int           // HTTP status to answer
	RateLimit  time.Duration // with 429: X-RateLimit-Reset this far ahead
	RetryAfter time.Duration // Retry-After header in seconds, when set
	Hang       bool          // answer nothing until the client gives up
}

type account struct {
	ID, Username, Acct, URL string
}

type status struct {
	ID          string
	Account     *account
	Mentions    []*account
	Content     string
	SpoilerText string
	Visibility  string
	InReplyTo   string
	CreatedAt   time.Time
	Deleted     bool
}

type notification struct {
	ID        string
	Type      string
	Account   *account
	Status    *status
	Filtered  bool
	CreatedAt time.Time
}

type interaction struct {
	ID       string
	Target   *status
	Reply    *status
	Rejected bool
}

type wsConn struct {
	conn *websocket.Conn
	send chan []byte
	done chan struct{}
}

// Server is the fake instance. Its URL is the base URL for
// mastodon.Config.Server, Token the valid access token.
type Server struct {
	URL   string
	Token string

	ts       *httptest.Server
	upgrader websocket.Upgrader
	closing  chan struct{}
	once     sync.Once

	mu            sync.Mutex
	self          *account
	accounts      map[string]*account // by id
	byAcct        map[string]*account
	statuses      map[string]*status
	notifications []*notification // ascending ids
	posted        []Status
	idem          map[string]*status
	reports       []Report
	interactions  []*interaction
	failures      []*Failure
	requests      []Request
	conns         map[*wsConn]bool
	dials         int
	revoked       bool
	noStreaming   bool
	seq           int64
}

// NewServer starts a fake instance, closed when the test ends. Ids are
// numbers starting at 95, so that they soon cross from two digits to
// three and string order differs from numeric order.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		Token:    "fake-token-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		closing:  make(chan struct{}),
		accounts: make(map[string]*account),
		byAcct:   make(map[string]*account),
		statuses: make(map[string]*status),
		idem:     make(map[string]*status),
		conns:    make(map[*wsConn]bool),
		seq:      94,
	}
	s.self = &account{ID: SelfID, Username: SelfAcct, Acct: SelfAcct}
	s.accounts[SelfID] = s.self
	s.byAcct[SelfAcct] = s.self
	s.upgrader = websocket.Upgrader{Subprotocols: []string{s.Token}}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	s.self.URL = s.URL + "/@" + SelfAcct
	tb.Cleanup(s.Close)
	return s
}

// Close drops the streams, releases hanging requests and stops the server.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.DropStream()
		s.ts.Close()
	})
}

// nextID returns a new id; the caller holds mu.
func (s *Server) nextID() string {
	s.seq++
	return strconv.FormatInt(s.seq, 10)
}

// accountFor returns the account of acct, creating it; the caller holds mu.
func (s *Server) accountFor(acct string) *account {
	if a, ok := s.byAcct[acct]; ok {
		return a
	}
	user, domain, _ := strings.Cut(acct, "@")
	a := &account{ID: s.nextID(), Username: user, Acct: acct, URL: s.URL + "/@" + user}
	if domain != "" {
		a.URL = "https://" + domain + "/@" + user
	}
	s.accounts[a.ID] = a
	s.byAcct[acct] = a
	return a
}

// AddMention adds a status by acct mentioning the account, and its
// notification, pushed to the open streams.
func (s *Server) AddMention(acct, text, visibility, inReplyTo string) Mention {
	return s.Add(Mention{Acct: acct, Text: text, Visibility: visibility, InReplyTo: inReplyTo})
}

// Add adds a status and its notification as m describes, and pushes the
// notification to the open streams unless it is filtered.
func (s *Server) Add(m Mention) Mention {
	s.mu.Lock()
	if m.Visibility == "" {
		m.Visibility = "public"
	}
	if m.Type == "" {
		m.Type = "mention"
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now().UTC()
	}
	a := s.accountFor(m.Acct)
	st := &status{
		ID: s.nextID(), Account: a, Mentions: []*account{s.self}, Content: m.Text, SpoilerText: m.SpoilerText,
		Visibility: m.Visibility, InReplyTo: m.InReplyTo, CreatedAt: m.CreatedAt,
	}
	s.statuses[st.ID] = st
	n := &notification{ID: s.nextID(), Type: m.Type, Account: a, Status: st, Filtered: m.Filtered, CreatedAt: m.CreatedAt}
	s.notifications = append(s.notifications, n)
	m.StatusID, m.NotificationID, m.AccountID = st.ID, n.ID, a.ID
	var event []byte
	if !m.Filtered {
		event = s.eventLocked(n)
	}
	s.mu.Unlock()
	if event != nil {
		s.push(event)
	}
	return m
}

// AddStatus adds a status by the account itself (a post citizens answer)
// and returns its id.
func (s *Server) AddStatus(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &status{ID: s.nextID(), Account: s.self, Content: "<p>" + html.EscapeString(text) + "</p>", Visibility: "public", CreatedAt: time.Now().UTC()}
	s.statuses[st.ID] = st
	return st.ID
}

// AddReply adds a public status by acct answering the status inReplyTo
// without mentioning the account, and returns its id. It shows in the
// thread's context but makes no notification.
func (s *Server) AddReply(acct, text, inReplyTo string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &status{
		ID: s.nextID(), Account: s.accountFor(acct), Content: text, Visibility: "public",
		InReplyTo: inReplyTo, CreatedAt: time.Now().UTC(),
	}
	s.statuses[st.ID] = st
	return st.ID
}

// AccountID returns the id of the account acct ("name" or "name@domain"),
// and whether the server knows it.
func (s *Server) AccountID(acct string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.byAcct[acct]
	if !ok {
		return "", false
	}
	return a.ID, true
}

// AddPendingReply makes the status replyID a reply waiting for the
// account's approval (a GoToSocial interaction request) and returns the
// request id.
func (s *Server) AddPendingReply(replyID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply := s.statuses[replyID]
	if reply == nil {
		return ""
	}
	ir := &interaction{ID: s.nextID(), Target: s.statuses[reply.InReplyTo], Reply: reply}
	s.interactions = append(s.interactions, ir)
	return ir.ID
}

// DeleteStatus deletes a status, as its author would.
func (s *Server) DeleteStatus(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.statuses[id]; st != nil {
		st.Deleted = true
	}
}

// Fail scripts a failure.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.failures = append(s.failures, &f)
}

// Revoke makes the token invalid: every request gets 401.
func (s *Server) Revoke() {
	s.mu.Lock()
	s.revoked = true
	s.mu.Unlock()
	s.DropStream()
}

// SetStreaming turns the streaming endpoint on (the default) or off (404).
func (s *Server) SetStreaming(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noStreaming = !on
}

// DropStream closes every open stream.
func (s *Server) DropStream() {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.conn.Close()
	}
}

// StreamDials counts the streams opened so far.
func (s *Server) StreamDials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials
}

// OpenStreams counts the streams open now.
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Posted returns the statuses the account posted, in order.
func (s *Server) Posted() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posted)
}

// Reports returns the reports filed, in order.
func (s *Server) Reports() []Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reports)
}

// Rejected returns the ids of the replies rejected, in order.
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, ir := range s.interactions {
		if ir.Rejected {
			ids = append(ids, ir.Reply.ID)
		}
	}
	return ids
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count counts the requests with this method and path.
func (s *Server) Count(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// serve records the request, applies scripted failures and the token
// check, and routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), IdempotencyKey: r.Header.Get("Idempotency-Key"), Time: time.Now()}
	if r.Method == http.MethodPost {
		req.Form = r.PostForm
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	f := s.failureLocked(r)
	authorized := !s.revoked && s.token(r) == s.Token
	s.mu.Unlock()

	if f != nil {
		s.fail(w, r, f)
		return
	}
	if !authorized {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == "/api/v1/streaming":
		s.stream(w, r)
	case r.Method == http.MethodGet && path == "/api/v1/accounts/verify_credentials":
		s.mu.Lock()
		body := accountJSON(s.self)
		s.mu.Unlock()
		writeJSON(w, body)
	case r.Method == http.MethodGet && path == "/api/v1/instance":
		writeJSON(w, map[string]any{
			"uri": strings.TrimPrefix(s.URL, "http://"), "title": "fake", "version": "4.3.0",
			"urls":          map[string]string{"streaming_api": "ws" + strings.TrimPrefix(s.URL, "http")},
			"configuration": map[string]any{"statuses": map[string]any{"max_characters": MaxChars}},
		})
	case r.Method == http.MethodGet && path == "/api/v1/notifications":
		s.listNotifications(w, r)
	case r.Method == http.MethodPost && path == "/api/v1/statuses":
		s.postStatus(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/statuses/") && strings.HasSuffix(path, "/context"):
		s.statusContext(w, strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/statuses/"), "/context"))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/accounts/") && strings.HasSuffix(path, "/statuses"):
		s.accountStatuses(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/accounts/"), "/statuses"))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/statuses/"):
		s.mu.Lock()
		st := s.statuses[strings.TrimPrefix(path, "/api/v1/statuses/")]
		var body any
		if st != nil && !st.Deleted {
			body = statusJSON(st)
		}
		s.mu.Unlock()
		if body == nil {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
		writeJSON(w, body)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/accounts/"):
		s.mu.Lock()
		a := s.accounts[strings.TrimPrefix(path, "/api/v1/accounts/")]
		var body any
		if a != nil {
			body = accountJSON(a)
		}
		s.mu.Unlock()
		if body == nil {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
		writeJSON(w, body)
	case r.Method == http.MethodPost && path == "/api/v1/reports":
		s.report(w, r)
	case r.Method == http.MethodGet && path == "/api/v1/interaction_requests":
		s.listInteractions(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/api/v1/interaction_requests/") && strings.HasSuffix(path, "/reject"):
		s.reject(w, strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/interaction_requests/"), "/reject"))
	default:
		writeError(w, http.StatusNotFound, "Record not found")
	}
}

// token reads the access token the way Mastodon does: Authorization
// header, Sec-WebSocket-Protocol, access_token parameter.
func (s *Server) token(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	if t := r.Header.Get("Sec-WebSocket-Protocol"); t != "" {
		return strings.TrimSpace(strings.Split(t, ",")[0])
	}
	return r.URL.Query().Get("access_token")
}

// failureLocked returns the scripted failure for r, using one up; the
// caller holds mu.
func (s *Server) failureLocked(r *http.Request) *Failure {
	for i, f := range s.failures {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			if f.Times > 0 {
				f.Times--
				if f.Times == 0 {
					s.failures = slices.Delete(s.failures, i, i+1)
				}
			}
			c := *f
			return &c
		}
	}
	return nil
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, f *Failure) {
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	if f.Status == http.StatusTooManyRequests {
		now := time.Now().UTC().Truncate(time.Second)
		w.Header().Set("Date", now.Format(http.TimeFormat))
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		if f.RateLimit > 0 {
			w.Header().Set("X-RateLimit-Reset", now.Add(f.RateLimit).Format("2006-01-02T15:04:05.000Z"))
		}
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
	}
	writeError(w, f.Status, http.StatusText(f.Status))
}

// listNotifications pages like Mastodon: max_id, since_id and min_id are
// exclusive bounds; with min_id the page is the oldest after it, otherwise
// the newest; either way newest first, with a Link header.
func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	types, exclude := q["types[]"], q["exclude_types[]"]
	includeFiltered := q.Get("include_filtered") == "true"
	limit := 40
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 80)
	}
	maxID, sinceID, minID := num(q.Get("max_id")), num(q.Get("since_id")), num(q.Get("min_id"))

	s.mu.Lock()
	var match []*notification
	for _, n := range s.notifications {
		id := num(n.ID)
		switch {
		case len(types) > 0 && !slices.Contains(types, n.Type),
			slices.Contains(exclude, n.Type),
			n.Filtered && !includeFiltered,
			maxID > 0 && id >= maxID,
			sinceID > 0 && id <= sinceID,
			minID > 0 && id <= minID:
			continue
		}
		match = append(match, n)
	}
	if minID > 0 {
		match = match[:min(limit, len(match))]
	} else {
		match = match[max(0, len(match)-limit):]
	}
	slices.Reverse(match)
	body := make([]any, 0, len(match))
	for _, n := range match {
		body = append(body, notificationJSON(n))
	}
	s.mu.Unlock()

	if len(match) > 0 {
		base := s.URL + "/api/v1/notifications?limit=" + strconv.Itoa(limit)
		w.Header().Set("Link", fmt.Sprintf(`<%s&max_id=%s>; rel="next", <%s&min_id=%s>; rel="prev"`,
			base, match[len(match)-1].ID, base, match[0].ID))
	}
	writeJSON(w, body)
}

var mentionRE = regexp.MustCompile(`(?:^|[^/\p{L}\p{N}_])@([\p{L}\p{N}_]+(?:@[\p{L}\p{N}_.\-]+[\p{L}\p{N}_])?)`)

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	text := r.PostForm.Get("status")
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.idem[key]; ok && key != "" {
		writeJSON(w, statusJSON(st))
		return
	}
	if strings.TrimSpace(text) == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if length(text) > MaxChars {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Text character limit exceeded")
		return
	}
	replyTo := r.PostForm.Get("in_reply_to_id")
	if replyTo != "" {
		if t := s.statuses[replyTo]; t == nil || t.Deleted {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
	}
	vis := r.PostForm.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	var mentions []string
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		mentions = append(mentions, m[1])
	}
	st := &status{
		ID: s.nextID(), Account: s.self, Content: "<p>" + html.EscapeString(text) + "</p>",
		SpoilerText: r.PostForm.Get("spoiler_text"), Visibility: vis, InReplyTo: replyTo, CreatedAt: time.Now().UTC(),
	}
	for _, acct := range mentions {
		if a := s.byAcct[acct]; a != nil {
			st.Mentions = append(st.Mentions, a)
		}
	}
	s.statuses[st.ID] = st
	if key != "" {
		s.idem[key] = st
	}
	s.posted = append(s.posted, Status{
		ID: st.ID, Text: text, Visibility: vis, InReplyTo: replyTo, SpoilerText: st.SpoilerText,
		Mentions: mentions, IdempotencyKey: key,
	})
	writeJSON(w, statusJSON(st))
}

// accountStatuses lists an account's statuses, newest first, at most limit
// (20 by default, 40 at most); exclude_replies leaves out its replies. The
// fake has no boosts, so exclude_reblogs changes nothing.
func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	limit := 20
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[id] == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	var match []*status
	for _, st := range s.sortedLocked() {
		if st.Account.ID == id && !st.Deleted && (q.Get("exclude_replies") != "true" || st.InReplyTo == "") {
			match = append(match, st)
		}
	}
	slices.Reverse(match)
	body := []any{}
	for _, st := range match[:min(limit, len(match))] {
		body = append(body, statusJSON(st))
	}
	writeJSON(w, body)
}

// statusContext answers a status's ancestors (oldest first) and descendants
// (depth first, each level oldest first), leaving out deleted statuses.
func (s *Server) statusContext(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[id]
	if st == nil || st.Deleted {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	ancestors := []any{}
	for p := s.statuses[st.InReplyTo]; p != nil; p = s.statuses[p.InReplyTo] {
		if !p.Deleted {
			ancestors = append(ancestors, statusJSON(p))
		}
	}
	slices.Reverse(ancestors)
	all := s.sortedLocked()
	descendants := []any{}
	var walk func(parent string)
	walk = func(parent string) {
		for _, c := range all {
			if c.InReplyTo == parent && !c.Deleted {
				descendants = append(descendants, statusJSON(c))
				walk(c.ID)
			}
		}
	}
	walk(st.ID)
	writeJSON(w, map[string]any{"ancestors": ancestors, "descendants": descendants})
}

// sortedLocked returns every status, oldest first; the caller holds mu.
func (s *Server) sortedLocked() []*status {
	all := make([]*status, 0, len(s.statuses))
	for _, st := range s.statuses {
		all = append(all, st)
	}
	slices.SortFunc(all, func(a, b *status) int { return cmp.Compare(num(a.ID), num(b.ID)) })
	return all
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accounts[f.Get("account_id")] == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if f.Get("account_id") == SelfID {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: cannot report yourself")
		return
	}
	for _, id := range f["status_ids[]"] {
		if st := s.statuses[id]; st == nil || st.Deleted {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
	}
	switch c := f.Get("category"); c {
	case "", "spam", "legal", "other":
	default:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Category is not included in the list")
		return
	}
	s.reports = append(s.reports, Report{
		AccountID: f.Get("account_id"), StatusIDs: f["status_ids[]"], Comment: f.Get("comment"),
		Category: f.Get("category"), Forward: f.Get("forward") == "true",
	})
	writeJSON(w, map[string]any{"id": s.nextID(), "action_taken": false})
}

func (s *Server) listInteractions(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("status_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	body := []any{}
	for _, ir := range s.interactions {
		if ir.Rejected || (target != "" && (ir.Target == nil || ir.Target.ID != target)) {
			continue
		}
		body = append(body, interactionJSON(ir))
	}
	writeJSON(w, body)
}

func (s *Server) reject(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ir := range s.interactions {
		if ir.ID == id && !ir.Rejected {
			ir.Rejected = true
			writeJSON(w, interactionJSON(ir))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Record not found")
}

// stream serves the WebSocket user stream.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	off := s.noStreaming
	s.mu.Unlock()
	if off || r.URL.Query().Get("stream") != "user" {
		writeError(w, http.StatusNotFound, "Not found")
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{conn: conn, send: make(chan []byte, 256), done: make(chan struct{})}
	s.mu.Lock()
	s.conns[c] = true
	s.dials++
	s.mu.Unlock()
	select {
	case <-s.closing:
		_ = conn.Close()
	default:
	}

	go func() {
		for {
			select {
			case msg := <-c.send:
				_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if conn.WriteMessage(websocket.TextMessage, msg) != nil {
					_ = conn.Close()
					return
				}
			case <-c.done:
				return
			}
		}
	}()
	// Reading answers pings and notices when the client or DropStream
	// closes the connection.
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	close(c.done)
	_ = conn.Close()
}

// push sends an event to every open stream.
func (s *Server) push(event []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		select {
		case c.send <- event:
		default:
		}
	}
}

// eventLocked is the stream message of a notification; the caller holds mu.
func (s *Server) eventLocked(n *notification) []byte {
	payload, _ := json.Marshal(notificationJSON(n))
	msg, _ := json.Marshal(map[string]any{"stream": []string{"user"}, "event": "notification", "payload": string(payload)})
	return msg
}

func accountJSON(a *account) map[string]any {
	return map[string]any{"id": a.ID, "username": a.Username, "acct": a.Acct, "url": a.URL, "display_name": a.Username}
}

func statusJSON(st *status) map[string]any {
	var replyTo any
	if st.InReplyTo != "" {
		replyTo = st.InReplyTo
	}
	mentions := []any{}
	for _, a := range st.Mentions {
		mentions = append(mentions, map[string]any{"id": a.ID, "username": a.Username, "acct": a.Acct, "url": a.URL})
	}
	return map[string]any{
		"id": st.ID, "uri": st.Account.URL + "/statuses/" + st.ID, "url": st.Account.URL + "/" + st.ID,
		"account": accountJSON(st.Account), "content": st.Content, "spoiler_text": st.SpoilerText,
		"visibility": st.Visibility, "in_reply_to_id": replyTo, "created_at": st.CreatedAt.Format(time.RFC3339Nano),
		"sensitive": st.SpoilerText != "", "mentions": mentions, "reblog": nil,
	}
}

func notificationJSON(n *notification) map[string]any {
	return map[string]any{
		"id": n.ID, "type": n.Type, "created_at": n.CreatedAt.Format(time.RFC3339Nano),
		"account": accountJSON(n.Account), "status": statusJSON(n.Status),
	}
}

func interactionJSON(ir *interaction) map[string]any {
	m := map[string]any{"id": ir.ID, "type": "reply", "account": accountJSON(ir.Reply.Account), "reply": statusJSON(ir.Reply)}
	if ir.Target != nil {
		m["status"] = statusJSON(ir.Target)
	}
	return m
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// length counts characters as Mastodon does: a link counts 23, a remote
// mention without its domain.
func length(text string) int {
	text = linkRE.ReplaceAllString(text, strings.Repeat("x", 23))
	text = mentionRE.ReplaceAllStringFunc(text, func(m string) string {
		user, _, _ := strings.Cut(m[strings.Index(m, "@")+1:], "@")
		return m[:strings.Index(m, "@")+1] + user
	})
	return utf8.RuneCountInString(text)
}

// num reads a numeric id, 0 when empty or not a number.
func num(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}
