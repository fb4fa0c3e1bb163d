package mastodon

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattn/go-mastodon"
)

// Keep-alive of the stream: the adapter pings every pingEvery and gives the
// connection up when nothing (message, ping or pong) arrives for streamIdle.
const (
	pingEvery  = 30 * time.Second
	streamIdle = 90 * time.Second
)

// streamEvent is one notification read from the stream, or the error that
// ended it.
type streamEvent struct {
	n   *mastodon.Notification
	err error
}

// dial opens the user stream. The WebSocket client is gorilla/websocket
// used directly rather than go-mastodon's WSClient, which dials in the
// background (hiding the moment the stream is live, needed to catch up
// without a gap), redials at once without backoff, loses the status of a
// refused handshake, and puts the token in the URL. Here the token travels
// in the Authorization header (Mastodon) and as the WebSocket subprotocol
// (Mastodon and GoToSocial), never in the URL.
func (p *Platform) dial(ctx context.Context) (*websocket.Conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: p.cfg.HTTPTimeout,
		Subprotocols:     []string{p.cfg.Token},
	}
	h := http.Header{
		"Authorization": {"Bearer " + p.cfg.Token},
		"User-Agent":    {p.client.UserAgent},
	}
	conn, resp, err := d.DialContext(ctx, p.streamURL+"?stream=user", h)
	if err != nil {
		if resp != nil {
			if resp.StatusCode == http.StatusTooManyRequests {
				err = &rateLimitError{After: retryAfter(resp.Header, time.Now())}
			} else {
				err = &statusError{Code: resp.StatusCode}
			}
		}
		return nil, translate(ctx, "open stream", err)
	}
	conn.SetReadLimit(1 << 20)
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(streamIdle))
	})
	conn.SetPingHandler(func(data string) error {
		_ = conn.SetReadDeadline(time.Now().Add(streamIdle))
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(p.cfg.HTTPTimeout))
		if err == websocket.ErrCloseSent {
			return nil
		}
		return err
	})
	return conn, nil
}

// readStream reads conn until it fails, sending notifications and finally
// the error to out; it returns early when done is closed.
func readStream(conn *websocket.Conn, out chan<- streamEvent, done <-chan struct{}) {
	for {
		_ = conn.SetReadDeadline(time.Now().Add(streamIdle))
		_, data, err := conn.ReadMessage()
		var ev streamEvent
		if err != nil {
			ev.err = err
		} else if ev.n = decodeNotification(data); ev.n == nil {
			continue
		}
		select {
		case out <- ev:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// decodeNotification reads a stream message
// {"event":"notification","payload":"<json>"}; it returns nil for other
// events and for payloads it cannot read (the catch-up fetches those).
func decodeNotification(data []byte) *mastodon.Notification {
	var msg struct {
		Event   string          `json:"event"`
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &msg) != nil || msg.Event != "notification" {
		return nil
	}
	payload := []byte(msg.Payload)
	var s string
	if json.Unmarshal(payload, &s) == nil {
		payload = []byte(s)
	}
	var n mastodon.Notification
	if json.Unmarshal(payload, &n) != nil || n.ID == "" {
		return nil
	}
	return &n
}
