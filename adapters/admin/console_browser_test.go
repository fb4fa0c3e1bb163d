package admin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/inps-social/inpsbot/bot"
)

// chromium finds a Chromium or Chrome binary, "" when there is none.
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromium()
	if bin == "" {
		t.Skip("no chromium binary found (chromium, chromium-browser, google-chrome): browser tests skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The console scrolls smoothly unless the user prefers less motion:
		// a click must not land on a page still scrolling.
		chromedp.Flag("force-prefers-reduced-motion", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTime()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Skipf("chromium does not start: %v", err)
	}
	return ctx
}

// screenshot writes a PNG to $INPSBOT_SCREENSHOTS, when set.
func screenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("INPSBOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("screenshots: %v", err)
	}
}

func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	h := newConsoleHarness(t, consoleOptions{mode: bot.ModeApprove, run: true})
	h.handle("401", "Come faccio a chiedere la NASpI?")
	h.handle("402", piiPost)
	h.handle("403", "Quando arriva l'assegno unico di questo mese?")
	h.handle("404", "Lavoro in nero da due anni e prendo anche la NASpI, chiamatemi al 333 1234567")
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		screenshot(t, name, png)
	}
	outer := func() string {
		t.Helper()
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatalf("outer HTML: %v", err)
		}
		return html
	}

	// Sign in: the console sends an anonymous visitor to the form first.
	run("sign in",
		chromedp.Navigate(h.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), testModerator),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-switches")),
	)

	// Pause the whole bot with one click; the engine sees it at once.
	run("pause the bot",
		chromedp.Click(chromedp.CSS(`#sw-mode button[value="off"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sw-mode button[value="off"][aria-pressed="true"]`)),
	)
	if m := h.eng.Switches().ModeFor(bot.Post{}, "", ""); m != bot.ModeOff {
		t.Fatalf("bot mode after pausing = %s, want off", m)
	}
	shot("console-overview")
	run("resume the bot",
		chromedp.Click(chromedp.CSS(`#sw-mode button[value=""]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sw-mode button[value=""][aria-pressed="true"]`)),
	)
	if _, set := h.eng.Switches().Set["mode"]; set {
		t.Fatal("the whole-bot switch is still set after clearing it")
	}

	// Approve the reply to post 401: the platform receives it.
	acts := h.proposed(2)
	var id int64
	for _, a := range acts {
		if a.Target.ID == "401" {
			id = a.ID
		}
	}
	if id == 0 {
		t.Fatalf("no proposed reply to post 401 among %d", len(acts))
	}
	// The console's script moves the focus (and so the scroll) once the
	// page has loaded: clicks wait for that.
	loaded := chromedp.Poll[chromedp.Void]("document.readyState === 'complete'")
	prop := "#prop-" + strconv.FormatInt(id, 10)
	edit := "#edit-" + strconv.FormatInt(id, 10)
	run("review",
		chromedp.Navigate(h.base+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS("#h-queue")),
		loaded,
		chromedp.Click(chromedp.CSS(prop+" details.edit summary")),
		chromedp.WaitVisible(chromedp.CSS(edit)),
	)
	shot("console-review")

	// Edit the reply first: a request for private contact is refused, and
	// the edit stays in the form; a good one is saved.
	var original string
	for _, a := range acts {
		if a.ID == id {
			original = a.Text
		}
	}
	good := "Buongiorno.\n" + original
	run("refused edit",
		chromedp.SetValue(chromedp.CSS(edit), good+" Ci scriva in privato."),
		chromedp.Click(chromedp.CSS(prop+" details.edit button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(prop+" .field-error")),
		loaded,
	)
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(edit)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(kept, "Ci scriva in privato.") {
		t.Errorf("the refused edit is not kept in the form: %q", kept)
	}
	run("good edit",
		chromedp.SetValue(chromedp.CSS(edit), good),
		chromedp.Click(chromedp.CSS(prop+" details.edit button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
		loaded,
	)
	if a, err := h.store.Action(t.Context(), id); err != nil || a.Text != good {
		t.Fatalf("reply after the edit = %q (%v), want %q", a.Text, err, good)
	}
	run("approve",
		chromedp.Click(chromedp.CSS(prop+` button.primary`)),
		chromedp.WaitNotPresent(chromedp.CSS(prop)), // decided: off the list
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	waitFor(t, "the approved reply reaches the platform", func() bool {
		for _, r := range h.plat.sent() {
			if r.PostID == "401" {
				if r.Text != good {
					t.Fatalf("the platform got %q, want the edited reply", r.Text)
				}
				return true
			}
		}
		return false
	})

	// Take the escalation: the page says who has it.
	esc, err := h.store.Escalations(t.Context(), true, 0)
	if err != nil || len(esc) == 0 {
		t.Fatalf("open escalations: %d (%v)", len(esc), err)
	}
	escSel := "#esc-" + strconv.FormatInt(esc[0].ID, 10)
	run("take",
		chromedp.Navigate(h.base+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS("#h-queue")),
		loaded,
		chromedp.Click(chromedp.CSS(escSel+` form[action$="/take"] button`)),
		chromedp.WaitVisible(chromedp.CSS(escSel+" p.taken")),
	)
	if e, err := h.store.Escalation(t.Context(), esc[0].ID); err != nil || e.TakenBy != testModerator {
		t.Errorf("escalation taken by %q (%v), want %s", e.TakenBy, err, testModerator)
	}

	// No page carries personal data, whatever the moderator looks at.
	for _, p := range []string{"/console/", "/console/review", "/console/activity", "/console/rules",
		"/console/activity?label=phone", "/console/activity?event=decision&platform=telegram"} {
		run("read "+p,
			chromedp.Navigate(h.base+p),
			chromedp.WaitVisible(chromedp.CSS("#main")),
		)
		noPersonalData(t, p, outer())
	}
	// The charts are counted in the background: the page shows them once
	// the console has counted the decisions of the posts above.
	waitFor(t, "the charts counted", func() bool {
		h.con.stats.nudge()
		v := h.con.stats.current()
		return v != nil && v.counts[len(v.counts)-1].posts >= 4
	})
	run("activity",
		chromedp.Navigate(h.base+"/console/activity"),
		chromedp.WaitVisible(chromedp.CSS("#h-audit")),
		chromedp.WaitVisible(chromedp.CSS(".charts figure svg.chart")),
	)
	shot("console-activity")

	run("check a text",
		chromedp.Navigate(h.base+"/console/rules"),
		chromedp.WaitVisible(chromedp.CSS("#check-text")),
		chromedp.SendKeys(chromedp.CSS("#check-text"), piiPost),
		chromedp.Click(chromedp.CSS(`#h-check ~ form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("pre.explain")),
	)
	noPersonalData(t, "the check result", outer())

	run("phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.base+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS("#h-queue")),
	)
	shot("console-review-phone")

	// Sign out: the console is closed again.
	run("sign out",
		chromedp.Click(chromedp.CSS(`form.logout button`)),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.Navigate(h.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
	)
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := h.base + "/console/login?next=%2Fconsole%2F"; url != want {
		t.Errorf("after signing out /console/ leads to %s, want %s", url, want)
	}
}
