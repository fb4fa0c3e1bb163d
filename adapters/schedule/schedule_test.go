package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/inps-social/inpsbot/adapters/schedule"
)

// logBuffer is a bytes.Buffer safe for the scheduler's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type run struct {
	job string
	err error
}

// recorder is an Observer that keeps every run.
type recorder struct {
	mu   sync.Mutex
	runs []run
	seen chan struct{}
}

func newRecorder() *recorder { return &recorder{seen: make(chan struct{}, 100)} }

func (r *recorder) JobRun(job string, _ time.Duration, err error) {
	r.mu.Lock()
	r.runs = append(r.runs, run{job: job, err: err})
	r.mu.Unlock()
	select {
	case r.seen <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]run(nil), r.runs...)
}

// wait blocks until the observer is told of a run, or fails the test.
func (r *recorder) wait(t *testing.T) run {
	t.Helper()
	select {
	case <-r.seen:
	case <-time.After(5 * time.Second):
		t.Fatal("no job run reported within 5s")
	}
	runs := r.all()
	return runs[len(runs)-1]
}

func newScheduler(t *testing.T, obs schedule.Observer) (*schedule.Scheduler, *logBuffer) {
	t.Helper()
	var buf logBuffer
	s, err := schedule.New(schedule.Config{}, zerolog.New(&buf), obs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, &buf
}

// start runs s in the background; the returned function stops it and
// waits for Run to return.
func start(t *testing.T, s *schedule.Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5s of the end of its context")
		}
	}
}

func TestNewTimeZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		zone    string
		wantErr bool
	}{
		{name: "default", zone: ""},
		{name: "named", zone: "UTC"},
		{name: "unknown", zone: "Mars/Olympus_Mons", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schedule.New(schedule.Config{TimeZone: tc.zone}, zerolog.Nop(), nil)
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("New(TimeZone: %q) error = %v, want error %t", tc.zone, err, tc.wantErr)
			}
		})
	}
}

func TestAddRejects(t *testing.T) {
	t.Parallel()
	nop := func(context.Context) error { return nil }
	tests := []struct {
		name    string
		job     string
		spec    string
		wantIn  []string // substrings of the error
		prepare func(s *schedule.Scheduler)
	}{
		{name: "garbage spec", job: "purge", spec: "every night", wantIn: []string{"purge", `"every night"`}},
		{name: "minute out of range", job: "sweep", spec: "61 * * * *", wantIn: []string{"sweep", `"61 * * * *"`}},
		{name: "bad every", job: "report", spec: "@every soon", wantIn: []string{"report", `"@every soon"`}},
		{name: "empty spec", job: "sweep", spec: "", wantIn: []string{"sweep"}},
		{name: "no name", job: "", spec: "@daily", wantIn: []string{"name"}},
		{
			name: "duplicate name", job: "purge", spec: "@daily", wantIn: []string{"purge", "exists"},
			prepare: func(s *schedule.Scheduler) {
				if err := s.Add("purge", "@hourly", nop); err != nil {
					t.Fatalf("Add: %v", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newScheduler(t, nil)
			if tc.prepare != nil {
				tc.prepare(s)
			}
			err := s.Add(tc.job, tc.spec, nop)
			if err == nil {
				t.Fatalf("Add(%q, %q) = nil, want an error", tc.job, tc.spec)
			}
			for _, w := range tc.wantIn {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Add(%q, %q) = %q, want it to contain %q", tc.job, tc.spec, err, w)
				}
			}
		})
	}
}

func TestAddAcceptsSpecs(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"30 3 * * *", "*/5 * * * * *", "@daily", "@every 90s", "CRON_TZ=UTC 0 9 * * 1-5"} {
		s, _ := newScheduler(t, nil)
		if err := s.Add("job", spec, func(context.Context) error { return nil }); err != nil {
			t.Errorf("Add(%q) = %v, want nil", spec, err)
		}
	}
}

func TestRunsJobAndReports(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	s, logs := newScheduler(t, rec)
	fail := errors.New("store unreachable")
	if err := s.Add("sweep", "@every 1s", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if err := s.Add("purge", "@every 1s", func(context.Context) error { return fail }); err != nil {
		t.Fatalf("Add: %v", err)
	}
	stop := start(t, s)
	rec.wait(t)
	rec.wait(t)
	stop()

	got := map[string]error{}
	for _, r := range rec.all() {
		got[r.job] = r.err
	}
	if err, ok := got["sweep"]; !ok || err != nil {
		t.Errorf("sweep reported (%v, ran %t), want (nil, ran true)", err, ok)
	}
	if err, ok := got["purge"]; !ok || !errors.Is(err, fail) {
		t.Errorf("purge reported (%v, ran %t), want (%v, ran true)", err, ok, fail)
	}
	for _, want := range []string{`"component":"schedule"`, `"job":"sweep"`, `"outcome":"ok"`, `"outcome":"error"`, `"duration_ms"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestSkipsOverlappingRuns(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	s, logs := newScheduler(t, rec)
	var (
		mu     sync.Mutex
		starts int
	)
	release := make(chan struct{})
	err := s.Add("report", "* * * * * *", func(ctx context.Context) error {
		mu.Lock()
		starts++
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	stop := start(t, s)
	defer stop()

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `"outcome":"skipped"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no skipped run logged within 5s:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	got := starts
	mu.Unlock()
	if got != 1 {
		t.Errorf("job started %d times while its first run was going, want 1", got)
	}
	if !strings.Contains(logs.String(), `"job":"report"`) {
		t.Errorf("skip not logged with the job's name:\n%s", logs)
	}
	close(release)
	if r := rec.wait(t); r.err != nil {
		t.Errorf("released run reported %v, want nil", r.err)
	}
}

func TestRecoversPanic(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	s, logs := newScheduler(t, rec)
	if err := s.Add("purge", "@every 1s", func(context.Context) error { panic("index out of range") }); err != nil {
		t.Fatalf("Add: %v", err)
	}
	stop := start(t, s)
	r := rec.wait(t)
	stop()
	if r.job != "purge" || !errors.Is(r.err, schedule.ErrPanic) {
		t.Errorf("observer told (%q, %v), want (purge, an error wrapping ErrPanic)", r.job, r.err)
	}
	if !strings.Contains(logs.String(), `"outcome":"panic"`) {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

func TestRunWaitsForRunningJob(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	s, _ := newScheduler(t, rec)
	started := make(chan struct{})
	var (
		once      sync.Once
		mu        sync.Mutex
		finished  bool
		cancelled bool
	)
	err := s.Add("sweep", "@every 1s", func(ctx context.Context) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		time.Sleep(200 * time.Millisecond) // settle what is held
		mu.Lock()
		finished, cancelled = true, ctx.Err() != nil
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not start within 5s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !finished || !cancelled {
		t.Errorf("when Run returned: job finished %t, saw its context cancelled %t; want both true", finished, cancelled)
	}
}

func TestRunTwiceAndAddWhileRunning(t *testing.T) {
	t.Parallel()
	s, _ := newScheduler(t, nil)
	stop := start(t, s)
	defer stop()
	// Run starts asynchronously: poll until Add refuses.
	nop := func(context.Context) error { return nil }
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		err = s.Add(fmt.Sprintf("late%d", i), "@daily", nop)
		if err != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("Add while running = %v, want an error saying the scheduler is running", err)
	}
	if err := s.Run(t.Context()); err == nil {
		t.Error("second Run = nil, want an error")
	}
}
