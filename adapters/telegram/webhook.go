package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	tgmodels "github.com/go-telegram/bot/models"

	"github.com/inps-social/inpsbot/bot"
)

// SecretHeader is the header carrying the webhook secret on every request
// Telegram sends.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxUpdate bounds the body of one webhook request.
const maxUpdate = 1 << 20

// shutdownGrace bounds the wait for a webhook request under way at exit.
const shutdownGrace = 10 * time.Second

// Webhook returns the http.Handler that receives updates in webhook mode,
// for a caller that serves it itself (Receive serves it on ListenAddr).
// cursor is the saved position, as for Receive. A request without the
// configured secret gets 401. Each update is handed to h before the answer:
// 200 once recorded (or when recorded before), 500 if h failed, so that
// Telegram sends it again. Updates are handled one at a time, in the order
// they arrive.
func (p *Platform) Webhook(cursor string, h bot.Handler) (http.Handler, error) {
	next, err := parseCursor(cursor)
	if err != nil {
		return nil, err
	}
	return &webhook{p: p, h: h, next: next}, nil
}

type webhook struct {
	p *Platform
	h bot.Handler

	mu   sync.Mutex
	next int64
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get(SecretHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(w.p.cfg.WebhookSecret)) != 1 {
		w.p.log.Warn().Str("remote", r.RemoteAddr).Msg("webhook request without the right secret")
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxUpdate))
	if err != nil {
		http.Error(rw, "unreadable body", http.StatusBadRequest)
		return
	}
	var u tgmodels.Update
	if err := json.Unmarshal(body, &u); err != nil {
		var id struct {
			ID int64 `json:"update_id"`
		}
		if json.Unmarshal(body, &id) != nil || id.ID == 0 {
			http.Error(rw, "not an update", http.StatusBadRequest)
			return
		}
		w.p.log.Warn().Int64("update_id", id.ID).Msg("undecodable update skipped")
		u = tgmodels.Update{ID: id.ID}
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	if u.ID < w.next {
		rw.WriteHeader(http.StatusOK) // recorded before; Telegram resent it
		return
	}
	if err := w.p.deliver(r.Context(), &u, w.h); err != nil {
		w.p.log.Warn().Err(err).Int64("update_id", u.ID).Msg("handle update")
		http.Error(rw, "not recorded", http.StatusInternalServerError)
		return
	}
	w.next = u.ID + 1
	rw.WriteHeader(http.StatusOK)
}

// serveWebhook listens on ListenAddr, registers the webhook and serves it
// until ctx ends. The webhook stays registered at exit: Telegram keeps the
// updates until the next start.
func (p *Platform) serveWebhook(ctx context.Context, next int64, h bot.Handler) error {
	u, err := url.Parse(p.cfg.WebhookURL)
	if err != nil {
		return fmt.Errorf("telegram: webhook url: %w", err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.Handle(path, &webhook{p: p, h: h, next: next})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", p.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("telegram: webhook listen on %s: %w", p.cfg.ListenAddr, err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	stop := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		err := srv.Shutdown(sctx)
		if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		if err != nil {
			return fmt.Errorf("telegram: webhook shutdown: %w", err)
		}
		return nil
	}

	if err := p.setWebhook(ctx); err != nil {
		serr := stop()
		if ctx.Err() != nil {
			return serr
		}
		return errors.Join(err, serr)
	}
	p.log.Info().Str("listen", ln.Addr().String()).Msg("receiving by webhook")

	select {
	case <-ctx.Done():
		return stop()
	case err := <-served:
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
}

// setWebhook registers the webhook, trying again after transient failures.
func (p *Platform) setWebhook(ctx context.Context) error {
	var pause time.Duration
	for {
		_, err := p.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL:            p.cfg.WebhookURL,
			SecretToken:    p.cfg.WebhookSecret,
			AllowedUpdates: allowedUpdates,
			MaxConnections: 1, // one at a time keeps the order
		})
		if err == nil {
			return nil
		}
		err = p.translate("set webhook", err, nil)
		if _, ok := bot.Retryable(err); !ok || ctx.Err() != nil {
			return err
		}
		pause = p.backoff(pause, err)
		p.log.Warn().Err(err).Dur("retry_after", pause).Msg("set webhook")
		if !sleep(ctx, pause) {
			return ctx.Err()
		}
	}
}
