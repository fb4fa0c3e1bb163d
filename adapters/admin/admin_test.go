package admin_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/admin"
	"github.com/inps-social/inpsbot/bot"
)

// apiRoutes is one request to every API route.
var apiRoutes = []request{
	{method: "GET", path: "/api/v1/status"},
	{method: "GET", path: "/api/v1/switches"},
	{method: "PUT", path: "/api/v1/switches", body: `{"scope":"platform","name":"telegram","mode":"off"}`},
	{method: "DELETE", path: "/api/v1/switches?scope=platform&name=telegram"},
	{method: "GET", path: "/api/v1/proposals"},
	{method: "POST", path: "/api/v1/proposals/1/approve"},
	{method: "POST", path: "/api/v1/proposals/1/reject"},
	{method: "GET", path: "/api/v1/escalations?open=1"},
	{method: "POST", path: "/api/v1/escalations/1/resolve", body: `{"note":"done"}`},
	{method: "GET", path: "/api/v1/audit?event=switch"},
	{method: "POST", path: "/api/v1/check", body: `{"text":"ciao"}`},
	{method: "GET", path: "/api/v1/no-such-route"},
}

func TestAPIRefusesMissingAndForgedTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	auths := []struct {
		name string
		auth string
	}{
		{name: "missing", auth: ""},
		{name: "forged", auth: "Bearer not-the-token"},
		{name: "prefix of the token", auth: "Bearer " + testToken[:len(testToken)-1]},
		{name: "token and more", auth: "Bearer " + testToken + "x"},
		{name: "empty bearer", auth: "Bearer "},
		{name: "other scheme", auth: "Basic " + testToken},
		{name: "token without scheme", auth: testToken},
	}
	for _, a := range auths {
		for _, rt := range apiRoutes {
			t.Run(a.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				rt.auth = a.auth
				got := h.do(rt)
				if got.status != http.StatusUnauthorized {
					t.Errorf("%s %s with Authorization %q: status %d, want 401; body %s", rt.method, rt.path, a.auth, got.status, got.body)
				}
				if got.errorText() == "" {
					t.Errorf("%s %s: body %s, want a JSON error", rt.method, rt.path, got.body)
				}
				if !strings.HasPrefix(got.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s %s: WWW-Authenticate %q, want a Bearer challenge", rt.method, rt.path, got.header.Get("WWW-Authenticate"))
				}
			})
		}
	}
	// Nothing was changed by the refused requests.
	if set := h.eng.Switches().Set; len(set) != 0 {
		t.Errorf("switches after refused requests: %v, want none", set)
	}
	// The right token passes every route (whatever the route then answers).
	for _, rt := range apiRoutes {
		rt.auth = "Bearer " + testToken
		if got := h.do(rt); got.status == http.StatusUnauthorized || got.status == http.StatusForbidden {
			t.Errorf("%s %s with the token: status %d, want it let through; body %s", rt.method, rt.path, got.status, got.body)
		}
	}
	if strings.Contains(h.logs.String(), testToken) {
		t.Error("the token reached the log")
	}
}

func TestAPIDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "")
	for _, auth := range []string{"", "Bearer ", "Bearer anything"} {
		for _, rt := range apiRoutes {
			rt.auth = auth
			got := h.do(rt)
			if got.status != http.StatusForbidden || got.errorText() == "" {
				t.Errorf("%s %s with Authorization %q and no token configured: status %d body %s, want 403 with a JSON error",
					rt.method, rt.path, auth, got.status, got.body)
			}
		}
	}
	// Probes and metrics stay open.
	for _, path := range []string{"/healthz", "/metrics"} {
		if got := h.do(request{method: "GET", path: path}); got.status != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, got.status)
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantAllow  string
	}{
		{name: "unknown path", req: request{method: "GET", path: "/nope"}, wantStatus: 404},
		{name: "wrong method on a probe", req: request{method: "POST", path: "/healthz"}, wantStatus: 405, wantAllow: "GET"},
		{name: "unknown API path", req: request{method: "GET", path: "/api/v1/nope", auth: "Bearer " + testToken}, wantStatus: 404},
		{name: "wrong API method", req: request{method: "POST", path: "/api/v1/status", auth: "Bearer " + testToken}, wantStatus: 405, wantAllow: "GET"},
		{name: "switches methods", req: request{method: "POST", path: "/api/v1/switches", auth: "Bearer " + testToken}, wantStatus: 405, wantAllow: "GET, PUT, DELETE"},
		{name: "bad id", req: request{method: "POST", path: "/api/v1/proposals/abc/approve", auth: "Bearer " + testToken}, wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(tc.req)
			if got.status != tc.wantStatus || got.errorText() == "" {
				t.Errorf("%s %s: status %d body %s, want %d with a JSON error", tc.req.method, tc.req.path, got.status, got.body, tc.wantStatus)
			}
			if a := got.header.Get("Allow"); a != tc.wantAllow {
				t.Errorf("%s %s: Allow %q, want %q", tc.req.method, tc.req.path, a, tc.wantAllow)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	got := h.do(request{method: "GET", path: "/healthz"})
	if got.status != http.StatusOK {
		t.Errorf("GET /healthz: status %d, want 200", got.status)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	type readiness struct {
		Ready     bool            `json:"ready"`
		Store     string          `json:"store"`
		Platforms map[string]bool `json:"platforms"`
		NotReady  []string        `json:"not_ready"`
	}
	check := func(wantStatus int, want readiness) func() bool {
		return func() bool {
			got := h.do(request{method: "GET", path: "/readyz"})
			var r readiness
			got.decode(t, &r)
			return got.status == wantStatus && cmp.Equal(r, want)
		}
	}
	down := readiness{Store: "ok", Platforms: map[string]bool{"telegram/inps": false}, NotReady: []string{"telegram/inps"}}
	up := readiness{Ready: true, Store: "ok", Platforms: map[string]bool{"telegram/inps": true}}

	if !check(http.StatusServiceUnavailable, down)() {
		got := h.do(request{method: "GET", path: "/readyz"})
		t.Fatalf("GET /readyz before the engine runs: %d %s, want 503 naming telegram/inps", got.status, got.body)
	}
	h.runEngine()
	eventually(t, "readyz 200 once the source receives", check(http.StatusOK, up))
	close(h.plat.refuse) // the platform revokes the token: the source stops
	eventually(t, "readyz 503 once the source is down", check(http.StatusServiceUnavailable, down))
}

func TestStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	got := h.api("GET", "/api/v1/status", "")
	var st struct {
		Mode      string          `json:"mode"`
		Default   string          `json:"default_mode"`
		Switches  []any           `json:"switches"`
		Platforms map[string]bool `json:"platforms"`
		Backlog   *int            `json:"backlog"`
	}
	got.decode(t, &st)
	if got.status != 200 || st.Mode != "auto" || st.Default != "auto" || st.Switches == nil || st.Backlog == nil ||
		!cmp.Equal(st.Platforms, map[string]bool{"telegram/inps": false}) {
		t.Errorf("GET /api/v1/status: %d %s, want 200 with mode auto, no switch, telegram/inps down, a backlog", got.status, got.body)
	}
}

func TestSwitches(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	put := h.do(request{method: "PUT", path: "/api/v1/switches", auth: "Bearer " + testToken, moderator: "Maria B.",
		body: `{"scope":"platform","name":"telegram","mode":"off"}`})
	if put.status != http.StatusOK {
		t.Fatalf("PUT /api/v1/switches: %d %s, want 200", put.status, put.body)
	}
	const key = "mode:platform:telegram"
	if got := h.eng.Switches().Set; !cmp.Equal(got, map[string]string{key: "off"}) {
		t.Errorf("engine switches after PUT: %v, want %s=off", got, key)
	}
	// The engine applies the switch: a post's reply is held while paused.
	if m := h.eng.Switches().ModeFor(bot.Post{Platform: "telegram", Account: "inps"}, "naspi", bot.ActReply); m != bot.ModeOff {
		t.Errorf("mode of a telegram reply: %s, want off", m)
	}
	var sw struct {
		Switches []struct{ Key, Scope, Name, Mode string } `json:"switches"`
	}
	h.api("GET", "/api/v1/switches", "").decode(t, &sw)
	wantSw := []struct{ Key, Scope, Name, Mode string }{{Key: key, Scope: "platform", Name: "telegram", Mode: "off"}}
	if diff := cmp.Diff(wantSw, sw.Switches); diff != "" {
		t.Errorf("GET /api/v1/switches (-want +got):\n%s", diff)
	}

	del := h.do(request{method: "DELETE", path: "/api/v1/switches", auth: "Bearer " + testToken,
		body: `{"scope":"platform","name":"telegram"}`})
	if del.status != http.StatusOK {
		t.Fatalf("DELETE /api/v1/switches: %d %s, want 200", del.status, del.body)
	}
	if got := h.eng.Switches().Set; len(got) != 0 {
		t.Errorf("engine switches after DELETE: %v, want none", got)
	}

	var page struct {
		Entries []struct {
			Actor   string   `json:"actor"`
			Event   string   `json:"event"`
			Labels  []string `json:"labels"`
			Outcome string   `json:"outcome"`
		} `json:"entries"`
	}
	h.api("GET", "/api/v1/audit?event=switch", "").decode(t, &page)
	type row struct{ Actor, Event, Label, Outcome string }
	var got []row
	for _, e := range page.Entries {
		got = append(got, row{e.Actor, e.Event, strings.Join(e.Labels, ","), e.Outcome})
	}
	want := []row{{"api", "switch", key, "cleared"}, {"Maria B.", "switch", key, "off"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit of the switches, newest first (-want +got):\n%s", diff)
	}
}

func TestSwitchesBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	tests := []struct {
		name       string
		method     string
		body       string
		moderator  string
		wantStatus int
	}{
		{name: "unknown mode", method: "PUT", body: `{"scope":"platform","name":"telegram","mode":"sometimes"}`, wantStatus: 400},
		{name: "no mode", method: "PUT", body: `{"scope":"platform","name":"telegram"}`, wantStatus: 400},
		{name: "unknown scope", method: "PUT", body: `{"scope":"planet","name":"earth","mode":"off"}`, wantStatus: 400},
		{name: "scope without name", method: "PUT", body: `{"scope":"intent","mode":"off"}`, wantStatus: 400},
		{name: "unknown field", method: "PUT", body: `{"scope":"all","mode":"off","force":true}`, wantStatus: 400},
		{name: "not JSON", method: "PUT", body: `scope=all`, wantStatus: 400},
		{name: "two objects", method: "PUT", body: `{"mode":"off"}{"mode":"auto"}`, wantStatus: 400},
		{name: "no body", method: "PUT", body: "", wantStatus: 400},
		{name: "body too large", method: "PUT", body: `{"scope":"chat","name":"` + strings.Repeat("x", admin.DefaultMaxBody) + `","mode":"off"}`, wantStatus: 413},
		{name: "mode on delete", method: "DELETE", body: `{"scope":"all","mode":"off"}`, wantStatus: 400},
		{name: "control character in moderator", method: "PUT", body: `{"mode":"off"}`, moderator: "eve\tadmin", wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.do(request{method: tc.method, path: "/api/v1/switches", body: tc.body, moderator: tc.moderator,
				auth: "Bearer " + testToken})
			if got.status != tc.wantStatus || got.errorText() == "" {
				t.Errorf("%s /api/v1/switches %.80s: %d %s, want %d with a JSON error", tc.method, tc.body, got.status, got.body, tc.wantStatus)
			}
		})
	}
	if set := h.eng.Switches().Set; len(set) != 0 {
		t.Errorf("switches after bad requests: %v, want none", set)
	}
}

func TestApproveAndReject(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	if got := h.api("PUT", "/api/v1/switches", `{"scope":"action","name":"reply","mode":"approve"}`); got.status != 200 {
		t.Fatalf("PUT switch: %d %s", got.status, got.body)
	}
	h.handle("101", "Buongiorno, quando arriva il pagamento della NASpI di marzo?")
	h.handle("102", "Buongiorno, quando arriva il pagamento dell'assegno unico?")

	type action struct {
		ID     int64  `json:"id"`
		PostID string `json:"post_id"`
		Kind   string `json:"kind"`
		Text   string `json:"text"`
		State  string `json:"state"`
		Note   string `json:"note"`
	}
	var list struct {
		Proposals []action `json:"proposals"`
	}
	// Replies are proposed when they come up for sending.
	h.runEngine()
	eventually(t, "both replies are proposed", func() bool {
		list.Proposals = nil
		h.api("GET", "/api/v1/proposals", "").decode(t, &list)
		return len(list.Proposals) == 2
	})
	ids := map[string]int64{}
	for _, a := range list.Proposals {
		if a.Kind != "reply" || a.Text != replyText || a.State != "proposed" {
			t.Errorf("proposal %+v, want a proposed reply with the replier's text", a)
		}
		ids[a.PostID] = a.ID
	}
	if len(ids) != 2 {
		t.Fatalf("proposals: %+v, want one for each of posts 101 and 102", list.Proposals)
	}
	if strings.Contains(h.logs.String(), "NASpI di marzo") {
		t.Error("a post's text reached the log")
	}

	approveURL := func(post string) string {
		return "/api/v1/proposals/" + itoa(ids[post]) + "/approve"
	}
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantState  string
		wantNote   string
	}{
		{name: "approve", req: request{method: "POST", path: approveURL("101"), moderator: "luca"},
			wantStatus: 200, wantState: "pending", wantNote: "approved by luca"},
		{name: "approve twice", req: request{method: "POST", path: approveURL("101")}, wantStatus: 409},
		{name: "reject", req: request{method: "POST", path: "/api/v1/proposals/" + itoa(ids["102"]) + "/reject", moderator: "anna"},
			wantStatus: 200, wantState: "skipped", wantNote: "rejected by anna"},
		{name: "reject a rejected one", req: request{method: "POST", path: "/api/v1/proposals/" + itoa(ids["102"]) + "/reject"}, wantStatus: 409},
		{name: "unknown id", req: request{method: "POST", path: "/api/v1/proposals/999999/approve"}, wantStatus: 404},
	}
	for _, tc := range tests {
		tc.req.auth = "Bearer " + testToken
		got := h.do(tc.req)
		if got.status != tc.wantStatus {
			t.Errorf("%s: %s %s: %d %s, want %d", tc.name, tc.req.method, tc.req.path, got.status, got.body, tc.wantStatus)
			continue
		}
		if tc.wantStatus != 200 {
			continue
		}
		var a action
		got.decode(t, &a)
		if a.State != tc.wantState || !strings.HasPrefix(a.Note, tc.wantNote) {
			t.Errorf("%s: action %+v, want state %s and note %q", tc.name, a, tc.wantState, tc.wantNote)
		}
	}

	eventually(t, "the approved reply is sent", func() bool {
		replies, _ := h.plat.sent()
		return slices.Contains(replies, "101")
	})
	time.Sleep(100 * time.Millisecond)
	if replies, _ := h.plat.sent(); slices.Contains(replies, "102") {
		t.Errorf("replies sent to %v, want none to the rejected post 102", replies)
	}
	var page struct {
		Entries []struct {
			Actor string `json:"actor"`
			Event string `json:"event"`
		} `json:"entries"`
	}
	h.api("GET", "/api/v1/audit?action=reply&limit=50", "").decode(t, &page)
	var got []string
	for _, e := range page.Entries {
		if e.Event == "approve" || e.Event == "reject" {
			got = append(got, e.Event+" by "+e.Actor)
		}
	}
	if diff := cmp.Diff([]string{"reject by anna", "approve by luca"}, got); diff != "" {
		t.Errorf("audit of the moderators' decisions (-want +got):\n%s", diff)
	}
}

func TestEscalations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	id, err := h.store.Escalate(t.Context(), bot.Escalation{PostKey: "telegram/inps/7", Platform: "telegram",
		Reason: "hate", Labels: []string{"hate"}, Redacted: "[testo offensivo]", Created: time.Now()})
	if err != nil {
		t.Fatalf("Escalate: %v", err)
	}
	type item struct {
		ID         int64  `json:"id"`
		Reason     string `json:"reason"`
		Open       bool   `json:"open"`
		ResolvedBy string `json:"resolved_by"`
		Note       string `json:"note"`
	}
	var list struct {
		Escalations []item `json:"escalations"`
	}
	h.api("GET", "/api/v1/escalations?open=1", "").decode(t, &list)
	if diff := cmp.Diff([]item{{ID: id, Reason: "hate", Open: true}}, list.Escalations); diff != "" {
		t.Errorf("open escalations (-want +got):\n%s", diff)
	}

	path := "/api/v1/escalations/" + itoa(id) + "/resolve"
	got := h.do(request{method: "POST", path: path, body: `{"note":"segnalato alla polizia postale"}`,
		moderator: "giulia", auth: "Bearer " + testToken})
	var res item
	got.decode(t, &res)
	if want := (item{ID: id, Reason: "hate", ResolvedBy: "giulia", Note: "segnalato alla polizia postale"}); got.status != 200 || res != want {
		t.Errorf("POST %s: %d %+v, want 200 %+v", path, got.status, res, want)
	}
	if again := h.api("POST", path, `{"note":"x"}`); again.status != http.StatusNotFound {
		t.Errorf("resolving again: %d %s, want 404", again.status, again.body)
	}
	h.api("GET", "/api/v1/escalations?open=1", "").decode(t, &list)
	if len(list.Escalations) != 0 {
		t.Errorf("open escalations after resolving: %+v, want none", list.Escalations)
	}
	h.api("GET", "/api/v1/escalations?open=0", "").decode(t, &list)
	if len(list.Escalations) != 1 || list.Escalations[0].Open {
		t.Errorf("all escalations: %+v, want the one, resolved", list.Escalations)
	}
	var page struct {
		Entries []struct{ Actor, Event, Outcome string } `json:"entries"`
	}
	h.api("GET", "/api/v1/audit?event=resolve", "").decode(t, &page)
	if len(page.Entries) != 1 || page.Entries[0].Actor != "giulia" {
		t.Errorf("audit of the resolution: %+v, want one row by giulia", page.Entries)
	}
	if bad := h.api("GET", "/api/v1/escalations?open=maybe", ""); bad.status != 400 {
		t.Errorf("open=maybe: %d, want 400", bad.status)
	}
}

func TestAuditQuery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	for _, m := range []string{"off", "auto", "dry-run"} {
		if got := h.api("PUT", "/api/v1/switches", `{"scope":"all","mode":"`+m+`"}`); got.status != 200 {
			t.Fatalf("PUT switch: %d %s", got.status, got.body)
		}
	}
	type page struct {
		Entries []struct {
			ID      int64  `json:"id"`
			Outcome string `json:"outcome"`
		} `json:"entries"`
		NextBefore int64 `json:"next_before"`
	}
	var p1, p2 page
	h.api("GET", "/api/v1/audit?event=switch&limit=2", "").decode(t, &p1)
	if len(p1.Entries) != 2 || p1.NextBefore == 0 {
		t.Fatalf("first page: %+v, want 2 rows and a next_before", p1)
	}
	h.api("GET", "/api/v1/audit?event=switch&limit=2&before="+itoa(p1.NextBefore), "").decode(t, &p2)
	var got []string
	for _, e := range append(p1.Entries, p2.Entries...) {
		got = append(got, e.Outcome)
	}
	if diff := cmp.Diff([]string{"dry-run", "auto", "off"}, got); diff != "" {
		t.Errorf("switch audit over two pages (-want +got):\n%s", diff)
	}
	var future page
	h.api("GET", "/api/v1/audit?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "").decode(t, &future)
	if len(future.Entries) != 0 {
		t.Errorf("audit since an hour ahead: %+v, want none", future.Entries)
	}

	for _, q := range []string{"since=yesterday", "until=2026-13-01", "before=-1", "limit=0", "limit=100000", "label=" + strings.Repeat("x", 300)} {
		if got := h.api("GET", "/api/v1/audit?"+q, ""); got.status != 400 || got.errorText() == "" {
			t.Errorf("GET /api/v1/audit?%.40s: %d %s, want 400 with a JSON error", q, got.status, got.body)
		}
	}
}

// Personal data of the tests: a mobile number, a codice fiscale, an
// e-mail address; and the author's id and handle.
const (
	phone    = "333 123 4567"
	taxCode  = "RSSMRA85T10A562S"
	email    = "mario.rossi85@example.com"
	authorID = "98765"
	handle   = "mario_rossi_85"
)

var personalText = "Sono Mario, il mio codice fiscale è " + taxCode + " e il cellulare " + phone +
	", scrivetemi a " + email + " per la NASpI"

func TestCheckReturnsRedactedTextOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	got := h.api("POST", "/api/v1/check", `{"text":"`+personalText+`","platform":"telegram"}`)
	if got.status != http.StatusOK {
		t.Fatalf("POST /api/v1/check: %d %s, want 200", got.status, got.body)
	}
	var v struct {
		PII      []string `json:"pii"`
		Intent   string   `json:"intent"`
		Actions  []string `json:"actions"`
		Redacted string   `json:"redacted"`
		Explain  string   `json:"explain"`
	}
	got.decode(t, &v)
	for _, datum := range []string{taxCode, phone, "3331234567", email, personalText} {
		if strings.Contains(string(got.body), datum) {
			t.Errorf("check answer holds %q:\n%s", datum, got.body)
		}
	}
	if !slices.Contains(v.PII, "tax_code") || !slices.Contains(v.PII, "phone") || !slices.Contains(v.Actions, "hide") {
		t.Errorf("check verdict pii %v actions %v, want tax_code and phone found and a hide", v.PII, v.Actions)
	}
	if v.Redacted == "" || v.Explain == "" || !strings.Contains(v.Explain, v.Redacted) {
		t.Errorf("check answer: redacted %q explain %q, want both, the explanation quoting the redacted text", v.Redacted, v.Explain)
	}
	if strings.Contains(h.logs.String(), taxCode) || strings.Contains(h.logs.String(), phone) {
		t.Errorf("personal data reached the log:\n%s", h.logs)
	}

	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{name: "no text", body: `{"platform":"telegram"}`, wantStatus: 400},
		{name: "blank text", body: `{"text":"   "}`, wantStatus: 400},
		{name: "unknown platform", body: `{"text":"ciao","platform":"myspace"}`, wantStatus: 400},
		{name: "unknown field", body: `{"text":"ciao","author":"x"}`, wantStatus: 400},
		{name: "text too long", body: `{"text":"` + strings.Repeat("a", bot.MaxText+1) + `"}`, wantStatus: 413},
		{name: "body too long", body: `{"text":"` + strings.Repeat("a", admin.DefaultMaxBody) + `"}`, wantStatus: 413},
		{name: "default platform", body: `{"text":"ciao"}`, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := h.api("POST", "/api/v1/check", tc.body)
			if got.status != tc.wantStatus {
				t.Errorf("POST /api/v1/check %.60s: %d %.200s, want %d", tc.body, got.status, got.body, tc.wantStatus)
			}
		})
	}
}

func TestMetricsExposeFamiliesAndNoPersonalData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	h.runEngine()
	h.handle("201", personalText)
	eventually(t, "the post with personal data is hidden", func() bool {
		_, hides := h.plat.sent()
		return slices.Contains(hides, "201")
	})
	h.metrics.JobRun("purge", 30*time.Millisecond, nil)
	h.metrics.JobRun("sweep", time.Millisecond, context.DeadlineExceeded)

	var body string
	eventually(t, "the hide is counted", func() bool {
		got := h.do(request{method: "GET", path: "/metrics"})
		body = string(got.body)
		return got.status == http.StatusOK &&
			strings.Contains(body, `inpsbot_actions_total{kind="hide",outcome="sent",platform="telegram"} 1`)
	})
	for _, want := range []string{
		`inpsbot_posts_total{intent="`, // whichever intent the rules give
		`inpsbot_post_violations_total{platform="telegram",violation="personal_data"} 1`,
		`inpsbot_post_personal_data_total{kind="tax_code",platform="telegram"} 1`,
		`inpsbot_post_personal_data_total{kind="phone",platform="telegram"} 1`,
		`inpsbot_decision_seconds_count{platform="telegram"} 1`,
		`inpsbot_action_delay_seconds_count{kind="hide",platform="telegram"} 1`,
		`inpsbot_outbox_backlog `,
		`inpsbot_platform_up{source="telegram/inps"} 1`,
		`inpsbot_job_runs_total{job="purge",outcome="ok"} 1`,
		`inpsbot_job_runs_total{job="sweep",outcome="error"} 1`,
		`inpsbot_job_duration_seconds_count{job="purge"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(body, "inpsbot_"))
		}
	}
	for _, datum := range []string{taxCode, phone, "3331234567", email, authorID, handle, "Mario", "NASpI"} {
		if strings.Contains(body, datum) {
			t.Errorf("/metrics holds %q", datum)
		}
		if strings.Contains(h.logs.String(), datum) {
			t.Errorf("the log holds %q", datum)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testToken)
	tests := []struct {
		name string
		cfg  admin.Config
	}{
		{name: "no address", cfg: admin.Config{}},
		{name: "unparsable address", cfg: admin.Config{Addr: "127.0.0.1:http-alt-x"}},
		{name: "spaces around the token", cfg: admin.Config{Addr: "127.0.0.1:0", Token: " tok "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := admin.New(tc.cfg, h.eng, nil, zerolog.Nop()); err == nil {
				t.Errorf("New(%v) = nil error, want one", tc.cfg)
			}
		})
	}
	if _, err := admin.New(admin.Config{Addr: "127.0.0.1:0"}, nil, nil, zerolog.Nop()); err == nil {
		t.Error("New without an engine = nil error, want one")
	}
	if s := (admin.Config{Addr: ":0", Token: testToken}).String(); strings.Contains(s, testToken) {
		t.Errorf("Config.String() = %q, shows the token", s)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// grepLines returns the lines of s that start with prefix.
func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
