package mastodon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/mattn/go-mastodon"

	"github.com/inps-social/inpsbot/bot"
)

var _ bot.Messenger = (*Platform)(nil)

// addressPattern is an account to send to: "@user" on this server or
// "@user@server".
var addressPattern = regexp.MustCompile(`^@[\p{L}\p{N}_]+(?:@[\p{L}\p{N}_.\-]+[\p{L}\p{N}_])?$`)

// Send posts text as a direct status to the account to ("@user" or
// "@user@server", a moderator), which only that account sees. The status
// starts with the mention of to (not repeated when text starts with it)
// and mentions nobody else. Mastodon has no buttons: each one becomes a
// line "Label: Command" after the text, for the moderator to copy the
// command. A status over the server's length limit is refused with
// bot.ErrBadRequest. The Idempotency-Key is a hash of the recipient and
// the status, so a retried send is published once (servers remember keys
// for about an hour, which also merges the same message sent twice
// within it).
func (p *Platform) Send(ctx context.Context, to, text string, buttons []bot.Button) error {
	const op = "send direct status"
	to = strings.TrimSpace(to)
	if !addressPattern.MatchString(to) {
		return fmt.Errorf("mastodon: %s: recipient is not @user or @user@server: %w", op, bot.ErrBadRequest)
	}
	body := strings.TrimSpace(text)
	if lines := buttonLines(buttons); lines != "" {
		body += "\n\n" + lines
	}
	if strings.TrimSpace(strings.TrimPrefix(body, to)) == "" {
		return fmt.Errorf("mastodon: %s: empty text: %w", op, bot.ErrBadRequest)
	}
	status, err := p.compose(op, to, body)
	if err != nil {
		return err
	}
	key := sendKey(to, status)
	toot := &mastodon.Toot{Status: status, Visibility: visDirect}
	return p.call(ctx, op, key, func(ctx context.Context) error {
		_, err := p.client.PostStatus(ctx, toot)
		return err
	})
}

// buttonLines renders buttons one a line as "Label: Command", or the
// command alone when it has no label.
func buttonLines(buttons []bot.Button) string {
	var lines []string
	for _, b := range buttons {
		label, command := strings.TrimSpace(b.Label), strings.TrimSpace(b.Command)
		switch {
		case command == "":
			continue
		case label == "":
			lines = append(lines, command)
		default:
			lines = append(lines, label+": "+command)
		}
	}
	return strings.Join(lines, "\n")
}

// sendKey is the Idempotency-Key of a Send: the same recipient and status
// give the same key.
func sendKey(to, status string) string {
	h := sha256.Sum256([]byte(strings.ToLower(to) + "\x00" + status))
	return "send-" + hex.EncodeToString(h[:16])
}
