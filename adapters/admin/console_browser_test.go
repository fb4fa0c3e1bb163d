package admin

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	run("review",
		chromedp.Navigate(h.base+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS("#h-queue")),
	)
	shot("console-review")
	sel := "#prop-" + strconv.FormatInt(id, 10) + ` button.primary`
	run("approve",
		chromedp.Click(chromedp.CSS(sel)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	waitFor(t, "the approved reply reaches the platform", func() bool {
		for _, r := range h.plat.sent() {
			if r.PostID == "401" {
				return true
			}
		}
		return false
	})

	// No page carries personal data, whatever the moderator looks at.
	for _, p := range []string{"/console/", "/console/review", "/console/activity", "/console/rules",
		"/console/activity?label=phone", "/console/activity?event=decision&platform=telegram"} {
		run("read "+p,
			chromedp.Navigate(h.base+p),
			chromedp.WaitVisible(chromedp.CSS("#main")),
		)
		noPersonalData(t, p, outer())
	}
	run("activity",
		chromedp.Navigate(h.base+"/console/activity"),
		chromedp.WaitVisible(chromedp.CSS("#h-audit")),
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
