package admin

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// amendRows returns the "amend" audit rows.
func (h *consoleHarness) amendRows() []bot.AuditEntry {
	h.t.Helper()
	rows, err := h.store.AuditTrail(h.t.Context(), bot.AuditFilter{Event: "amend"})
	if err != nil {
		h.t.Fatalf("audit trail: %v", err)
	}
	return rows
}

// replyText is the stored text of an action.
func (h *consoleHarness) replyText(id int64) string {
	h.t.Helper()
	a, err := h.store.Action(h.t.Context(), id)
	if err != nil {
		h.t.Fatalf("action %d: %v", id, err)
	}
	return a.Text
}

func TestConsoleAmend(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true})
	h.handle("501", "Come faccio a chiedere la NASpI?")
	a := h.proposed(1)[0]
	c, token := h.signedIn()
	path := idPath("/console/proposals/%d/amend", a.ID)

	review := c.get("/console/review")
	if !strings.Contains(review.body, `action="`+path+`"`) ||
		!strings.Contains(review.body, idPath(`id="edit-%d"`, a.ID)) ||
		!strings.Contains(review.body, html.EscapeString(a.Text)+"</textarea>") {
		t.Fatalf("the review page has no edit form pre-filled with the reply\n%.3000s", review.body)
	}

	refused := []struct {
		name, text string
		want       string // in the reason
		draft      string // what the form keeps of the edit
	}{
		{name: "personal data", text: a.Text + "\nOppure mi scriva a mario.rossi85@example.com o al 333 1234567.",
			want: "contiene dati personali", draft: "Oppure mi scriva a [email] o al [telefono]."},
		{name: "private contact", text: a.Text + " Ci scriva in privato.", want: "contiene «in privato»",
			draft: "Ci scriva in privato."},
		{name: "no channel", text: "Grazie per il messaggio, buona giornata.", want: "deve indicare un canale",
			draft: "Grazie per il messaggio, buona giornata."},
		{name: "too long", text: a.Text + strings.Repeat(" Grazie.", 600), want: "su telegram il limite è 4096",
			draft: "Grazie. Grazie."},
		{name: "empty", text: "  ", want: "la risposta è vuota"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			got := c.post(path, url.Values{"csrf": {token}, "text": {tc.text}})
			if got.status != http.StatusUnprocessableEntity {
				t.Fatalf("amend = %d, want 422\n%.600s", got.status, got.body)
			}
			body := html.UnescapeString(got.body)
			if !strings.Contains(body, tc.want) || !strings.Contains(body, `class="alert"`) ||
				!strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("the refusal does not say %q in Italian\n%.3000s", tc.want, got.body)
			}
			if tc.draft != "" && !strings.Contains(body, tc.draft) {
				t.Errorf("the form does not keep the edit %q", tc.draft)
			}
			noPersonalData(t, "the refused edit", got.body)
			if txt := h.replyText(a.ID); txt != a.Text {
				t.Errorf("a refused edit changed the reply to %q", txt)
			}
		})
	}
	if rows := h.amendRows(); len(rows) != 0 {
		t.Fatalf("refused edits were audited as amendments: %+v", rows)
	}

	// A good edit is saved, under the moderator's name; browsers send CRLF.
	good := "Buongiorno.\n" + a.Text
	got := c.post(path, url.Values{"csrf": {token}, "text": {strings.ReplaceAll(good, "\n", "\r\n") + "\r\n"}})
	if want := idPath("/console/review?ok=amended#prop-%d", a.ID); got.status != http.StatusSeeOther || got.location() != want {
		t.Fatalf("amend = %d → %q, want 303 → %q\n%.600s", got.status, got.location(), want, got.body)
	}
	if txt := h.replyText(a.ID); txt != good {
		t.Errorf("amended reply = %q, want %q", txt, good)
	}
	rows := h.amendRows()
	if len(rows) != 1 || rows[0].Actor != testModerator || rows[0].Outcome != "amended" || rows[0].PostKey != a.PostKey {
		t.Errorf("amend audit rows = %+v, want one by %s on %s", rows, testModerator, a.PostKey)
	}
	page := c.get("/console/review?ok=amended")
	if !strings.Contains(page.body, messages["it"]["ok_amended"]) || !strings.Contains(page.body, "Buongiorno.\n") {
		t.Error("the review page does not show the amended reply and the message")
	}

	// Then approved as before: the platform gets the amended text.
	if got := c.post(idPath("/console/proposals/%d/approve", a.ID), url.Values{"csrf": {token}}); got.status != http.StatusSeeOther {
		t.Fatalf("approve = %d", got.status)
	}
	waitFor(t, "the amended reply reaches the platform", func() bool {
		for _, r := range h.plat.sent() {
			if r.PostID == "501" {
				if r.Text != good {
					t.Fatalf("the platform got %q, want the amended %q", r.Text, good)
				}
				return true
			}
		}
		return false
	})

	// Too late now: the moderator is told, nothing changes.
	got = c.post(path, url.Values{"csrf": {token}, "text": {"Altro testo. Contact Center 803 164."}})
	if got.status != http.StatusSeeOther || got.location() != "/console/review?err=decided" {
		t.Errorf("amend of an approved reply = %d → %q, want the already-decided message", got.status, got.location())
	}
	if got := c.post("/console/proposals/999999/amend", url.Values{"csrf": {token}, "text": {good}}); got.status != http.StatusNotFound {
		t.Errorf("amend of an unknown reply = %d, want 404", got.status)
	}
	if txt := h.replyText(a.ID); txt != good {
		t.Errorf("reply after refused changes = %q, want %q", txt, good)
	}
}

func TestConsoleAmendRefusesAnonymousAndForged(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true})
	h.handle("601", "Come faccio a chiedere la NASpI?")
	a := h.proposed(1)[0]
	path := idPath("/console/proposals/%d/amend", a.ID)
	evil := "Buongiorno.\n" + a.Text

	if got := h.client().post(path, url.Values{"csrf": {"anything"}, "text": {evil}}); got.status != http.StatusForbidden {
		t.Errorf("anonymous amend = %d, want 403", got.status)
	}
	c, token := h.signedIn()
	_, other := h.signedIn()
	for _, tok := range []string{"", "forged", token + "x", other} {
		if got := c.post(path, url.Values{"csrf": {tok}, "text": {evil}}); got.status != http.StatusForbidden {
			t.Errorf("amend with csrf %.8q = %d, want 403", tok, got.status)
		}
	}
	got := c.do(http.MethodPost, path, url.Values{"csrf": {token}, "text": {evil}}, http.Header{"Origin": {"http://evil.example"}})
	if got.status != http.StatusForbidden {
		t.Errorf("amend from another origin = %d, want 403", got.status)
	}
	if txt := h.replyText(a.ID); txt != a.Text {
		t.Errorf("a refused request changed the reply to %q", txt)
	}
	if rows := h.amendRows(); len(rows) != 0 {
		t.Errorf("refused requests were audited: %+v", rows)
	}
}

func TestConsoleAmendInEnglish(t *testing.T) {
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true, cfg: ConsoleConfig{Lang: "en"}})
	h.handle("701", "Come faccio a chiedere la NASpI?")
	a := h.proposed(1)[0]
	c, token := h.signedIn()
	got := c.post(idPath("/console/proposals/%d/amend", a.ID), url.Values{"csrf": {token}, "text": {"Grazie, buona giornata."}})
	if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "must name a channel") {
		t.Errorf("refused amend in English = %d, without the English reason", got.status)
	}
}

// gatedStore holds the charts' count (the decision rows of a window) until
// released, and tells when one has begun.
type gatedStore struct {
	bot.Store
	entered chan struct{}
	release chan struct{}
}

func (g *gatedStore) AuditTrail(ctx context.Context, f bot.AuditFilter) ([]bot.AuditEntry, error) {
	if f.Event == "decision" && !f.Since.IsZero() {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Store.AuditTrail(ctx, f)
}

func newGatedStore() *gatedStore {
	return &gatedStore{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func TestConsoleChartsCountedInTheBackground(t *testing.T) {
	gate := newGatedStore()
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true,
		store: func(st bot.Store) bot.Store { gate.Store = st; return gate }})
	h.handle("801", "Come faccio a chiedere la NASpI?")
	select {
	case <-gate.entered: // Serve started the count
	case <-time.After(5 * time.Second):
		t.Fatal("the charts are not being counted after Serve began")
	}
	c, _ := h.signedIn()

	// While the count goes on, the page answers at once, saying so.
	start := time.Now()
	got := c.get("/console/activity")
	if took := time.Since(start); took > time.Second {
		t.Errorf("the activity page took %s during a count", took)
	}
	if got.status != http.StatusOK || !strings.Contains(got.body, messages["it"]["charts_pending"]) ||
		strings.Contains(got.body, `id="chart-posts-t"`) {
		t.Fatalf("activity during the first count = %d, want the page with the charts pending\n%.2000s", got.status, got.body)
	}

	close(gate.release)
	waitFor(t, "the charts after the count", func() bool {
		return strings.Contains(c.get("/console/activity").body, `id="chart-posts-t"`)
	})
	got = c.get("/console/activity")
	if strings.Contains(got.body, messages["it"]["charts_pending"]) || !strings.Contains(got.body, messages["it"]["charts_at"]) {
		t.Error("the activity page does not show the counted charts")
	}
	// The page asks for fresh counts: the decision of a new post shows
	// within statsMinGap, without a request counting it.
	h.handle("802", "Quando arriva l'assegno unico di questo mese?")
	waitFor2 := time.Now().Add(statsMinGap + 5*time.Second)
	for {
		v := h.con.stats.current()
		if v != nil && v.counts[len(v.counts)-1].posts >= 2 {
			break
		}
		if time.Now().After(waitFor2) {
			t.Fatalf("the new decision is not counted within %s of a page asking", statsMinGap+5*time.Second)
		}
		c.get("/console/activity")
		time.Sleep(100 * time.Millisecond)
	}
}

func TestConsoleCountingStopsWithServe(t *testing.T) {
	gate := newGatedStore() // never released: the count is under way when Serve ends
	h := newConsoleHarness(t, consoleOptions{store: func(st bot.Store) bot.Store { gate.Store = st; return gate }})
	select {
	case <-gate.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the charts are not being counted after Serve began")
	}
	stopped := make(chan struct{})
	go func() {
		h.stopServing()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	// Serve has returned: the counting goroutine has ended before.
	w := h.con.stats
	w.mu.Lock()
	done := w.done
	w.mu.Unlock()
	select {
	case <-done:
	default:
		t.Fatal("the counting goroutine outlives Serve")
	}
	w.start() // no new goroutine after the end
	w.mu.Lock()
	again := w.done
	w.mu.Unlock()
	if again != done {
		t.Error("the counting goroutine started again after Serve ended")
	}
}
