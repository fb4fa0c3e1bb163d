package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/inps-social/inpsbot/adapters/admin"
)

func TestModeratorAdd(t *testing.T) {
	var out, errOut bytes.Buffer
	const password = "una password abbastanza lunga"
	if err := cmdModerator([]string{"add", "maria.bianchi"}, strings.NewReader(password+"\n"), &out, &errOut); err != nil {
		t.Fatalf("moderator add: %v (stderr %q)", err, errOut.String())
	}
	var users []admin.ConsoleUser
	if err := yaml.Unmarshal(out.Bytes(), &users); err != nil {
		t.Fatalf("the output is not a YAML list entry: %v\n%s", err, out.String())
	}
	if len(users) != 1 || users[0].Name != "maria.bianchi" {
		t.Fatalf("entry = %+v, want one for maria.bianchi", users)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(users[0].PasswordHash), []byte(password)); err != nil {
		t.Errorf("the hash does not match the password: %v", err)
	}
	if strings.Contains(out.String()+errOut.String(), password) {
		t.Error("the password is printed")
	}
	cfg := admin.ConsoleConfig{Users: users}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the entry does not validate: %v", err)
	}
}

func TestModeratorAddRefuses(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		stdin     string
		wantUsage bool
		wantErr   string
	}{
		{name: "no subcommand", args: nil, wantUsage: true},
		{name: "unknown subcommand", args: []string{"remove", "x"}, wantUsage: true},
		{name: "no name", args: []string{"add"}, wantUsage: true},
		{name: "bad name", args: []string{"add", "maria: x"}, wantUsage: true},
		{name: "short password", args: []string{"add", "maria"}, stdin: "corta\n", wantErr: "at least 12"},
		{name: "no password", args: []string{"add", "maria"}, stdin: "", wantErr: "no password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := cmdModerator(tc.args, strings.NewReader(tc.stdin), &out, &errOut)
			var ue usageError
			switch {
			case err == nil:
				t.Fatal("cmdModerator succeeded, want an error")
			case tc.wantUsage && !errors.As(err, &ue):
				t.Errorf("error %v, want a usage error", err)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %v, want one with %q", err, tc.wantErr)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q on a refusal", out.String())
			}
		})
	}
}
