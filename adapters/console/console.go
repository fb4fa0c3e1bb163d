// Package console is the embedded default platform: each line read is a
// post from a local citizen, and what the bot does is printed. It needs no
// credentials and no server.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inps-social/inpsbot/bot"
)

// MaxLine is the longest line read as one post; longer lines are cut.
const MaxLine = 1 << 20

// Platform reads posts from in and writes the bot's actions to out.
type Platform struct {
	in     io.Reader
	out    io.Writer
	author string
	run    string
	mu     sync.Mutex
	now    func() time.Time
}

// New returns a console platform. Every line comes from the same local
// author, so a question asked twice is recognised as repeated.
func New(in io.Reader, out io.Writer) *Platform {
	return &Platform{in: in, out: out, author: "console-user",
		run: strconv.FormatInt(time.Now().UnixNano(), 36), now: time.Now}
}

// Name is "console".
func (c *Platform) Name() string { return "console" }

// Account is "local".
func (c *Platform) Account() string { return "local" }

// Idempotent is true: printing again harms nobody.
func (c *Platform) Idempotent() bool { return true }

// Receive hands each non-empty line to h as a post, until the input ends
// (returning nil) or ctx ends.
func (c *Platform) Receive(ctx context.Context, _ string, h bot.Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64<<10), MaxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-errc:
					if err != nil {
						return fmt.Errorf("console: read input: %w", err)
					}
				default:
				}
				return nil
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			n++
			p := bot.Post{Platform: "console", Account: "local", ID: c.run + "-" + strconv.Itoa(n),
				Channel: "console", Author: c.author, Kind: bot.KindDirect, Text: line, Time: c.now()}
			if err := h.Handle(ctx, p); err != nil {
				return fmt.Errorf("console: post %d: %w", n, err)
			}
		}
	}
}

func (c *Platform) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, args...)
}

func (c *Platform) seq(p bot.Post) string {
	_, n, _ := strings.Cut(p.ID, "-")
	return n
}

// Decided prints the verdict on a post: its labels, with the text masked.
func (c *Platform) Decided(p bot.Post, v *bot.Verdict) {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] tema: %s", c.seq(p), v.Intent)
	if len(v.Violations) > 0 {
		fmt.Fprintf(&b, " | violazioni: %s", join(v.Violations))
	}
	if len(v.PII) > 0 {
		fmt.Fprintf(&b, " | dati personali: %s", join(v.PII))
	}
	if len(v.Actions) == 0 {
		b.WriteString(" | nessuna azione")
	} else {
		fmt.Fprintf(&b, " | azioni: %s", join(v.Actions))
	}
	if len(v.PII) > 0 {
		fmt.Fprintf(&b, "\n[%s] testo mascherato: %s", c.seq(p), v.Redacted)
	}
	c.printf("%s\n", b.String())
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// Reply prints the public reply.
func (c *Platform) Reply(_ context.Context, to bot.Post, text, _ string) error {
	c.printf("[%s] risposta: %s\n", c.seq(to), text)
	return nil
}

// Hide prints that the post was removed.
func (c *Platform) Hide(_ context.Context, p bot.Post, _ string) (bot.HideOutcome, error) {
	c.printf("[%s] messaggio nascosto\n", c.seq(p))
	return bot.HideDeleted, nil
}

// Notify prints the notice to the author of a hidden post.
func (c *Platform) Notify(_ context.Context, about bot.Post, text, _ string) error {
	c.printf("[%s] avviso all'autore: %s\n", c.seq(about), text)
	return nil
}

// Tell prints a message for the moderators, with its commands.
func (c *Platform) Tell(_ context.Context, text string, buttons []bot.Button) error {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("[moderatori] " + line + "\n")
	}
	for _, bt := range buttons {
		fmt.Fprintf(&b, "[moderatori]   %s: %s\n", bt.Label, bt.Command)
	}
	c.printf("%s", b.String())
	return nil
}
