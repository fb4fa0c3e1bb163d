package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
)

// copyRules writes the embedded rules to dir/rules, for a test to edit.
func copyRules(t *testing.T, dir string) {
	t.Helper()
	err := fs.WalkDir(configs.FS, "rules", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := configs.FS.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReloadRules: a keyword added to a rules file changes the verdict
// after a reload; a broken file is refused with its file and line, and the
// last good rules stay in force.
func TestReloadRules(t *testing.T) {
	dir := t.TempDir()
	copyRules(t, dir)
	cfg, err := loadConfig("", env(map[string]string{"INPSBOT_RULES_DIR": dir, "INPSBOT_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newResponder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := bot.NewEngine(bot.EngineConfig{AuthorKey: []byte("0123456789abcdef")}, st, resp, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	const post = "Siete dei gran zanzaroni, rispondete!"
	profane := func() bool {
		v := eng.Responder().Decide(bot.Post{Platform: "telegram", Text: post}, nil)
		return slices.Contains(v.Violations, rules.Profanity)
	}
	if profane() {
		t.Fatal("the new word is profanity before it is added")
	}

	lexicon := filepath.Join(dir, "rules", "profanity.yaml")
	b, err := os.ReadFile(lexicon)
	if err != nil {
		t.Fatal(err)
	}
	added := strings.Replace(string(b), "    - bullshit\n", "    - bullshit\n    - zanzaron(e|i)\n", 1)
	if added == string(b) {
		t.Fatal("the lexicon changed shape: cannot add the word")
	}
	if err := os.WriteFile(lexicon, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := reload(cfg, eng); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !profane() {
		t.Error("the word added to profanity.yaml does not change the verdict after a reload")
	}

	if err := os.WriteFile(lexicon, []byte(added+"  - [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = reload(cfg, eng)
	if err == nil || !strings.Contains(err.Error(), "profanity.yaml") || !strings.Contains(err.Error(), "line") {
		t.Errorf("reload of a broken file: %v, want an error naming the file and line", err)
	}
	if !profane() {
		t.Error("the last good rules are no longer in force after a failed reload")
	}
}
