package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/inps-social/inpsbot/adapters/admin"
	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/bot/pii"
	"github.com/inps-social/inpsbot/bot/rules"
	"github.com/inps-social/inpsbot/configs"
	"github.com/inps-social/inpsbot/replies"
)

// Config is the file schema: every knob of every part, with defaults.
// Precedence: defaults, the YAML file, INPSBOT_* variables, flags.
type Config struct {
	DataDir    string            `yaml:"data_dir"`
	LogLevel   string            `yaml:"log_level"`
	LogFormat  string            `yaml:"log_format"` // json or console
	Mode       string            `yaml:"mode"`       // auto, approve, dry-run, off
	RulesDir   string            `yaml:"rules_dir"`  // a directory holding rules/*.yaml; "" for the embedded defaults
	Replies    RepliesConfig     `yaml:"replies"`
	Retention  time.Duration     `yaml:"retention"`
	AuthorKey  Secret            `yaml:"author_key"`
	Engine     EngineFile        `yaml:"engine"`
	Admin      AdminConfig       `yaml:"admin"`
	Telegram   []TelegramAccount `yaml:"telegram"`
	Mastodon   []MastodonAccount `yaml:"mastodon"`
	Schedule   ScheduleConfig    `yaml:"schedule"`
	Moderators ModeratorsConfig  `yaml:"moderators"`

	path string
}

// RepliesConfig chooses the reply catalogue.
type RepliesConfig struct {
	Dir      string `yaml:"dir"`      // "" for the embedded templates
	Risponde bool   `yaml:"risponde"` // also name INPS Risponde
}

// EngineFile holds the engine's knobs in the file.
type EngineFile struct {
	Grace        time.Duration `yaml:"grace"`
	MaxAttempts  int           `yaml:"max_attempts"`
	RetryBase    time.Duration `yaml:"retry_base"`
	RetryMax     time.Duration `yaml:"retry_max"`
	SendTimeout  time.Duration `yaml:"send_timeout"`
	StrikeLimit  int           `yaml:"strike_limit"`
	StrikeWindow time.Duration `yaml:"strike_window"`
}

// AdminConfig is the admin HTTP server.
type AdminConfig struct {
	Addr    string              `yaml:"addr"`    // "" disables it
	Token   Secret              `yaml:"token"`   // bearer token of the JSON API
	Console admin.ConsoleConfig `yaml:"console"` // the moderators' web console
}

// TelegramAccount is one Telegram bot.
type TelegramAccount struct {
	Account       string        `yaml:"account"`
	Token         Secret        `yaml:"token"`
	APIURL        string        `yaml:"api_url"`
	Mode          string        `yaml:"mode"` // polling or webhook
	WebhookURL    string        `yaml:"webhook_url"`
	WebhookSecret Secret        `yaml:"webhook_secret"`
	Listen        string        `yaml:"listen"`
	PollTimeout   time.Duration `yaml:"poll_timeout"`
	HTTPTimeout   time.Duration `yaml:"http_timeout"`
	// ModeratorsChat is the chat id of the moderators' group: escalations,
	// proposals and reports go there, and commands come from there.
	ModeratorsChat string `yaml:"moderators_chat"`
}

// MastodonAccount is one Mastodon account.
type MastodonAccount struct {
	Account        string        `yaml:"account"`
	Server         string        `yaml:"server"`
	Token          Secret        `yaml:"token"`
	Streaming      *bool         `yaml:"streaming"`
	PollInterval   time.Duration `yaml:"poll_interval"`
	ReportCategory string        `yaml:"report_category"`
	ReportComment  string        `yaml:"report_comment"`
	ReportForward  bool          `yaml:"report_forward"`
	RejectReplies  bool          `yaml:"reject_replies"`
	HTTPTimeout    time.Duration `yaml:"http_timeout"`
}

// ScheduleConfig holds the cron specs of the scheduled jobs ("" disables
// a job).
type ScheduleConfig struct {
	TimeZone string            `yaml:"time_zone"`
	Sweep    string            `yaml:"sweep"`
	Purge    string            `yaml:"purge"`
	Report   string            `yaml:"report"`
	Switches []ScheduledSwitch `yaml:"switches"`
}

// ScheduledSwitch sets a scope's mode at the times of a cron spec (an
// empty mode clears the switch), e.g. replies in approve mode outside
// office hours.
type ScheduledSwitch struct {
	Spec  string `yaml:"spec"`
	Scope string `yaml:"scope"` // all, platform, account, chat, intent, action
	Name  string `yaml:"name"`
	Mode  string `yaml:"mode"`
}

// ModeratorsConfig says who the moderators are. Each Telegram account may
// name its moderators' chat (moderators_chat); Mastodon moderators command
// the bot by direct message.
type ModeratorsConfig struct {
	TelegramUsers []string `yaml:"telegram_users"`    // Telegram user ids
	MastodonAccts []string `yaml:"mastodon_accounts"` // user@server
}

// Secret is a value that prints as asterisks.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// MarshalText hides the value wherever the config is printed.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// envVars is the one table of environment variables; the README lists
// each (a test checks).
var envVars = []struct {
	name, help string
	set        func(c *Config, v string) error
}{
	{"INPSBOT_CONFIG", "configuration file (as --config)", nil},
	{"INPSBOT_DATA_DIR", "directory of the SQLite database and the author key", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"INPSBOT_LOG_LEVEL", "debug, info, warn or error", func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"INPSBOT_LOG_FORMAT", "json or console", func(c *Config, v string) error { c.LogFormat = v; return nil }},
	{"INPSBOT_MODE", "default mode: auto, approve, dry-run or off", func(c *Config, v string) error { c.Mode = v; return nil }},
	{"INPSBOT_RULES_DIR", "directory holding rules/*.yaml that replaces the embedded rules", func(c *Config, v string) error { c.RulesDir = v; return nil }},
	{"INPSBOT_REPLIES_DIR", "directory that replaces the embedded reply templates", func(c *Config, v string) error { c.Replies.Dir = v; return nil }},
	{"INPSBOT_AUTHOR_KEY", "key of the author hashes (else generated in the data dir)", func(c *Config, v string) error { c.AuthorKey = Secret(v); return nil }},
	{"INPSBOT_ADMIN_ADDR", "address of the admin server (health, metrics, API)", func(c *Config, v string) error { c.Admin.Addr = v; return nil }},
	{"INPSBOT_ADMIN_TOKEN", "bearer token of the admin JSON API", func(c *Config, v string) error { c.Admin.Token = Secret(v); return nil }},
	{"INPSBOT_TELEGRAM_TOKEN", "token of a single Telegram bot (shorthand for one telegram account)", func(c *Config, v string) error {
		c.telegramShorthand().Token = Secret(v)
		return nil
	}},
	{"INPSBOT_TELEGRAM_API_URL", "Bot API server of that bot", func(c *Config, v string) error {
		c.telegramShorthand().APIURL = v
		return nil
	}},
	{"INPSBOT_TELEGRAM_MODERATORS_CHAT", "chat id of that bot's moderators' group", func(c *Config, v string) error {
		c.telegramShorthand().ModeratorsChat = v
		return nil
	}},
	{"INPSBOT_TELEGRAM_MODERATORS", "comma-separated Telegram user ids of the moderators", func(c *Config, v string) error {
		c.Moderators.TelegramUsers = splitList(v)
		return nil
	}},
	{"INPSBOT_MASTODON_SERVER", "server of a single Mastodon account (shorthand)", func(c *Config, v string) error {
		c.mastodonShorthand().Server = v
		return nil
	}},
	{"INPSBOT_MASTODON_TOKEN", "access token of that account", func(c *Config, v string) error {
		c.mastodonShorthand().Token = Secret(v)
		return nil
	}},
	{"INPSBOT_MASTODON_MODERATORS", "comma-separated Mastodon accounts (user@server) of the moderators", func(c *Config, v string) error {
		c.Moderators.MastodonAccts = splitList(v)
		return nil
	}},
}

func splitList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// moderation is who may command the bot, and where, per platform account.
func (c *Config) moderation() bot.ModerationConfig {
	m := bot.ModerationConfig{Chats: map[string]string{}, Users: map[string][]string{}}
	for _, t := range c.Telegram {
		if t.ModeratorsChat != "" {
			m.Chats["telegram/"+t.Account] = t.ModeratorsChat
		}
	}
	m.Users["telegram"] = c.Moderators.TelegramUsers
	for _, a := range c.Moderators.MastodonAccts {
		m.Users["mastodon"] = append(m.Users["mastodon"], strings.TrimPrefix(a, "@"))
	}
	return m
}

// telegramShorthand is the account the single-account variables fill: the
// first one of the file, or a new one named "default".
func (c *Config) telegramShorthand() *TelegramAccount {
	if len(c.Telegram) == 0 {
		c.Telegram = append(c.Telegram, TelegramAccount{Account: "default"})
	}
	return &c.Telegram[0]
}

func (c *Config) mastodonShorthand() *MastodonAccount {
	if len(c.Mastodon) == 0 {
		c.Mastodon = append(c.Mastodon, MastodonAccount{Account: "default"})
	}
	return &c.Mastodon[0]
}

func defaultConfig() Config {
	return Config{
		DataDir:   "data",
		LogLevel:  "info",
		LogFormat: "json",
		Mode:      string(bot.ModeAuto),
		Retention: 30 * 24 * time.Hour,
		Admin:     AdminConfig{Addr: "127.0.0.1:8080"},
		Schedule: ScheduleConfig{
			TimeZone: "Europe/Rome",
			Sweep:    "*/10 * * * *",
			Purge:    "30 3 * * *",
			Report:   "0 8 * * *",
		},
	}
}

// loadConfig builds the configuration: defaults, then the file (path, or
// INPSBOT_CONFIG), then the environment. It validates the result.
func loadConfig(path string, getenv func(string) string) (*Config, error) {
	cfg := defaultConfig()
	if path == "" {
		path = getenv("INPSBOT_CONFIG")
	}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(f)
		dec.KnownFields(true)
		err = dec.Decode(&cfg)
		f.Close()
		if err != nil && !errors.Is(err, io.EOF) { // an empty file means all defaults
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.path = path
	}
	for _, ev := range envVars {
		if ev.set == nil {
			continue
		}
		if v := getenv(ev.name); v != "" {
			if err := ev.set(&cfg, v); err != nil {
				return nil, fmt.Errorf("config: %s: %w", ev.name, err)
			}
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// validate checks every field, naming each one that is wrong.
func (c *Config) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", field, fmt.Sprintf(format, args...)))
	}
	if _, err := bot.ParseMode(c.Mode); err != nil {
		bad("mode", "%v", err)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		bad("log_format", "%q is not json or console", c.LogFormat)
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if c.Retention <= 0 {
		bad("retention", "must be positive")
	}
	seen := map[string]bool{}
	for i, t := range c.Telegram {
		field := fmt.Sprintf("telegram[%d]", i)
		if t.Account == "" {
			bad(field+".account", "must not be empty")
		}
		if seen["telegram/"+t.Account] {
			bad(field+".account", "%q is configured twice", t.Account)
		}
		seen["telegram/"+t.Account] = true
		if t.Token == "" {
			bad(field+".token", "must not be empty (or set INPSBOT_TELEGRAM_TOKEN)")
		}
	}
	for i, m := range c.Mastodon {
		field := fmt.Sprintf("mastodon[%d]", i)
		if m.Account == "" {
			bad(field+".account", "must not be empty")
		}
		if seen["mastodon/"+m.Account] {
			bad(field+".account", "%q is configured twice", m.Account)
		}
		seen["mastodon/"+m.Account] = true
		if m.Server == "" {
			bad(field+".server", "must not be empty (or set INPSBOT_MASTODON_SERVER)")
		}
		if m.Token == "" {
			bad(field+".token", "must not be empty (or set INPSBOT_MASTODON_TOKEN)")
		}
	}
	if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil {
		bad("schedule.time_zone", "%v", err)
	}
	for i, sw := range c.Schedule.Switches {
		field := fmt.Sprintf("schedule.switches[%d]", i)
		if sw.Spec == "" {
			bad(field+".spec", "must not be empty")
		}
		if _, err := bot.SwitchKey(sw.Scope, sw.Name); err != nil {
			bad(field+".scope", "%v", err)
		}
		if sw.Mode != "" {
			if _, err := bot.ParseMode(sw.Mode); err != nil {
				bad(field+".mode", "%v", err)
			}
		}
	}
	return errors.Join(errs...)
}

// rulesFS is where the rules are read from: the configured directory, or
// the embedded defaults.
func (c *Config) rulesFS() fs.FS {
	if c.RulesDir != "" {
		return os.DirFS(c.RulesDir)
	}
	return configs.FS
}

// newResponder loads the rules and the replies and builds the one
// decision path.
func newResponder(c *Config) (*bot.Responder, error) {
	rs, err := rules.Load(c.rulesFS(), "rules")
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	cat, err := replies.Load(replies.Config{Dir: c.Replies.Dir, Risponde: c.Replies.Risponde})
	if err != nil {
		return nil, fmt.Errorf("replies: %w", err)
	}
	return bot.NewResponder(pii.New(), rs, cat)
}

// authorKey returns the configured key, or the one kept in the data dir,
// creating it on first use.
func (c *Config) authorKey() ([]byte, error) {
	if c.AuthorKey != "" {
		return []byte(c.AuthorKey), nil
	}
	path := filepath.Join(c.DataDir, "author.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 16 {
			return nil, fmt.Errorf("author key %s: malformed", path)
		}
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("author key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("author key: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("author key: %w", err)
	}
	return key, nil
}
