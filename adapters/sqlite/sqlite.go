// Package sqlite implements bot.Store on SQLite through modernc.org/sqlite,
// a pure Go driver. The schema is created and upgraded by numbered
// migrations embedded in the binary.
//
// A file database runs in WAL mode with one writer connection and a pool
// of read-only connections; an in-memory database (for tests) has a single
// connection. Deleted rows are overwritten (secure_delete), so that Forget
// leaves no trace of an author in the file.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/inps-social/inpsbot/bot"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a statement waits for a lock held by another
// connection or process before it fails.
const busyTimeout = 10 * time.Second

// Store is a bot.Store on one SQLite database. It is safe for concurrent
// use.
type Store struct {
	w *pool // the single writer connection
	r *pool // read-only connections; the same pool as w in memory

	ck   *sql.DB       // the checkpoint connection (file databases)
	stop chan struct{} // closed by Close to stop the checkpoints
	done chan struct{} // closed when the checkpoints have stopped
}

var _ bot.Store = (*Store)(nil)

// Open opens (creating it if needed) the database at path and brings its
// schema up to date. An empty path or ":memory:" opens a private in-memory
// database. Opening a database written by a newer version of the program
// is an error.
func Open(ctx context.Context, path string) (*Store, error) {
	name := path
	if path == "" || path == ":memory:" {
		name = ":memory:"
	}
	s, err := open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	return s, nil
}

func open(ctx context.Context, name string) (*Store, error) {
	if strings.ContainsRune(name, '?') {
		return nil, errors.New("path must not contain '?'")
	}
	common := "_pragma=busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)"
	if name == ":memory:" {
		db, err := sql.Open("sqlite", name+"?"+common+"&_pragma=secure_delete(1)")
		if err != nil {
			return nil, err
		}
		// Every connection to ":memory:" is a database of its own: keep
		// exactly one, for ever.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		p := newPool(db)
		s := &Store{w: p, r: p}
		if err := s.init(ctx); err != nil {
			return nil, errors.Join(err, db.Close())
		}
		return s, nil
	}

	w, err := sql.Open("sqlite", name+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)"+
		"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	s := &Store{w: newPool(w)}
	if err := s.init(ctx); err != nil {
		return nil, errors.Join(err, w.Close())
	}
	// Readers open after the writer has created the file and switched it
	// to WAL, so that they never race it.
	r, err := sql.Open("sqlite", name+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = newPool(r)
	if err := r.PingContext(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	// Checkpoints copy the log into the database and sync it: done on a
	// connection of their own, they never hold up a commit.
	ck, err := sql.Open("sqlite", name+"?"+common)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	ck.SetMaxOpenConns(1)
	s.ck = ck
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.checkpoints()
	return s, nil
}

// checkpointEvery is how often the write-ahead log is copied into the
// database.
const checkpointEvery = time.Second

// checkpoints runs passive checkpoints until Close: they copy what no
// reader still needs and never block the writer.
func (s *Store) checkpoints() {
	defer close(s.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// A failure here only leaves the log longer until the next
			// tick; Close checkpoints once more.
			_, _ = s.ck.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// init checks that the writer connection works and on a writable database,
// then runs the migrations.
func (s *Store) init(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return err
	}
	if err := s.probeWrite(ctx); err != nil {
		return err
	}
	return s.migrate(ctx, migrationFS)
}

// probeWrite fails when the database cannot be written: SQLite opens a
// file it may not write read-only without saying so, and would fail only
// at the first write.
func (s *Store) probeWrite(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "CREATE TABLE main.write_probe (x)")
	_, rerr := conn.ExecContext(ctx, "ROLLBACK")
	return errors.Join(err, rerr)
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the migrations in fsys, migrations/NNNN_what.sql
// numbered from 1 without gaps.
func migrations(fsys fs.FS) ([]migration, error) {
	files, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, f := range files { // fs.Glob returns names sorted
		base := path.Base(f)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s: want number %d", base, len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	return ms, nil
}

// migrate applies every migration in fsys that the database lacks, each in
// a transaction of its own together with its schema_version row.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := migrations(fsys)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		applied INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	var current int
	if err := s.w.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&current); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("schema version %d is newer than this program knows (%d)", current, len(ms))
	}
	for _, m := range ms[current:] {
		err := s.tx(ctx, func(tx *wtx) error {
			// Another process may have migrated meanwhile.
			var done bool
			if err := tx.QueryRowContext(ctx,
				"SELECT EXISTS (SELECT 1 FROM schema_version WHERE version = ?)", m.version).Scan(&done); err != nil || done {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied) VALUES (?, ?)",
				m.version, unixNano(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Ping checks that the database answers to both readers and the writer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	var one int
	if err := s.w.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database, first letting SQLite refresh the statistics
// of its query planner. The last connection to close checkpoints the WAL
// into the database file.
func (s *Store) Close() error {
	var errs []error
	if s.ck != nil {
		close(s.stop)
		<-s.done
		errs = append(errs, s.ck.Close())
		s.ck = nil
	}
	if s.r != s.w && s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil && !errors.Is(err, sql.ErrConnDone) {
		errs = append(errs, err)
	}
	if _, err := s.w.Exec("PRAGMA optimize"); err != nil && !errors.Is(err, sql.ErrConnDone) {
		errs = append(errs, err)
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// tx runs f in a write transaction, committing when it returns nil and
// rolling back otherwise. The error of that rollback is not reported: f's
// error is the cause, and after some errors (a full disk, an I/O error)
// SQLite has already rolled back, so the rollback could only fail with
// "no transaction is active".
func (s *Store) tx(ctx context.Context, f func(tx *wtx) error) error {
	sqltx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &wtx{Tx: sqltx, p: s.w}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = tx.Commit()
	tx.prepareMissed(ctx)
	return err
}

// unixNano stores a time as Unix nanoseconds, the zero time as 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano reads a time stored by unixNano, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// limitOrAll turns a limit of 0 or less into SQLite's "no limit".
func limitOrAll(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
