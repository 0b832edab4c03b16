package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg, err := LoadFrom(lookup(map[string]string{"SLACK_APP_TOKEN": "xapp-1-a", "SLACK_BOT_TOKEN": "xoxb-b"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SlackAPIURL != "https://slack.com/api/" || cfg.HTTPAddr != ":8080" || cfg.DefaultTimezone.String() != "UTC" ||
		cfg.NudgeInterval != 4*time.Hour || cfg.Workers != 16 || cfg.ShutdownTimeout != 10*time.Second ||
		cfg.ReleaseWindows.String() != "Mon-Thu 09:00-16:00" || strings.Join(cfg.Environments, ",") != "production,staging,development" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

// Every problem is reported at once, and no token appears in the message.
func TestEveryProblemAtOnce(t *testing.T) {
	_, err := LoadFrom(lookup(map[string]string{
		"SLACK_APP_TOKEN": "xoxb-secret-value", "SLACK_API_URL": "ftp://x", "DATABASE_URL": "mysql://db",
		"LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "DEFAULT_TIMEZONE": "Mars/Base", "ADMINS": "bob,U123ABC",
		"RELEASE_WINDOWS": "Funday 9-5", "APPROVAL_NUDGE_INTERVAL": "soon", "DIGEST_CRON": "every monday",
		"WORKERS": "0", "SHUTDOWN_TIMEOUT": "1s",
	}))
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("want Problems, got %v", err)
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN is not set", "SLACK_API_URL", "DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "DEFAULT_TIMEZONE", `"bob"`, "RELEASE_WINDOWS", "APPROVAL_NUDGE_INTERVAL", "DIGEST_CRON", "WORKERS", "SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
	if len(p) != 13 {
		t.Errorf("%d problems, want 13:\n%s", len(p), err)
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("token leaked into the message:\n%s", err)
	}
}

// Load (envconfig over the process environment) and LoadFrom agree.
func TestLoadMatchesLoadFrom(t *testing.T) {
	vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1-a", "SLACK_BOT_TOKEN": "xoxb-b", "ADMINS": "U1AA, W2BB", "DEFAULT_TIMEZONE": "Europe/Berlin", "WORKERS": "3"}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	a, errA := Load()
	b, errB := LoadFrom(lookup(vars))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if strings.Join(a.Admins, ",") != "U1AA,W2BB" || a.DefaultTimezone.String() != b.DefaultTimezone.String() || a.Workers != 3 || b.Workers != 3 {
		t.Fatalf("Load %+v, LoadFrom %+v", a, b)
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	s := Secret("xoxb-very-secret")
	for _, out := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(out, "very-secret") {
			t.Fatalf("secret printed: %q", out)
		}
	}
	if s.Reveal() != "xoxb-very-secret" {
		t.Fatal("Reveal changed the value")
	}
}
