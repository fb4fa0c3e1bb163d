package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/inps-social/inpsbot/adapters/admin"
)

const moderatorUsage = `usage: inpsbot moderator add NAME

Reads the moderator's password from standard input (asked twice, without
echo, on a terminal; one line from a pipe), at least %d characters, and
prints the entry to paste under admin.console.users in the configuration.`

// cmdModerator manages the web console's moderators: "add NAME" prints
// the configuration entry of a new moderator, with the bcrypt hash of a
// password read from stdin. Nothing is stored: the entry goes in the
// configuration file.
func cmdModerator(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, moderatorUsage+"\n", admin.MinPasswordLen)
		if len(args) == 0 {
			return usageError{"moderator: no subcommand given (want add)"}
		}
		return nil
	}
	if args[0] != "add" {
		return usageError{fmt.Sprintf("moderator: unknown subcommand %q (want add)", args[0])}
	}
	if len(args) != 2 {
		return usageError{"moderator add: exactly one NAME is required"}
	}
	name := args[1]
	if err := admin.ValidModeratorName(name); err != nil {
		return usageError{"moderator add: " + err.Error()}
	}
	if strings.ContainsAny(name, "\"'#:{}[]&*!|>%@`\\") || strings.HasPrefix(name, "-") {
		return usageError{"moderator add: name: use letters, digits, spaces, dots, dashes and underscores"}
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(password); n < admin.MinPasswordLen {
		return fmt.Errorf("moderator add: the password has %d characters; at least %d are required", n, admin.MinPasswordLen)
	}
	if len(password) > 72 {
		return errors.New("moderator add: the password is longer than 72 bytes, the most bcrypt reads")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("moderator add: hash: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "- name: %s\n  password_hash: %s\n", name, hash)
	return err
}

// readPassword reads the password: twice without echo from a terminal,
// else one line.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		fmt.Fprintf(stderr, "Password (at least %d characters): ", admin.MinPasswordLen)
		first, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("moderator add: read password: %w", err)
		}
		fmt.Fprint(stderr, "Password again: ")
		second, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("moderator add: read password: %w", err)
		}
		if string(first) != string(second) {
			return "", errors.New("moderator add: the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("moderator add: read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("moderator add: no password on standard input")
	}
	return line, nil
}
