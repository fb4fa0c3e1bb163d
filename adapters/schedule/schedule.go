// Package schedule runs the engine's periodic jobs (sweep, purge, report)
// on cron specs through robfig/cron/v3. A job never overlaps itself: a run
// that comes while the previous one is still going is skipped and logged.
// A panicking job is recovered and reported as a failure, and shutdown
// waits for the jobs in flight.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// DefaultTimeZone is the zone cron specs are read in when Config names
// none.
const DefaultTimeZone = "Europe/Rome"

// ErrPanic is wrapped by the error reported for a job that panicked.
var ErrPanic = errors.New("job panicked")

// Config holds the scheduler's knobs, as plain values.
type Config struct {
	// TimeZone is the IANA zone the specs are read in; DefaultTimeZone
	// when empty.
	TimeZone string
}

// Validate fills defaults and checks the values.
func (c *Config) Validate() error {
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return fmt.Errorf("schedule: time_zone: %w", err)
	}
	return nil
}

// Observer is told how each job run went: its duration and its error (nil
// on success). admin.Metrics is one.
type Observer interface {
	JobRun(job string, d time.Duration, err error)
}

type noObserver struct{}

func (noObserver) JobRun(string, time.Duration, error) {}

// parser reads the standard five fields, an optional leading seconds field
// and descriptors such as "@daily" or "@every 10m".
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month |
	cron.Dow | cron.Descriptor)

// Scheduler runs named jobs on cron specs. Jobs are added before Run.
type Scheduler struct {
	loc *time.Location
	log zerolog.Logger
	obs Observer

	mu      sync.Mutex
	started bool
	jobs    []*job
}

type job struct {
	name    string
	spec    string
	sched   cron.Schedule
	fn      func(ctx context.Context) error
	running atomic.Bool
}

// New returns a scheduler reading specs in cfg's time zone and reporting
// each run to obs (which may be nil).
func New(cfg Config, log zerolog.Logger, obs Observer) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("schedule: time_zone: %w", err)
	}
	if obs == nil {
		obs = noObserver{}
	}
	return &Scheduler{loc: loc, log: log.With().Str("component", "schedule").Logger(), obs: obs}, nil
}

// Add registers job under name on a cron spec: five fields (minute hour
// day-of-month month day-of-week), six with leading seconds, or a
// descriptor ("@hourly", "@every 5m"). It must be called before Run.
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	if name == "" {
		return errors.New("schedule: add job: a name is required")
	}
	if fn == nil {
		return fmt.Errorf("schedule: add job %s: no function", name)
	}
	sched, err := parser.Parse(spec)
	if err != nil {
		return fmt.Errorf("schedule: job %s: spec %q: %w", name, spec, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("schedule: add job %s: the scheduler is already running", name)
	}
	for _, j := range s.jobs {
		if j.name == name {
			return fmt.Errorf("schedule: add job %s: a job with this name exists", name)
		}
	}
	s.jobs = append(s.jobs, &job{name: name, spec: spec, sched: sched, fn: fn})
	return nil
}

// Run starts the jobs and blocks until ctx ends; then it stops the clock
// and waits for the runs in flight, whose context is ctx and so is
// cancelled at shutdown. It can be called once.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("schedule: already started")
	}
	s.started = true
	jobs := s.jobs
	s.mu.Unlock()

	c := cron.New(cron.WithLocation(s.loc), cron.WithParser(parser), cron.WithLogger(cronLogger{s.log}))
	for _, j := range jobs {
		c.Schedule(j.sched, cron.FuncJob(func() { s.run(ctx, j) }))
	}
	c.Start()
	s.log.Info().Int("jobs", len(jobs)).Str("time_zone", s.loc.String()).Msg("scheduler started")
	<-ctx.Done()
	<-c.Stop().Done()
	s.log.Info().Msg("scheduler stopped")
	return nil
}

// run makes one run of j, unless the previous one is still going.
func (s *Scheduler) run(ctx context.Context, j *job) {
	log := s.log.With().Str("job", j.name).Logger()
	if ctx.Err() != nil {
		return
	}
	if !j.running.CompareAndSwap(false, true) {
		log.Warn().Str("outcome", "skipped").Msg("job still running; this run is skipped")
		return
	}
	defer j.running.Store(false)
	start := time.Now()
	err := call(ctx, j.fn)
	d := time.Since(start)
	s.obs.JobRun(j.name, d, err)
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		log.Error().Err(err).Str("outcome", "panic").Int64("duration_ms", d.Milliseconds()).
			Bytes("stack", pe.stack).Msg("job panicked")
	case err != nil && ctx.Err() != nil:
		log.Warn().Err(err).Str("outcome", "cancelled").Int64("duration_ms", d.Milliseconds()).
			Msg("job interrupted by shutdown")
	case err != nil:
		log.Error().Err(err).Str("outcome", "error").Int64("duration_ms", d.Milliseconds()).Msg("job failed")
	default:
		log.Debug().Str("outcome", "ok").Int64("duration_ms", d.Milliseconds()).Msg("job done")
	}
}

// panicError is a recovered panic, with the stack where it happened.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("%v: %v", ErrPanic, e.value) }

func (e *panicError) Unwrap() error { return ErrPanic }

// call runs fn, turning a panic into an error wrapping ErrPanic.
func call(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

// cronLogger lets cron log through zerolog: its chatter (start, wake,
// run) at debug, its errors at error.
type cronLogger struct{ log zerolog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug().Fields(fields(kv)).Msg("cron: " + msg)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error().Err(err).Fields(fields(kv)).Msg("cron: " + msg)
}

// fields turns cron's alternating keys and values into zerolog fields.
func fields(kv []any) map[string]any {
	out := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return out
}
