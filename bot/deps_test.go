package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImportsNoAdapter guards the direction of imports: the domain
// and its leaves know no adapter, SDK, driver, metrics or scheduler.
func TestDomainImportsNoAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/inps-social/inpsbot/bot/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	forbidden := []string{"/adapters/", "/replies", "/configs", "go-telegram", "go-mastodon", "sqlite",
		"prometheus", "robfig/cron", "net/http/httptest"}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.Contains(pkg, f) {
				t.Errorf("bot depends on %s", pkg)
			}
		}
	}
}
