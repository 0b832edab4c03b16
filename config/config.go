// Package config reads releasebot's configuration from the environment.
//
// Every variable is read as text first and parsed afterwards, so that one run
// reports every problem at once instead of stopping at the first one.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/robfig/cron/v3"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// env is the raw view envconfig fills: names, defaults and the help text live
// in the tags so that `releasebot -h` cannot drift from what is parsed.
type env struct {
	SlackAppToken    string `envconfig:"SLACK_APP_TOKEN" desc:"App-level token (xapp-…) with connections:write, used only to open Socket Mode connections. Required."`
	SlackBotToken    string `envconfig:"SLACK_BOT_TOKEN" desc:"Bot token (xoxb-…) for every Web API call. Required."`
	SlackAPIURL      string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Base URL of Slack's Web API, also used for apps.connections.open (GovSlack or a test emulator)."`
	DatabaseURL      string `envconfig:"DATABASE_URL" desc:"Empty: SQLite file releasebot.db in the working directory. sqlite:PATH or file:PATH: another SQLite file. postgres://…: PostgreSQL."`
	HTTPAddr         string `envconfig:"HTTP_ADDR" default:":8080" desc:"Address of the HTTP server for /healthz, /readyz and /metrics."`
	LogLevel         string `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error."`
	LogFormat        string `envconfig:"LOG_FORMAT" default:"json" desc:"json or text."`
	DefaultTimezone  string `envconfig:"DEFAULT_TIMEZONE" default:"UTC" desc:"IANA time zone for release windows, digests and users whose Slack time zone is unknown."`
	Admins           string `envconfig:"ADMINS" desc:"Comma-separated Slack user IDs (U…/W…) who may change policies and freeze windows."`
	ReleaseWindows   string `envconfig:"RELEASE_WINDOWS" default:"Mon-Thu 09:00-16:00" desc:"When releases should happen, in DEFAULT_TIMEZONE, e.g. \"Mon-Thu 09:00-16:00; Fri 09:00-12:00\"; used by /release suggest."`
	Environments     string `envconfig:"ENVIRONMENTS" default:"production,staging,development" desc:"Comma-separated environment names a release may target."`
	NudgeInterval    string `envconfig:"APPROVAL_NUDGE_INTERVAL" default:"4h" desc:"How often approvers who have not decided are reminded, during their working hours."`
	DigestCron       string `envconfig:"DIGEST_CRON" default:"0 9 * * MON" desc:"Cron schedule (in DEFAULT_TIMEZONE) of the weekly digest of the next 7 days."`
	Workers          string `envconfig:"WORKERS" default:"16" desc:"Envelopes handled at once; more wait in a queue and are still acknowledged in time."`
	ShutdownTimeout  string `envconfig:"SHUTDOWN_TIMEOUT" default:"10s" desc:"How long a shutdown waits for work in flight."`
	SurveyDelay      string `envconfig:"SURVEY_DELAY" default:"1h" desc:"How long after a release completes, fails or is rolled back its stakeholders are asked how satisfied they are (e.g. 1h, 30m, 1d)."`
	SurveyOpenFor    string `envconfig:"SURVEY_OPEN_FOR" default:"7d" desc:"How long a survey takes answers; when it closes, its summary goes to the release thread and the owner."`
	AdoptionFollowUp string `envconfig:"ADOPTION_FOLLOWUP" default:"14d" desc:"When those who answered \"not yet\" to the adoption question are asked again."`
	SurveyAnonymous  string `envconfig:"SURVEY_ANONYMOUS" default:"true" desc:"true: survey summaries show comments without names; false: with them."`
	ReviewDue        string `envconfig:"REVIEW_DUE" default:"3d" desc:"When a missing required post-release review starts reminding the owner, every working day."`
	SuccessWindow    string `envconfig:"SUCCESS_WINDOW" default:"7d" desc:"A release with an incident or a hotfix linked within this time after it finished did not succeed, e.g. 7d or 72h."`
}

// Config is the validated configuration.
type Config struct {
	SlackAppToken   Secret
	SlackBotToken   Secret
	SlackAPIURL     string
	DatabaseURL     Secret
	HTTPAddr        string
	LogLevel        slog.Level
	LogFormat       string
	DefaultTimezone *time.Location
	Admins          []string
	ReleaseWindows  release.Windows
	Environments    []string
	NudgeInterval   time.Duration
	DigestCron      string
	Workers         int
	ShutdownTimeout time.Duration
	Feedback
	SuccessWindow time.Duration
}

// Secret is a string that never prints itself, so that a token in a logged
// struct or an error message stays hidden.
type Secret string

func (s Secret) String() string { return s.redacted() }

// GoString keeps %#v from revealing the value.
func (s Secret) GoString() string { return s.redacted() }

// LogValue keeps slog from revealing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

// Reveal returns the value itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) redacted() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

var (
	userIDPattern  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	envNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)
)

// Problems lists everything wrong with the environment.
type Problems []string

func (p Problems) Error() string {
	var b strings.Builder
	b.WriteString("releasebot cannot start: the configuration has ")
	if len(p) == 1 {
		b.WriteString("1 problem:\n")
	} else {
		fmt.Fprintf(&b, "%d problems:\n", len(p))
	}
	for _, line := range p {
		b.WriteString("  - ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	b.WriteString("Run `releasebot -h` to see every variable with its default and meaning.")
	return b.String()
}

// Load reads the process environment. Every field is text, so envconfig
// itself cannot fail half-way; parse reports all problems together.
func Load() (Config, error) {
	var raw env
	if err := envconfig.Process("", &raw); err != nil {
		return Config{}, fmt.Errorf("read environment: %w", err)
	}
	return raw.parse()
}

// LoadFrom reads configuration through lookup instead of the process
// environment, with the same names and defaults; tests use it to run
// several bots side by side.
func LoadFrom(lookup func(key string) (string, bool)) (Config, error) {
	var raw env
	v := reflect.ValueOf(&raw).Elem()
	for i := range v.NumField() {
		field := v.Type().Field(i)
		value, ok := lookup(field.Tag.Get("envconfig"))
		if !ok {
			value = field.Tag.Get("default")
		}
		v.Field(i).SetString(value)
	}
	return raw.parse()
}

func (raw env) parse() (Config, error) {
	var problems Problems
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	cfg := Config{
		SlackAPIURL: raw.SlackAPIURL,
		DatabaseURL: Secret(strings.TrimSpace(raw.DatabaseURL)),
		HTTPAddr:    raw.HTTPAddr,
		DigestCron:  raw.DigestCron,
	}
	raw.parseSlack(&cfg, add)
	raw.parseServer(&cfg, add)
	raw.parseWorkspace(&cfg, add)
	raw.parseSchedule(&cfg, add)
	cfg.Feedback = raw.parseFeedback(add)
	cfg.SuccessWindow = parseSuccessWindow(raw.SuccessWindow, add)
	if len(problems) > 0 {
		return Config{}, problems
	}
	return cfg, nil
}

// problem records what is wrong with one setting; parse reports them all
// together.
type problem func(format string, args ...any)

// parseSlack reads the tokens and the Web API's address.
func (raw env) parseSlack(cfg *Config, add problem) {
	switch {
	case raw.SlackAppToken == "":
		add("SLACK_APP_TOKEN is not set: create an app-level token with the connections:write scope (Basic Information → App-Level Tokens) and export it.")
	case !strings.HasPrefix(raw.SlackAppToken, "xapp-"):
		add("SLACK_APP_TOKEN does not look like an app-level token: it must start with \"xapp-\" (Basic Information → App-Level Tokens).")
	default:
		cfg.SlackAppToken = Secret(raw.SlackAppToken)
	}
	switch {
	case raw.SlackBotToken == "":
		add("SLACK_BOT_TOKEN is not set: install the app to the workspace and copy the Bot User OAuth Token (OAuth & Permissions).")
	case !strings.HasPrefix(raw.SlackBotToken, "xoxb-"):
		add("SLACK_BOT_TOKEN does not look like a bot token: it must start with \"xoxb-\" (OAuth & Permissions → Bot User OAuth Token).")
	default:
		cfg.SlackBotToken = Secret(raw.SlackBotToken)
	}

	if u, err := url.Parse(raw.SlackAPIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("SLACK_API_URL %q is not an http(s) URL; use e.g. https://slack.com/api/.", raw.SlackAPIURL)
	} else if !strings.HasSuffix(raw.SlackAPIURL, "/") {
		cfg.SlackAPIURL = raw.SlackAPIURL + "/"
	}
}

// parseServer reads the database, the HTTP address and logging.
func (raw env) parseServer(cfg *Config, add problem) {
	if _, err := storage.ParseURL(string(cfg.DatabaseURL)); err != nil {
		add("DATABASE_URL: %v", err)
	}

	if raw.HTTPAddr == "" || !strings.Contains(raw.HTTPAddr, ":") {
		add("HTTP_ADDR %q must be host:port or :port, e.g. :8080.", raw.HTTPAddr)
	}

	switch strings.ToLower(raw.LogLevel) {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info", "":
		cfg.LogLevel = slog.LevelInfo
	case "warn", "warning":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		add("LOG_LEVEL %q is not one of debug, info, warn, error.", raw.LogLevel)
	}

	switch strings.ToLower(raw.LogFormat) {
	case "json", "text":
		cfg.LogFormat = strings.ToLower(raw.LogFormat)
	default:
		add("LOG_FORMAT %q is not json or text.", raw.LogFormat)
	}
}

// parseWorkspace reads the time zone, the admins, the environments and
// the release windows.
func (raw env) parseWorkspace(cfg *Config, add problem) {
	if loc, err := time.LoadLocation(raw.DefaultTimezone); err != nil || raw.DefaultTimezone == "" {
		add("DEFAULT_TIMEZONE %q is not an IANA time zone name such as UTC or Europe/Berlin.", raw.DefaultTimezone)
	} else {
		cfg.DefaultTimezone = loc
	}

	for _, id := range splitList(raw.Admins) {
		if !userIDPattern.MatchString(id) {
			add("ADMINS: %q is not a Slack user ID (like U012AB3CD); copy it from the user's profile → ⋮ → Copy member ID.", id)
			continue
		}
		cfg.Admins = append(cfg.Admins, id)
	}

	for _, name := range splitList(raw.Environments) {
		if !envNamePattern.MatchString(name) {
			add("ENVIRONMENTS: %q must be lower-case letters, digits, '.', '_' or '-' (at most 32).", name)
			continue
		}
		cfg.Environments = append(cfg.Environments, name)
	}
	if len(splitList(raw.Environments)) == 0 {
		add("ENVIRONMENTS is empty: name at least one environment, e.g. production.")
	}

	if windows, err := release.ParseWindows(raw.ReleaseWindows); err != nil {
		add("RELEASE_WINDOWS: %v", err)
	} else {
		cfg.ReleaseWindows = windows
	}
}

// parseSchedule reads the nudges, the digest, the workers and the
// shutdown.
func (raw env) parseSchedule(cfg *Config, add problem) {
	if d, err := time.ParseDuration(raw.NudgeInterval); err != nil || d < time.Minute {
		add("APPROVAL_NUDGE_INTERVAL %q must be a duration of at least 1m, e.g. 4h.", raw.NudgeInterval)
	} else {
		cfg.NudgeInterval = d
	}

	if _, err := cron.ParseStandard(raw.DigestCron); err != nil {
		add("DIGEST_CRON %q is not a cron schedule (minute hour day-of-month month day-of-week): %v.", raw.DigestCron, err)
	}

	if n, err := strconv.Atoi(raw.Workers); err != nil || n < 1 || n > 1024 {
		add("WORKERS %q must be a whole number from 1 to 1024.", raw.Workers)
	} else {
		cfg.Workers = n
	}

	if d, err := time.ParseDuration(raw.ShutdownTimeout); err != nil || d < 3*time.Second {
		add("SHUTDOWN_TIMEOUT %q must be a duration of at least 3s, e.g. 10s.", raw.ShutdownTimeout)
	} else {
		cfg.ShutdownTimeout = d
	}
}

// IsAdmin reports whether the Slack user may change policies and freezes.
func (c Config) IsAdmin(userID string) bool {
	for _, id := range c.Admins {
		if id == userID {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Usage writes every variable with its default and meaning.
func Usage(w io.Writer) error {
	fmt.Fprintln(w, "Usage: releasebot [-h]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "releasebot is configured through the environment:")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 1, 0, 2, ' ', 0)
	format := "VARIABLE\tDEFAULT\tMEANING\n{{range .}}{{usage_key .}}\t{{usage_default .}}\t{{usage_description .}}\n{{end}}"
	if err := envconfig.Usagef("", &env{}, tw, format); err != nil {
		return fmt.Errorf("render usage: %w", err)
	}
	return tw.Flush()
}
