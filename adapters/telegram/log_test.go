package telegram_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/adapters/telegram/telegramtest"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsHoldNoTokenNorText(t *testing.T) {
	var buf syncBuffer
	s := telegramtest.NewServer(t, token)
	p := mustPlatform(t, s, func(c *telegram.Config) { c.Log = zerolog.New(&buf).Level(zerolog.DebugLevel) })
	s.Fail("getUpdates", 2, telegramtest.InternalError())
	s.Fail("getUpdates", 1, telegramtest.TooManyRequests(1))
	s.AddMessage(group, 42, "il mio IBAN è IT60X0542811101000000123456")
	h := &recorder{fail: 2}
	stop := receive(t, p, "", h)
	waitFor(t, "cursor 1002", func() bool { _, _, c := h.snapshot(); return c == "1002" })
	if err := stop(); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "get updates") || !strings.Contains(logs, "handle update") {
		t.Fatalf("logs lack the failures they should report:\n%s", logs)
	}
	for _, secret := range []string{tokenPart, "IT60X", "IBAN"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold %q:\n%s", secret, logs)
		}
	}
}
