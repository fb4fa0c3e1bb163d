package mastodon

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultPollInterval  = 30 * time.Second
	DefaultHTTPTimeout   = 15 * time.Second
	DefaultReportComment = "This post contains personal data (GDPR); its author has been asked to remove it."
)

// maxReportComment is Mastodon's limit on the comment of a report.
const maxReportComment = 1000

// Config is one Mastodon account.
type Config struct {
	// Account is the configured name of the account; it names the source
	// ("mastodon/<Account>") and every post received.
	Account string
	// Server is the base URL of the instance, e.g. https://mastodon.example.
	Server string
	// Token is the access token (scopes read:notifications,
	// read:statuses, read:accounts, write:statuses, write:reports). It is a
	// secret: it never appears in errors or logs.
	Token string
	// Streaming selects the WebSocket stream (with catch-up on a timer);
	// false polls the notifications only, for servers without streaming.
	Streaming bool
	// PollInterval is the period of the catch-up (default 30s).
	PollInterval time.Duration
	// HTTPTimeout bounds every request and the WebSocket handshake
	// (default 15s).
	HTTPTimeout time.Duration
	// ReportCategory is the category of reports: "", "spam", "legal" or
	// "other" ("" lets the server choose, which is "other"; "legal" needs
	// Mastodon 4.2 or later). "violation" needs rule ids and is refused.
	ReportCategory string
	// ReportComment is the comment of reports, read by the server's
	// moderators; at most 1000 characters (default DefaultReportComment).
	ReportComment string
	// ReportForward asks the server to forward reports about remote
	// statuses to the author's server.
	ReportForward bool
	// RejectReplies rejects pending replies to the account's statuses
	// where the server supports interaction requests (GoToSocial).
	RejectReplies bool
}

// String prints the configuration without the token.
func (c Config) String() string {
	return fmt.Sprintf("mastodon account %s on %s (streaming %t)", c.Account, c.Server, c.Streaming)
}

// GoString prints the configuration without the token, for %#v.
func (c Config) GoString() string { return c.String() }

// Validate checks every field and joins one error per bad field.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.Account == "":
		errs = append(errs, errors.New("account: required"))
	case strings.ContainsAny(c.Account, "/ \t\n"):
		errs = append(errs, errors.New("account: must not hold slashes or spaces"))
	}
	if c.Server == "" {
		errs = append(errs, errors.New("server: required"))
	} else if u, err := url.Parse(c.Server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		errs = append(errs, errors.New("server: must be an http or https URL without query or credentials"))
	}
	switch {
	case c.Token == "":
		errs = append(errs, errors.New("token: required"))
	case strings.ContainsAny(c.Token, " \t\r\n,"):
		errs = append(errs, errors.New("token: must not hold spaces or commas"))
	}
	if c.PollInterval < 0 {
		errs = append(errs, errors.New("poll interval: must not be negative"))
	}
	if c.HTTPTimeout < 0 {
		errs = append(errs, errors.New("http timeout: must not be negative"))
	}
	switch c.ReportCategory {
	case "", "spam", "legal", "other":
	case "violation":
		errs = append(errs, errors.New("report category: violation needs server rule ids; use legal or other"))
	default:
		errs = append(errs, fmt.Errorf("report category: %q is not one of spam, legal, other", c.ReportCategory))
	}
	if n := utf8.RuneCountInString(c.ReportComment); n > maxReportComment {
		errs = append(errs, fmt.Errorf("report comment: %d characters, at most %d", n, maxReportComment))
	}
	return errors.Join(errs...)
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.ReportComment == "" {
		c.ReportComment = DefaultReportComment
	}
	c.Server = strings.TrimRight(c.Server, "/")
	return c
}
