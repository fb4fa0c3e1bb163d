package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/inps-social/inpsbot/adapters/admin"
	"github.com/inps-social/inpsbot/adapters/console"
	"github.com/inps-social/inpsbot/adapters/mastodon"
	"github.com/inps-social/inpsbot/adapters/schedule"
	"github.com/inps-social/inpsbot/adapters/sqlite"
	"github.com/inps-social/inpsbot/adapters/telegram"
	"github.com/inps-social/inpsbot/bot"
)

// newLogger builds the one logger of the process: JSON on stderr, or the
// console form, at the configured level.
func newLogger(cfg *Config, stderr io.Writer) zerolog.Logger {
	// Components log from their own goroutines: one writer, one lock.
	w := zerolog.SyncWriter(stderr)
	if cfg.LogFormat == "console" {
		w = zerolog.SyncWriter(zerolog.ConsoleWriter{Out: stderr, NoColor: true})
	}
	lvl, err := zerolog.ParseLevel(strings.ToLower(cfg.LogLevel))
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// openStore opens the SQLite store in the data dir, creating the dir.
func openStore(ctx context.Context, cfg *Config) (*sqlite.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "inpsbot.db"))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return st, nil
}

func engineConfig(cfg *Config, key []byte) bot.EngineConfig {
	return bot.EngineConfig{
		Mode:         bot.Mode(cfg.Mode),
		AuthorKey:    key,
		RetryBase:    cfg.Engine.RetryBase,
		RetryMax:     cfg.Engine.RetryMax,
		MaxAttempts:  cfg.Engine.MaxAttempts,
		Grace:        cfg.Engine.Grace,
		SendTimeout:  cfg.Engine.SendTimeout,
		StrikeLimit:  cfg.Engine.StrikeLimit,
		StrikeWindow: cfg.Engine.StrikeWindow,
	}
}

// flagString registers a string flag that overrides a config field only
// when given.
type flagString struct {
	set bool
	val string
}

func (f *flagString) String() string     { return f.val }
func (f *flagString) Set(v string) error { f.val, f.set = v, true; return nil }

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $INPSBOT_CONFIG)")
	var dataDir, adminAddr, mode, logLevel flagString
	fs.Var(&dataDir, "data-dir", "directory of the database (overrides data_dir)")
	fs.Var(&adminAddr, "admin-addr", `admin server address, "" to disable (overrides admin.addr)`)
	fs.Var(&mode, "mode", "default mode: auto, approve, dry-run or off (overrides mode)")
	fs.Var(&logLevel, "log-level", "debug, info, warn or error (overrides log_level)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inpsbot run [--config FILE] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		fl  *flagString
		dst *string
	}{{&dataDir, &cfg.DataDir}, {&adminAddr, &cfg.Admin.Addr}, {&mode, &cfg.Mode}, {&logLevel, &cfg.LogLevel}} {
		if f.fl.set {
			*f.dst = f.fl.val
		}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	return serve(ctx, cfg, stdin, stdout, log)
}

// serve wires the store, the responder, the platforms and the engine, and
// runs them until ctx ends or the console's input does.
func serve(ctx context.Context, cfg *Config, stdin io.Reader, stdout io.Writer, log zerolog.Logger) (err error) {
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("store: close: %w", cerr)
		}
	}()
	key, err := cfg.authorKey()
	if err != nil {
		return err
	}
	platforms, err := startPlatforms(ctx, cfg, log)
	if err != nil {
		return err
	}
	var cons *console.Platform
	if len(platforms) == 0 {
		cons = console.New(stdin, stdout)
		platforms = append(platforms, cons)
		log.Info().Msg("no platform configured: serving the console (one post per line, Ctrl-D to end)")
	}
	eng, err := bot.NewEngine(engineConfig(cfg, key), st, resp, platforms, log)
	if err != nil {
		return err
	}
	if cons != nil {
		eng.AddModerators(cons)
	}
	eng.SetModeration(cfg.moderation())
	metrics := admin.NewMetrics()
	eng.SetMetrics(metrics)
	if n, err := eng.Purge(ctx, cfg.Retention); err != nil {
		log.Error().Err(err).Msg("retention purge failed")
	} else if n > 0 {
		log.Info().Int64("rows", n).Msg("retention purge")
	}
	sched, err := newScheduler(cfg, eng, metrics, log)
	if err != nil {
		return err
	}
	var adm *admin.Server
	if cfg.Admin.Addr != "" {
		adm, err = admin.New(admin.Config{Addr: cfg.Admin.Addr, Token: string(cfg.Admin.Token)}, eng, metrics, log)
		switch {
		case err != nil && cons != nil && cfg.Admin.Addr == defaultConfig().Admin.Addr:
			// The console demo does not need the admin server: a busy
			// default port must not stop it.
			log.Warn().Err(err).Msg("admin server not started")
			adm = nil
		case err != nil:
			return err
		default:
			if err := adm.EnableConsole(cfg.Admin.Console); err != nil {
				return err
			}
			log.Info().Str("addr", adm.Addr()).Msg("admin server listening")
		}
	}

	log.Info().Str("version", version).Int("platforms", len(platforms)).Str("mode", cfg.Mode).Msg("inpsbot started")
	// The engine owns the run: when it ends (a signal, or the console's
	// input is over), the scheduler and the admin server stop too.
	runCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error {
		defer stopAll()
		return eng.Run(gctx)
	})
	g.Go(func() error { return sched.Run(gctx) })
	g.Go(func() error { return reloadOnHangup(gctx, cfg, eng, log) })
	if adm != nil {
		g.Go(func() error { return adm.Serve(gctx) })
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info().Msg("inpsbot stopped")
	return nil
}

// reloadOnHangup reloads the rules and the replies on SIGHUP. A set that
// does not load is refused with its file and line, and the last good one
// stays in force.
func reloadOnHangup(ctx context.Context, cfg *Config, eng *bot.Engine, log zerolog.Logger) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			if err := reload(cfg, eng); err != nil {
				log.Error().Err(err).Msg("rules not reloaded; the previous rules stay in force")
				continue
			}
			log.Info().Msg("rules and replies reloaded")
		}
	}
}

// reload builds the rules and replies afresh and puts them in force.
func reload(cfg *Config, eng *bot.Engine) error {
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	eng.SetResponder(resp)
	return nil
}

// newScheduler registers the scheduled jobs of the configuration.
func newScheduler(cfg *Config, eng *bot.Engine, metrics *admin.Metrics, log zerolog.Logger) (*schedule.Scheduler, error) {
	sched, err := schedule.New(schedule.Config{TimeZone: cfg.Schedule.TimeZone}, log, metrics)
	if err != nil {
		return nil, err
	}
	jobs := []struct {
		name, spec string
		fn         func(context.Context) error
	}{
		{"sweep", cfg.Schedule.Sweep, eng.Sweep},
		{"purge", cfg.Schedule.Purge, func(ctx context.Context) error {
			_, err := eng.Purge(ctx, cfg.Retention)
			return err
		}},
		{"report", cfg.Schedule.Report, func(ctx context.Context) error {
			return eng.Report(ctx, 24*time.Hour)
		}},
	}
	for _, j := range jobs {
		if j.spec == "" {
			continue
		}
		if err := sched.Add(j.name, j.spec, j.fn); err != nil {
			return nil, err
		}
	}
	for i, sw := range cfg.Schedule.Switches {
		key, err := bot.SwitchKey(sw.Scope, sw.Name)
		if err != nil {
			return nil, fmt.Errorf("config: schedule.switches[%d]: %w", i, err)
		}
		mode := bot.Mode(sw.Mode)
		name := fmt.Sprintf("switch-%d", i)
		if err := sched.Add(name, sw.Spec, func(ctx context.Context) error {
			return eng.SetSwitch(ctx, key, mode, "schedule")
		}); err != nil {
			return nil, err
		}
	}
	return sched, nil
}

// startPlatforms builds every configured platform account; one that cannot
// start stops the whole start, so that the bot never runs half-configured.
func startPlatforms(ctx context.Context, cfg *Config, log zerolog.Logger) ([]bot.Platform, error) {
	var out []bot.Platform
	for i, a := range cfg.Telegram {
		pl, err := telegram.New(ctx, telegram.Config{
			Account: a.Account, Token: string(a.Token), APIURL: a.APIURL, Mode: a.Mode,
			WebhookURL: a.WebhookURL, WebhookSecret: string(a.WebhookSecret), ListenAddr: a.Listen,
			PollTimeout: a.PollTimeout, HTTPTimeout: a.HTTPTimeout,
			Log: log.With().Str("component", "telegram").Str("account", a.Account).Logger(),
		})
		if err != nil {
			return nil, fmt.Errorf("telegram[%d] (%s): %w", i, a.Account, err)
		}
		out = append(out, pl)
	}
	for i, a := range cfg.Mastodon {
		streaming := a.Streaming == nil || *a.Streaming
		pl, err := mastodon.New(ctx, mastodon.Config{
			Account: a.Account, Server: a.Server, Token: string(a.Token), Streaming: streaming,
			PollInterval: a.PollInterval, HTTPTimeout: a.HTTPTimeout,
			ReportCategory: a.ReportCategory, ReportComment: a.ReportComment,
			ReportForward: a.ReportForward, RejectReplies: a.RejectReplies,
		})
		if err != nil {
			return nil, fmt.Errorf("mastodon[%d] (%s): %w", i, a.Account, err)
		}
		out = append(out, pl)
	}
	return out, nil
}

func cmdForget(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("forget", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $INPSBOT_CONFIG)")
	platform := fs.String("platform", "", "platform of the author: telegram, mastodon or console")
	author := fs.String("author", "", "the author's platform id (Telegram user id, Mastodon account)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inpsbot forget [--config FILE] --platform P --author A")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *platform == "" || *author == "" {
		return usageError{"forget: --platform and --author are required"}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := cfg.authorKey()
	if err != nil {
		return err
	}
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	eng, err := bot.NewEngine(engineConfig(cfg, key), st, resp, nil, zerolog.Nop())
	if err != nil {
		return err
	}
	n, err := eng.Forget(ctx, *platform, *author, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased %d stored rows of that author on %s\n", n, *platform)
	return nil
}
