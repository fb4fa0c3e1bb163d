package telegram

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Receiving modes.
const (
	// ModePolling receives updates by long polling getUpdates (the default).
	ModePolling = "polling"
	// ModeWebhook receives updates on an HTTP endpoint registered with
	// setWebhook; the deployment terminates HTTPS in front of ListenAddr.
	ModeWebhook = "webhook"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultAPIURL      = "https://api.telegram.org"
	DefaultPollTimeout = 30 * time.Second
	DefaultHTTPTimeout = 15 * time.Second
)

var (
	tokenRE  = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)
	secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// Config is one Telegram bot account. Token and WebhookSecret are secrets:
// String prints them masked, and no error or log of this package holds them.
type Config struct {
	Account string // configured name of the account, part of every post key
	Token   string // bot token from BotFather (secret)
	APIURL  string // Bot API server; default https://api.telegram.org
	Mode    string // "polling" (default) or "webhook"

	WebhookURL    string // public HTTPS URL Telegram posts updates to (webhook mode)
	WebhookSecret string // secret every webhook request must carry (webhook mode)
	ListenAddr    string // local address of the webhook server, e.g. ":8443"

	PollTimeout time.Duration // long-polling wait of getUpdates; default 30s
	HTTPTimeout time.Duration // timeout of every other API call; default 15s

	// Log receives the adapter's own events (polling errors, rejected
	// webhook requests), with ids only. The zero value discards them.
	Log zerolog.Logger
}

// withDefaults fills the zero fields that have a default.
func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.Mode == "" {
		c.Mode = ModePolling
	}
	if c.PollTimeout == 0 {
		c.PollTimeout = DefaultPollTimeout
	}
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	return c
}

// Validate checks the configuration, with defaults applied to zero fields,
// and joins one field-named error per problem. Errors never quote secrets.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if strings.TrimSpace(c.Account) == "" {
		errs = append(errs, errors.New("account: required"))
	}
	switch {
	case c.Token == "":
		errs = append(errs, errors.New("token: required"))
	case !tokenRE.MatchString(c.Token):
		errs = append(errs, errors.New("token: not of the form <digits>:<secret>"))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("api_url: %q is not an http(s) URL", c.APIURL))
	}
	switch c.Mode {
	case ModePolling:
	case ModeWebhook:
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, errors.New("webhook_url: an https URL is required in webhook mode"))
		}
		if !secretRE.MatchString(c.WebhookSecret) {
			errs = append(errs, errors.New("webhook_secret: 1-256 characters of A-Z, a-z, 0-9, _ and - required in webhook mode"))
		}
		if c.ListenAddr == "" {
			errs = append(errs, errors.New("listen_addr: required in webhook mode"))
		}
	default:
		errs = append(errs, fmt.Errorf("mode: %q is neither %q nor %q", c.Mode, ModePolling, ModeWebhook))
	}
	if c.PollTimeout < time.Second || c.PollTimeout > 10*time.Minute {
		errs = append(errs, fmt.Errorf("poll_timeout: %s is outside 1s..10m", c.PollTimeout))
	}
	if c.HTTPTimeout < 0 {
		errs = append(errs, fmt.Errorf("http_timeout: %s is negative", c.HTTPTimeout))
	}
	return errors.Join(errs...)
}

// String prints the configuration with its secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("telegram.Config{Account:%q Token:%s APIURL:%q Mode:%q WebhookURL:%q WebhookSecret:%s ListenAddr:%q PollTimeout:%s HTTPTimeout:%s}",
		c.Account, mask(c.Token), c.APIURL, c.Mode, c.WebhookURL, mask(c.WebhookSecret), c.ListenAddr, c.PollTimeout, c.HTTPTimeout)
}

// GoString is String, so that %#v does not print the secrets either.
func (c Config) GoString() string { return c.String() }

func mask(s string) string {
	if s == "" {
		return `""`
	}
	return "***"
}
