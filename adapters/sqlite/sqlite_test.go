package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
)

// t0 is the base time of the tests.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// mustOpen opens a store at path ("" for memory) and closes it with the
// test.
func mustOpen(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%q): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// forEachStore runs f on an in-memory and on a file store.
func forEachStore(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { f(t, mustOpen(t, "")) })
	t.Run("file", func(t *testing.T) { f(t, mustOpen(t, filepath.Join(t.TempDir(), "inps.db"))) })
}

// post builds a post by an author; the text carries personal data that
// must never reach the database.
func post(id, author string) bot.Post {
	return bot.Post{
		Platform: "telegram",
		Account:  "inps",
		ID:       id,
		Channel:  "-100123",
		Author:   author,
		Handle:   "@" + author + "_handle",
		Kind:     bot.KindComment,
		Text:     "SEGRETO mario.rossi@example.com RSSMRA80A01H501U " + id,
		Time:     t0,
		URL:      "https://t.me/c/123/" + id,
		Cursor:   "cursor-" + id,
	}
}

// mustRecord records a post with a verdict and returns whether it was new.
func mustRecord(tb testing.TB, s *Store, r bot.Record) bool {
	tb.Helper()
	fresh, err := s.Record(context.Background(), r)
	if err != nil {
		tb.Fatalf("Record(%s): %v", r.Post.Key(), err)
	}
	return fresh
}

func verdict(viol ...rules.Violation) *bot.Verdict {
	return &bot.Verdict{
		PII:        []pii.Kind{pii.Email},
		Violations: viol,
		Intent:     rules.Naspi,
		Actions:    []bot.ActionKind{bot.ActReply},
		Redacted:   "SEGRETO [email] [codice fiscale]",
		Display:    "SEGRETO mario.rossi@example.com",
		Fingerprint: rules.Fingerprint{
			Shingles: []uint64{1, 2, 3},
			Tokens:   3,
			Exact:    42,
		},
	}
}

func TestOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inps.db")
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var versions, tables int
		if err := s.r.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_version").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(t.Context(),
			"SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'posts'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if versions != len(ms) || tables != 1 {
			t.Errorf("open %d: got %d versions and %d posts tables, want %d and 1", i, versions, tables, len(ms))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrate(t *testing.T) {
	good := "CREATE TABLE one (a);"
	tests := []struct {
		name        string
		files       fstest.MapFS
		wantErr     string
		wantVersion int
		wantTables  []string
	}{
		{
			name: "two",
			files: fstest.MapFS{
				"migrations/0001_one.sql": {Data: []byte(good)},
				"migrations/0002_two.sql": {Data: []byte("CREATE TABLE two (b); CREATE INDEX two_b ON two (b);")},
			},
			wantVersion: 2,
			wantTables:  []string{"one", "two"},
		},
		{
			name: "failing second",
			files: fstest.MapFS{
				"migrations/0001_one.sql": {Data: []byte(good)},
				"migrations/0002_bad.sql": {Data: []byte("CREATE TABLE two (b); INSERT INTO missing VALUES (1);")},
			},
			wantErr:     "migration 0002_bad.sql: ",
			wantVersion: 1,
			wantTables:  []string{"one"},
		},
		{
			name: "gap",
			files: fstest.MapFS{
				"migrations/0001_one.sql":   {Data: []byte(good)},
				"migrations/0003_three.sql": {Data: []byte(good)},
			},
			wantErr: "migration 0003_three.sql: want number 2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite", ":memory:")
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			p := newPool(db)
			s := &Store{w: p, r: p}
			for range 2 { // the second run finds nothing to do, or fails alike
				err := s.migrate(t.Context(), tc.files)
				got := ""
				if err != nil {
					got = err.Error()
				}
				if !strings.HasPrefix(got, tc.wantErr) || (got == "") != (tc.wantErr == "") {
					t.Fatalf("migrate: got %v, want error %q", err, tc.wantErr)
				}
			}
			var version int
			if tc.wantVersion > 0 { // else the table may not exist
				err := db.QueryRowContext(t.Context(), "SELECT MAX(version) FROM schema_version").Scan(&version)
				if err != nil {
					t.Fatal(err)
				}
			}
			if version != tc.wantVersion {
				t.Errorf("schema version: got %d, want %d", version, tc.wantVersion)
			}
			var tables []string
			rows, err := db.QueryContext(t.Context(),
				"SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'schema_version' ORDER BY name")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				tables = append(tables, name)
			}
			if diff := cmp.Diff(tc.wantTables, tables); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inps.db")
	s := mustOpen(t, path)
	_, err := s.w.ExecContext(t.Context(), "INSERT INTO schema_version (version, applied) VALUES (999, 0)")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), path)
	t.Logf("Open on a newer schema: %v", err)
	if err == nil || !strings.Contains(err.Error(), "schema version 999 is newer") {
		t.Errorf("Open on a newer schema: got %v, want a schema version error", err)
	}
}

func TestOpenCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inps.db")
	garbage := []byte(strings.Repeat("this is not a database, only garbage. ", 200))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	t.Logf("Open on garbage: %v", err)
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: open ") || !strings.Contains(err.Error(), "not a database") {
		t.Errorf("Open on garbage: got %v, want sqlite: open ...: file is not a database", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.db")
	s, err := Open(t.Context(), file)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	roDir := filepath.Join(dir, "ro")
	if err := os.Mkdir(roDir, 0o500); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(roDir, 0o700) })
	// Root writes anyway: find out by trying.
	if f, err := os.OpenFile(file, os.O_WRONLY, 0); err == nil {
		f.Close()
		t.Skip("permissions are not enforced for this user")
	}

	tests := []struct {
		name string
		path string
	}{
		{name: "read-only file", path: file},
		{name: "read-only directory", path: filepath.Join(roDir, "inps.db")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s): got no error, want one", tc.path)
			}
			t.Logf("Open(%s): %v", tc.path, err)
			if !strings.HasPrefix(err.Error(), "sqlite: open "+tc.path+": ") {
				t.Errorf("Open(%s): got %q, want it to name the operation and path", tc.path, err)
			}
		})
	}
}

func TestOpenBadPath(t *testing.T) {
	_, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing", "dir", "inps.db"))
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: open ") {
		t.Errorf("Open in a missing directory: got %v, want a sqlite: open error", err)
	}
}

// TestFull fills the database up to a page limit, as a full disk would,
// and expects a clear error, then a working store once there is room.
func TestFull(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "inps.db"))
	ctx := t.Context()
	var pages int
	if err := s.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; err == nil && i < 1000; i++ {
		_, err = s.Record(ctx, bot.Record{Post: post(fmt.Sprint(i), "alice"), AuthorFP: "fp", Verdict: verdict(), At: t0})
	}
	t.Logf("Record on a full database: %v", err)
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: record post telegram/inps/") ||
		!strings.Contains(err.Error(), "full") {
		t.Fatalf("Record on a full database: got %v, want a sqlite: record post ...: database or disk is full error", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, "telegram/inps", "next"); err != nil {
		t.Errorf("SetCursor once there is room: %v", err)
	}
}

func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inps.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := post("1", "alice")
	mustRecord(t, s, bot.Record{
		Post: p, AuthorFP: "fp-alice", Verdict: verdict(rules.Hate), At: t0,
		Actions: []bot.Action{{Kind: bot.OutReply, Text: "Vedi il sito", NextTry: t0}},
	})
	if err := s.SetSwitch(t.Context(), "telegram/mode", "dry-run"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, path)
	ctx := t.Context()
	seen, err := s.Seen(ctx, p.Key())
	if err != nil || !seen {
		t.Errorf("Seen after restart: got %v, %v, want true", seen, err)
	}
	c, err := s.Cursor(ctx, p.Source())
	if err != nil || c != p.Cursor {
		t.Errorf("Cursor after restart: got %q, %v, want %q", c, err, p.Cursor)
	}
	due, err := s.Due(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].Text != "Vedi il sito" {
		t.Errorf("Due after restart: got %+v, %v, want the reply", due, err)
	}
	sw, err := s.Switches(ctx)
	if diff := cmp.Diff(map[string]string{"telegram/mode": "dry-run"}, sw); err != nil || diff != "" {
		t.Errorf("Switches after restart (-want +got): %s %v", diff, err)
	}
	if fresh := mustRecord(t, s, bot.Record{Post: p, AuthorFP: "fp-alice", At: t0}); fresh {
		t.Error("Record of a recorded post after restart: got true, want false")
	}
}

func TestPing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

func TestClosedStore(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "inps.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = s.Record(t.Context(), bot.Record{Post: post("1", "alice"), At: t0})
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: record post telegram/inps/1: ") {
		t.Errorf("Record on a closed store: got %v, want a sqlite: record post error", err)
	}
}

func TestCancelledContext(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Record(ctx, bot.Record{Post: post("1", "alice"), At: t0}); !errors.Is(err, context.Canceled) {
			t.Errorf("Record with a cancelled context: got %v, want context.Canceled", err)
		}
		// The store still works afterwards.
		if fresh := mustRecord(t, s, bot.Record{Post: post("1", "alice"), At: t0}); !fresh {
			t.Error("Record after a cancelled one: got false, want true")
		}
	})
}

// TestConcurrent drives every kind of call from many goroutines at once;
// run it with -race.
func TestConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := t.Context()
		const workers, posts = 6, 12
		var wg sync.WaitGroup
		errs := make(chan error, workers*posts*4)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range posts {
					p := post(fmt.Sprintf("%d-%d", w, i), fmt.Sprintf("author%d", w))
					r := bot.Record{
						Post: p, AuthorFP: fmt.Sprintf("fp%d", w), Verdict: verdict(rules.Insult), At: t0,
						Actions: []bot.Action{{Kind: bot.OutReply, Text: "ok", NextTry: t0}},
					}
					if _, err := s.Record(ctx, r); err != nil {
						errs <- err
					}
					// The same post twice, as a redelivery would.
					if _, err := s.Record(ctx, r); err != nil {
						errs <- err
					}
					if _, err := s.Strikes(ctx, "telegram", r.AuthorFP, t0); err != nil {
						errs <- err
					}
					if _, err := s.AuditTrail(ctx, bot.AuditFilter{Label: "insult", Limit: 5}); err != nil {
						errs <- err
					}
				}
			}()
		}
		// Senders compete for the due actions: each must be begun once.
		var begun sync.Map
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					due, err := s.Due(ctx, t0, 10)
					if err != nil {
						errs <- err
						return
					}
					for _, a := range due {
						ok, err := s.Begin(ctx, a.ID, t0)
						if err != nil {
							errs <- err
							continue
						}
						if !ok {
							continue
						}
						if _, dup := begun.LoadOrStore(a.ID, true); dup {
							errs <- fmt.Errorf("action %d begun twice", a.ID)
						}
						if err := s.Settle(ctx, a.ID, bot.StateSent, "", time.Time{}); err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		trail, err := s.AuditTrail(ctx, bot.AuditFilter{Event: "decision", Limit: MaxAuditLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(trail) != workers*posts {
			t.Errorf("decision rows: got %d, want %d", len(trail), workers*posts)
		}
		sent, err := s.Actions(ctx, bot.StateSent, 0)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := s.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent)+pending != workers*posts {
			t.Errorf("actions: got %d sent and %d pending, want %d in all", len(sent), pending, workers*posts)
		}
	})
}
