package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

// Name is the platform name of every post and of the Platform.
const Name = "mastodon"

// defaultMaxChars is Mastodon's default status length limit.
const defaultMaxChars = 500

// Platform is one Mastodon account implementing bot.Platform. It is safe
// for concurrent use; Receive is meant to run once at a time.
type Platform struct {
	cfg       Config
	client    *mastodon.Client
	self      mastodon.ID // the account's own id
	streamURL string      // ws(s) URL of /api/v1/streaming
	maxChars  int         // the server's status length limit

	// backoff is the first reconnection delay and maxBackoff its cap.
	backoff, maxBackoff time.Duration
}

var _ bot.Platform = (*Platform)(nil)

// New validates cfg, fills its defaults and verifies the credentials with
// GET /api/v1/accounts/verify_credentials, so that a bad token or an
// unreachable server fails at start with an error naming the account. It
// also reads /api/v1/instance for the streaming URL and the status length
// limit, falling back to the server URL and 500 characters.
func New(ctx context.Context, cfg Config) (*Platform, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mastodon: account %s: config: %w", cfg.Account, err)
	}
	cfg = cfg.withDefaults()
	base := http.DefaultTransport.(*http.Transport).Clone()
	client := mastodon.NewClient(&mastodon.Config{Server: cfg.Server, AccessToken: cfg.Token})
	client.Client = http.Client{Transport: &transport{base: base, now: time.Now}}
	client.UserAgent = "inpsbot"
	p := &Platform{
		cfg:        cfg,
		client:     client,
		maxChars:   defaultMaxChars,
		backoff:    min(time.Second, cfg.PollInterval),
		maxBackoff: max(cfg.PollInterval, 5*time.Minute),
	}

	var me *mastodon.Account
	err := p.call(ctx, "account "+cfg.Account+": verify credentials", "", func(ctx context.Context) (err error) {
		me, err = client.GetAccountCurrentUser(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	p.self = me.ID

	p.streamURL = wsURL(cfg.Server)
	var inst *mastodon.Instance
	err = p.call(ctx, "read instance", "", func(ctx context.Context) (err error) {
		inst, err = client.GetInstance(ctx)
		return err
	})
	if err == nil {
		if s := inst.URLs["streaming_api"]; s != "" {
			p.streamURL = wsURL(s)
		}
		if c := inst.Configuration; c != nil && c.Statuses != nil {
			if n, ok := (*c.Statuses)["max_characters"].(float64); ok && n > 0 {
				p.maxChars = int(n)
			}
		}
	}
	return p, nil
}

// Name returns "mastodon".
func (p *Platform) Name() string { return Name }

// Account returns the configured name of the account.
func (p *Platform) Account() string { return p.cfg.Account }

// Idempotent returns true: statuses are posted with an Idempotency-Key.
func (p *Platform) Idempotent() bool { return true }

// source is the name of the stream of posts of this account.
func (p *Platform) source() string { return Name + "/" + p.cfg.Account }

// call runs f with the per-call deadline and, when key is set, an
// Idempotency-Key, and translates its error.
func (p *Platform) call(ctx context.Context, op, key string, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(withIdempotencyKey(ctx, key), p.cfg.HTTPTimeout)
	defer cancel()
	if err := f(cctx); err != nil {
		return translate(ctx, op, err)
	}
	return nil
}

// do is a request go-mastodon has no method for (notification filters,
// report categories, interaction requests). query goes in the URL, form in
// the body; a 2xx body is decoded into out when out is not nil.
func (p *Platform) do(ctx context.Context, method, path string, query, form url.Values, out any) error {
	u := p.cfg.Server + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	req.Header.Set("User-Agent", p.client.UserAgent)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		return &statusError{Code: resp.StatusCode, Message: truncate(e.Error, 200)}
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// wsURL turns an http(s) URL into the ws(s) URL of the streaming endpoint.
func wsURL(server string) string {
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil {
		return server
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	if !strings.HasSuffix(u.Path, "/api/v1/streaming") {
		u.Path += "/api/v1/streaming"
	}
	return u.String()
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
