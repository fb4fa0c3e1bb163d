package mastodon

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{name: "nothing", want: 0},
		{name: "retry-after seconds", header: map[string]string{"Retry-After": "12"}, want: 12 * time.Second},
		{name: "retry-after date", header: map[string]string{"Retry-After": now.Add(time.Minute).Format(http.TimeFormat)}, want: time.Minute},
		{name: "mastodon reset", header: map[string]string{"X-RateLimit-Reset": "2026-03-02T10:04:30.123456Z"}, want: 4*time.Minute + 30*time.Second},
		{name: "reset against the server clock", header: map[string]string{
			"X-RateLimit-Reset": "2026-03-02T09:00:30Z", "Date": "Mon, 02 Mar 2026 09:00:00 GMT",
		}, want: 30 * time.Second},
		{name: "unix reset", header: map[string]string{"X-RateLimit-Reset": "1772445660"}, want: time.Minute},
		{name: "reset passed", header: map[string]string{"X-RateLimit-Reset": "2026-03-02T09:00:00Z"}, want: time.Second},
		{name: "garbage", header: map[string]string{"X-RateLimit-Reset": "soon"}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tc.want {
				t.Errorf("retryAfter(%v) = %s, want %s", tc.header, got, tc.want)
			}
		})
	}
}

func TestAddressed(t *testing.T) {
	tests := []struct {
		name, handle, text, want string
	}{
		{name: "handle already there", handle: "@mario", text: "@mario ciao", want: "@mario ciao"},
		{name: "handle in another case", handle: "@mario", text: "@Mario ciao", want: "@mario ciao"},
		{name: "handle missing", handle: "@mario", text: "ciao", want: "@mario ciao"},
		{name: "a longer handle is not ours", handle: "@mario", text: "@mariorossi ciao", want: "@mario @\u200bmariorossi ciao"},
		{name: "remote handle", handle: "@g@mastodon.uno", text: "@g@mastodon.uno ciao", want: "@g@mastodon.uno ciao"},
		{name: "other mentions defused", handle: "@a", text: "@a vedi @b e (@c@x.it)", want: "@a vedi @\u200bb e (@\u200bc@x.it)"},
		{name: "e-mail and link untouched", handle: "@a", text: "@a info@inps.it https://x.it/@inps", want: "@a info@inps.it https://x.it/@inps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := addressed(tc.handle, tc.text); got != tc.want {
				t.Errorf("addressed(%q, %q) = %q, want %q", tc.handle, tc.text, got, tc.want)
			}
		})
	}
}

func TestStatusLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{text: "ciao", want: 4},
		{text: "vedi https://www.inps.it/it/it/dati-e-bilanci/una-pagina-lunghissima.html", want: 5 + 23},
		{text: "@giulia@mastodon.uno ciao", want: len("@giulia ciao")},
		{text: "perché", want: 6},
	}
	for _, tc := range tests {
		if got := statusLength(tc.text); got != tc.want {
			t.Errorf("statusLength(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

func TestReplyVisibility(t *testing.T) {
	tests := map[string]string{"public": "unlisted", "unlisted": "unlisted", "private": "private", "direct": "direct", "": "direct", "limited": "direct"}
	for in, want := range tests {
		if got := replyVisibility(in); got != want {
			t.Errorf("replyVisibility(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	valid := Config{Account: "inps", Server: "https://mastodon.example", Token: "s3cret"}
	tests := []struct {
		name string
		edit func(*Config)
		want []string // field prefixes of the errors
	}{
		{name: "valid", edit: func(*Config) {}},
		{name: "empty", edit: func(c *Config) { *c = Config{} }, want: []string{"account:", "server:", "token:"}},
		{name: "bad server", edit: func(c *Config) { c.Server = "mastodon.example" }, want: []string{"server:"}},
		{name: "negative durations", edit: func(c *Config) { c.PollInterval, c.HTTPTimeout = -1, -1 }, want: []string{"poll interval:", "http timeout:"}},
		{name: "violation category", edit: func(c *Config) { c.ReportCategory = "violation" }, want: []string{"report category:"}},
		{name: "long comment", edit: func(c *Config) { c.ReportComment = strings.Repeat("x", 1001) }, want: []string{"report comment:"}},
		{name: "account with slash", edit: func(c *Config) { c.Account = "a/b" }, want: []string{"account:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			var got []string
			if err != nil {
				for _, line := range strings.Split(err.Error(), "\n") {
					got = append(got, line[:strings.Index(line, ":")+1])
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q holds the token", err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate fields (-want +got):\n%s", diff)
			}
		})
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, Config{Account: "inps", Token: "s3cret"}); strings.Contains(s, "s3cret") {
			t.Errorf("Sprintf(%q) = %q holds the token", verb, s)
		}
	}
}

func TestDecodeNotification(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{name: "payload as a string", msg: `{"event":"notification","payload":"{\"id\":\"105\",\"type\":\"mention\"}"}`, want: "105"},
		{name: "payload as an object", msg: `{"event":"notification","payload":{"id":"106","type":"mention"}}`, want: "106"},
		{name: "other event", msg: `{"event":"update","payload":"{}"}`},
		{name: "broken payload", msg: `{"event":"notification","payload":"{"}`},
		{name: "not json", msg: `thump`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := decodeNotification([]byte(tc.msg))
			got := ""
			if n != nil {
				got = string(n.ID)
			}
			if got != tc.want {
				t.Errorf("decodeNotification(%s) id = %q, want %q", tc.msg, got, tc.want)
			}
		})
	}
}
