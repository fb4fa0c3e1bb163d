package admin

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/bot"
)

// consolePages are the pages a moderator reads.
var consolePages = []string{"/console/", "/console/review", "/console/activity", "/console/rules",
	"/console/activity?platform=telegram&label=phone&action=hide&day=2026-01-02", "/console/link/action/1"}

// consoleActions are the forms a moderator sends, with a valid body.
var consoleActions = []struct {
	path string
	form url.Values
}{
	{path: "/console/switch", form: url.Values{"scope": {"all"}, "mode": {"off"}}},
	{path: "/console/proposals/1/amend", form: url.Values{"text": {"Per la NASpI chiami il Contact Center."}}},
	{path: "/console/proposals/1/approve"},
	{path: "/console/proposals/1/reject"},
	{path: "/console/escalations/1/take"},
	{path: "/console/escalations/1/resolve", form: url.Values{"note": {"fatto"}}},
	{path: "/console/check", form: url.Values{"text": {"ciao"}, "platform": {"telegram"}}},
	{path: "/console/logout"},
}

func withCSRF(form url.Values, token string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	if token != "" {
		out.Set("csrf", token)
	}
	return out
}

func TestConsoleRefusesAnonymous(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{})
	c := h.client()
	for _, p := range consolePages {
		got := c.get(p)
		want := "/console/login?next=" + url.QueryEscape(p)
		if got.status != http.StatusSeeOther || got.location() != want {
			t.Errorf("GET %s = %d → %q, want 303 → %q", p, got.status, got.location(), want)
		}
	}
	for _, a := range consoleActions {
		got := c.post(a.path, withCSRF(a.form, "anything"))
		if got.status != http.StatusForbidden {
			t.Errorf("anonymous POST %s = %d, want 403", a.path, got.status)
		}
	}
	if m := h.eng.Switches().Set["mode"]; m != "" {
		t.Errorf("an anonymous request set the bot's switch to %q", m)
	}
}

func TestConsoleRefusesForgedCSRF(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{})
	c, token := h.signedIn()
	_, otherToken := h.signedIn() // another session's token is no good either
	for _, tok := range []string{"", "forged", token + "x", otherToken} {
		for _, a := range consoleActions {
			got := c.post(a.path, withCSRF(a.form, tok))
			if got.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %.8q = %d, want 403", a.path, tok, got.status)
			}
		}
	}
	if m := h.eng.Switches().Set["mode"]; m != "" {
		t.Errorf("a forged form set the bot's switch to %q", m)
	}
	// The session is still good.
	if got := c.get("/console/"); got.status != http.StatusOK {
		t.Errorf("GET /console/ after refused forms = %d, want 200", got.status)
	}
}

func TestConsoleRefusesOtherOrigins(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{})
	c, token := h.signedIn()
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{name: "other origin", header: http.Header{"Origin": {"http://evil.example"}}, want: http.StatusForbidden},
		{name: "other port", header: http.Header{"Origin": {"http://127.0.0.1:1"}}, want: http.StatusForbidden},
		{name: "null origin", header: http.Header{"Origin": {"null"}}, want: http.StatusForbidden},
		{name: "cross-site fetch", header: http.Header{"Origin": {h.base}, "Sec-Fetch-Site": {"cross-site"}}, want: http.StatusForbidden},
		{name: "other referer", header: http.Header{"Referer": {"http://evil.example/page"}}, want: http.StatusForbidden},
		{name: "same origin", header: http.Header{"Origin": {h.base}, "Sec-Fetch-Site": {"same-origin"}}, want: http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.do(http.MethodPost, "/console/switch",
				url.Values{"csrf": {token}, "scope": {"platform"}, "name": {"telegram"}, "mode": {"dry-run"}}, tc.header)
			if got.status != tc.want {
				t.Errorf("POST /console/switch with %v = %d, want %d", tc.header, got.status, tc.want)
			}
		})
	}
	// Only the same-origin request went through, audited under the name.
	rows, err := h.store.AuditTrail(t.Context(), bot.AuditFilter{Event: "switch"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Actor != testModerator || rows[0].Outcome != "dry-run" {
		t.Errorf("switch audit rows = %+v, want one by %s to dry-run", rows, testModerator)
	}
	if got := h.eng.Switches().Set["mode:platform:telegram"]; got != "dry-run" {
		t.Errorf("telegram switch = %q, want dry-run", got)
	}
}

func TestConsoleExpiredSession(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{cfg: ConsoleConfig{SessionTTL: time.Hour}})
	c, token := h.signedIn()
	h.clock.advance(time.Hour + time.Second)
	for _, p := range consolePages {
		if got := c.get(p); got.status != http.StatusSeeOther || !strings.HasPrefix(got.location(), "/console/login") {
			t.Errorf("GET %s with an expired session = %d → %q, want 303 to the sign-in", p, got.status, got.location())
		}
	}
	for _, a := range consoleActions {
		if got := c.post(a.path, withCSRF(a.form, token)); got.status != http.StatusForbidden {
			t.Errorf("POST %s with an expired session = %d, want 403", a.path, got.status)
		}
	}
}

func TestConsoleLockOut(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{cfg: ConsoleConfig{MaxFailures: 3, LockFor: 10 * time.Minute}})
	c := h.client()
	for i := range 3 {
		if got := c.signIn(testModerator, "not the password"); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, got.status)
		}
	}
	got := c.signIn(testModerator, testPassword)
	if got.status != http.StatusTooManyRequests || !strings.Contains(got.body, messages["it"]["err_locked"]) {
		t.Fatalf("right password during the lock-out = %d, want 429 with the lock-out message", got.status)
	}
	if _, ok := c.cookies[sessionCookie]; ok {
		t.Fatal("a session cookie was set during the lock-out")
	}
	h.clock.advance(10*time.Minute + time.Second)
	if got := c.signIn(testModerator, testPassword); got.status != http.StatusSeeOther {
		t.Fatalf("sign-in after the lock-out = %d, want 303", got.status)
	}
}

func TestConsoleLockOutPerClient(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{cfg: ConsoleConfig{MaxFailures: 3, LockFor: 10 * time.Minute}})
	c := h.client()
	for i, name := range []string{"alice", "bob", "carol"} {
		if got := c.signIn(name, "guess-"+name); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, got.status)
		}
	}
	// The client's address is locked out, whatever the name.
	if got := c.signIn(testModerator, testPassword); got.status != http.StatusTooManyRequests {
		t.Fatalf("sign-in from a locked-out address = %d, want 429", got.status)
	}
}

func TestConsoleSignOut(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{})
	c, token := h.signedIn()
	old := c.cookies[sessionCookie]
	got := c.post("/console/logout", url.Values{"csrf": {token}})
	if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location(), "/console/login") {
		t.Fatalf("sign-out = %d → %q, want 303 to the sign-in", got.status, got.location())
	}
	var cleared bool
	for _, ck := range got.cookies {
		cleared = cleared || (ck.Name == sessionCookie && ck.MaxAge < 0)
	}
	if !cleared {
		t.Error("sign-out does not clear the session cookie")
	}
	// The old session id is dead on the server, not just in the browser.
	c.cookies[sessionCookie] = old
	if got := c.get("/console/"); got.status != http.StatusSeeOther {
		t.Errorf("GET /console/ with a signed-out session = %d, want 303", got.status)
	}
	if got := c.post("/console/switch", url.Values{"csrf": {token}, "scope": {"all"}, "mode": {"off"}}); got.status != http.StatusForbidden {
		t.Errorf("POST with a signed-out session = %d, want 403", got.status)
	}
}

func TestConsoleCookieFlags(t *testing.T) {
	tests := []struct {
		name       string
		cfg        ConsoleConfig
		header     http.Header
		wantSecure bool
	}{
		{name: "plain http", wantSecure: false},
		{name: "behind a TLS proxy", header: http.Header{"X-Forwarded-Proto": {"https"}}, wantSecure: true},
		{name: "configured", cfg: ConsoleConfig{SecureCookies: true}, wantSecure: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newConsoleHarness(t, consoleOptions{cfg: tc.cfg})
			c := h.client()
			c.header = tc.header
			origin := h.base
			if tc.wantSecure {
				origin = strings.Replace(h.base, "http://", "https://", 1)
			}
			form := c.get("/console/login")
			got := c.do(http.MethodPost, "/console/login", url.Values{"csrf": {csrfOf(t, form.body)},
				"name": {testModerator}, "password": {testPassword}}, http.Header{"Origin": {origin}})
			if got.status != http.StatusSeeOther {
				t.Fatalf("sign-in = %d, want 303\n%.500s", got.status, got.body)
			}
			var sess *http.Cookie
			for _, ck := range got.cookies {
				if ck.Name == sessionCookie {
					sess = ck
				}
			}
			if sess == nil {
				t.Fatal("no session cookie set")
			}
			if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure != tc.wantSecure ||
				sess.Path != cookiePath || sess.MaxAge <= 0 {
				t.Errorf("session cookie = %q, want HttpOnly, SameSite=Strict, Path=%s, Max-Age, Secure=%t",
					sess.String(), cookiePath, tc.wantSecure)
			}
			if len(sess.Value) < 40 {
				t.Errorf("session id %d characters long, want 32 random bytes", len(sess.Value))
			}
		})
	}
}

func TestConsoleSignInNeedsItsToken(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{})
	c := h.client()
	got := c.post("/console/login", url.Values{"csrf": {"forged"}, "name": {testModerator}, "password": {testPassword}})
	if got.status != http.StatusForbidden {
		t.Errorf("sign-in without the form's token = %d, want 403", got.status)
	}
	form := c.get("/console/login")
	got = c.do(http.MethodPost, "/console/login", url.Values{"csrf": {csrfOf(t, form.body)}, "name": {testModerator},
		"password": {testPassword}}, http.Header{"Origin": {"http://evil.example"}})
	if got.status != http.StatusForbidden {
		t.Errorf("sign-in from another origin = %d, want 403", got.status)
	}
}

func TestConsoleSignInRedirectStaysInside(t *testing.T) {
	tests := []struct {
		next, want string
	}{
		{next: "/console/review", want: "/console/review"},
		{next: "/console/activity?label=hate", want: "/console/activity?label=hate"},
		{next: "https://evil.example/", want: "/console/"},
		{next: "//evil.example/console/", want: "/console/"},
		{next: "/console/\\evil", want: "/console/"},
		{next: "/metrics", want: "/console/"},
		{next: "", want: "/console/"},
	}
	for _, tc := range tests {
		if got := localPath(tc.next, "/console/"); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

func TestConsoleModeratorActions(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true})
	h.handle("101", "Come faccio a chiedere la NASpI?")
	h.handle("102", "Quando arriva l'assegno unico di questo mese?")
	h.handle("103", piiPost)
	acts := h.proposed(2)
	c, token := h.signedIn()
	ctx := t.Context()

	// Switch: the whole bot off, effective at once, audited by name.
	got := c.post("/console/switch", url.Values{"csrf": {token}, "scope": {"all"}, "mode": {"off"}})
	if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location(), "/console/?ok=switch#sw-mode") {
		t.Fatalf("switch = %d → %q", got.status, got.location())
	}
	if m := h.eng.Switches().ModeFor(bot.Post{}, "", ""); m != bot.ModeOff {
		t.Errorf("bot mode after the switch = %s, want off", m)
	}
	// And cleared again.
	c.post("/console/switch", url.Values{"csrf": {token}, "scope": {"all"}, "mode": {""}})
	if _, set := h.eng.Switches().Set["mode"]; set {
		t.Error("the whole-bot switch is still set after clearing it")
	}

	review := c.get("/console/review")
	if review.status != http.StatusOK || !strings.Contains(review.body, "/approve") {
		t.Fatalf("review page = %d without proposals\n%.800s", review.status, review.body)
	}
	if got := c.post(idPath("/console/proposals/%d/approve", acts[0].ID), url.Values{"csrf": {token}}); got.status != http.StatusSeeOther {
		t.Fatalf("approve = %d", got.status)
	}
	if got := c.post(idPath("/console/proposals/%d/reject", acts[1].ID), url.Values{"csrf": {token}}); got.status != http.StatusSeeOther {
		t.Fatalf("reject = %d", got.status)
	}
	// Deciding twice tells the moderator, changes nothing.
	if got := c.post(idPath("/console/proposals/%d/reject", acts[0].ID), url.Values{"csrf": {token}}); got.location() != "/console/review?err=decided" {
		t.Errorf("second decision → %q, want the already-decided message", got.location())
	}
	waitFor(t, "the approved reply reaches the platform", func() bool {
		for _, r := range h.plat.sent() {
			if r.PostID == acts[0].Target.ID {
				return true
			}
		}
		return false
	})
	if a1, _ := h.store.Action(ctx, acts[1].ID); a1.State != bot.StateSkipped {
		t.Errorf("after reject: %s, want skipped", a1.State)
	}

	esc, err := h.store.Escalations(ctx, true, 0)
	if err != nil || len(esc) == 0 {
		t.Fatalf("open escalations: %v, %d", err, len(esc))
	}
	id := esc[0].ID
	if got := c.post(idPath("/console/escalations/%d/take", id), url.Values{"csrf": {token}}); got.status != http.StatusSeeOther ||
		got.location() != idPath("/console/review?ok=taken#esc-%d", id) {
		t.Fatalf("take = %d → %q", got.status, got.location())
	}
	if e, err := h.store.Escalation(ctx, id); err != nil || e.TakenBy != testModerator {
		t.Errorf("escalation %d taken by %q (%v), want %q", id, e.TakenBy, err, testModerator)
	}
	page := c.get("/console/review")
	if !strings.Contains(page.body, "In carico a <strong>"+testModerator+"</strong>") {
		t.Error("the review page does not show who took the escalation")
	}
	if strings.Contains(page.body, idPath("/console/escalations/%d/take", id)) {
		t.Error("the review page offers to take an escalation the moderator has already taken")
	}
	if got := c.post(idPath("/console/escalations/%d/resolve", id), url.Values{"csrf": {token}, "note": {"rimosso"}}); got.status != http.StatusSeeOther {
		t.Fatalf("resolve = %d", got.status)
	}
	open, _ := h.store.Escalations(ctx, true, 0)
	for _, e := range open {
		if e.ID == id {
			t.Error("the escalation is still open after resolving it")
		}
	}
	// Taking or resolving it again tells the moderator, changes nothing.
	for _, action := range []string{"take", "resolve"} {
		got := c.post(idPath("/console/escalations/%d/", id)+action, url.Values{"csrf": {token}, "note": {"ancora"}})
		if got.status != http.StatusSeeOther || got.location() != "/console/review?err=resolved" {
			t.Errorf("%s of a resolved escalation = %d → %q, want the already-resolved message", action, got.status, got.location())
		}
	}
	if got := c.post("/console/escalations/999999/take", url.Values{"csrf": {token}}); got.status != http.StatusNotFound {
		t.Errorf("take of an unknown escalation = %d, want 404", got.status)
	}

	for _, ev := range []string{"switch", "approve", "reject", "take", "resolve"} {
		rows, err := h.store.AuditTrail(ctx, bot.AuditFilter{Event: ev})
		if err != nil || len(rows) == 0 {
			t.Errorf("no %s audit row (%v)", ev, err)
			continue
		}
		for _, r := range rows {
			if r.Actor != testModerator {
				t.Errorf("%s audit row by %q, want %q", ev, r.Actor, testModerator)
			}
		}
	}
}

func TestConsoleShowsNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true,
		logger: zerolog.New(&syncWriter{w: &logs}).Level(zerolog.DebugLevel)})
	h.handle("201", piiPost)
	h.handle("202", "Ho fatto domanda di NASpI, il mio codice fiscale è RSSMRA85T10A562S, quando pagano?")
	h.handle("203", "Come faccio a chiedere la NASpI?")
	h.proposed(1)
	c, token := h.signedIn()
	for _, p := range []string{"/console/", "/console/review", "/console/activity", "/console/rules",
		"/console/activity?label=phone", "/console/activity?event=decision"} {
		got := c.get(p)
		if got.status != http.StatusOK {
			t.Errorf("GET %s = %d", p, got.status)
		}
		noPersonalData(t, p, got.body)
	}
	review := c.get("/console/review")
	if !strings.Contains(review.body, "[telefono]") || !strings.Contains(review.body, "[iban]") {
		t.Errorf("the review page does not show the redacted post\n%.2000s", review.body)
	}
	check := c.post("/console/check", url.Values{"csrf": {token}, "text": {piiPost}, "platform": {"telegram"}})
	if check.status != http.StatusOK || !strings.Contains(check.body, "[codice fiscale]") {
		t.Errorf("check = %d without the redacted text", check.status)
	}
	noPersonalData(t, "the check result", check.body)
	noPersonalData(t, "the log", logs.String())
}

func TestConsoleLinkHidesTheAddress(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true})
	h.handle("301", "Come faccio a chiedere la NASpI?")
	id := h.proposed(1)[0].ID
	c, _ := h.signedIn()
	review := c.get("/console/review")
	if strings.Contains(review.body, "t.me/c/200300") {
		t.Error("the review page carries the post's address")
	}
	got := c.get(idPath("/console/link/action/%d", id))
	if got.status != http.StatusSeeOther || got.location() != "https://t.me/c/200300/301" {
		t.Errorf("link = %d → %q, want 303 to the post", got.status, got.location())
	}

	h.handle("302", piiPost) // escalated (forget_me)
	var esc []bot.Escalation
	waitFor(t, "an escalation", func() bool {
		esc, _ = h.store.Escalations(t.Context(), true, 0)
		return len(esc) > 0
	})
	got = c.get(idPath("/console/link/escalation/%d", esc[0].ID))
	if got.status != http.StatusSeeOther || got.location() != "https://t.me/c/200300/302" {
		t.Errorf("escalation link = %d → %q, want 303 to the post", got.status, got.location())
	}
	if got := c.get("/console/link/escalation/999999"); got.status != http.StatusNotFound {
		t.Errorf("link to an unknown escalation = %d, want 404", got.status)
	}
}

func TestConsoleOffWithoutUsers(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{cfg: ConsoleConfig{Users: []ConsoleUser{}}})
	got := h.client().get("/console/")
	if got.status != http.StatusNotFound {
		t.Errorf("GET /console/ without moderators = %d, want 404", got.status)
	}
}

func TestConsoleConfigValidate(t *testing.T) {
	good := ConsoleUser{Name: "anna", PasswordHash: testHash()}
	tests := []struct {
		name    string
		cfg     ConsoleConfig
		wantErr string
	}{
		{name: "good", cfg: ConsoleConfig{Users: []ConsoleUser{good}}},
		{name: "english", cfg: ConsoleConfig{Users: []ConsoleUser{good}, Lang: "EN"}},
		{name: "no users", cfg: ConsoleConfig{}},
		{name: "bad hash", cfg: ConsoleConfig{Users: []ConsoleUser{{Name: "anna", PasswordHash: "secret"}}}, wantErr: "not a bcrypt hash"},
		{name: "twice", cfg: ConsoleConfig{Users: []ConsoleUser{good, good}}, wantErr: "listed twice"},
		{name: "no name", cfg: ConsoleConfig{Users: []ConsoleUser{{PasswordHash: testHash()}}}, wantErr: "name: required"},
		{name: "language", cfg: ConsoleConfig{Users: []ConsoleUser{good}, Lang: "fr"}, wantErr: "lang"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			err := cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if cfg.SessionTTL != DefaultSessionTTL || cfg.MaxFailures != DefaultMaxFailures || cfg.LockFor != DefaultLockFor {
					t.Errorf("defaults not filled: %s", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
	if s := (ConsoleConfig{Users: []ConsoleUser{good}}).String(); strings.Contains(s, good.PasswordHash) {
		t.Errorf("String() prints a password hash: %s", s)
	}
}

func TestConsoleMessagesComplete(t *testing.T) {
	for key := range messages["it"] {
		if _, ok := messages["en"][key]; !ok {
			t.Errorf("message %q has no English text", key)
		}
	}
	for key := range messages["en"] {
		if _, ok := messages["it"][key]; !ok {
			t.Errorf("message %q has no Italian text", key)
		}
	}
}

func TestConsoleEnglish(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{cfg: ConsoleConfig{Lang: "en"}})
	c, _ := h.signedIn()
	for _, p := range []string{"/console/", "/console/review", "/console/activity", "/console/rules"} {
		got := c.get(p)
		if got.status != http.StatusOK || !strings.Contains(got.body, `<html lang="en">`) || !strings.Contains(got.body, "Sign out") {
			t.Errorf("GET %s in English = %d, without the English interface", p, got.status)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	tests := []struct{ in, want int }{{0, 4}, {4, 4}, {5, 8}, {9, 20}, {21, 40}, {41, 80}, {81, 200}, {3001, 4000}}
	for _, tc := range tests {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
