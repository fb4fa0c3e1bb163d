// Command inpsbot moderates and answers the posts that citizens write to
// INPS's social accounts on Telegram and Mastodon.
//
//	inpsbot run       serve every configured platform (the console when none is)
//	inpsbot classify  JSONL posts on stdin, one verdict per line on stdout
//	inpsbot check     one text, a human-readable verdict
//	inpsbot eval      measure the classifier on a labelled corpus
//	inpsbot forget    erase every stored reference to an author
//	inpsbot moderator add a web console account
//	inpsbot sample    write synthetic posts for benchmarks
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // the scheduler's zone (Europe/Rome) on images without zoneinfo
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "inpsbot:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "inpsbot:", err)
		os.Exit(1)
	}
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: inpsbot <command> [flags]

commands:
  run       serve every configured platform; with none configured, the console:
            each line on standard input is a post, the bot prints what it does
  classify  read JSONL posts on stdin, write one verdict per line on stdout
  check     print a human-readable verdict on one text: inpsbot check "testo"
  eval      measure the classifier on a labelled corpus: inpsbot eval FILE.jsonl
  forget    erase an author's data: inpsbot forget --platform P --author A
  moderator add a moderator of the web console: inpsbot moderator add NAME
            (reads the password on stdin, prints the entry for the configuration)
  sample    write synthetic posts in the classify format, for benchmarks
  version   print the version

Every command takes --config FILE (or INPSBOT_CONFIG); run "inpsbot <command> -h"
for its flags.`

// run is the whole program, testable: it never exits and reads the
// environment only through getenv.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stdin, stdout, stderr, getenv)
	case "classify":
		return cmdClassify(rest, stdin, stdout, stderr, getenv)
	case "check":
		return cmdCheck(rest, stdin, stdout, stderr, getenv)
	case "eval":
		return cmdEval(rest, stdout, stderr, getenv)
	case "forget":
		return cmdForget(ctx, rest, stdout, stderr, getenv)
	case "moderator":
		return cmdModerator(rest, stdin, stdout, stderr)
	case "sample":
		return cmdSample(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "inpsbot", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
