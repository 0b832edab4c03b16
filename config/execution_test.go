package config

import (
	"strings"
	"testing"
	"time"
)

func TestSuccessWindow(t *testing.T) {
	base := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
	load := func(v string, set bool) (Config, error) {
		return LoadFrom(func(k string) (string, bool) {
			if k == "SUCCESS_WINDOW" {
				return v, set
			}
			val, ok := base[k]
			return val, ok
		})
	}
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "72h": 72 * time.Hour, "1h": time.Hour} {
		cfg, err := load(in, true)
		if err != nil || cfg.SuccessWindow != want {
			t.Errorf("SUCCESS_WINDOW=%s: %v, %v; want %v", in, cfg.SuccessWindow, err, want)
		}
	}
	if cfg, err := load("", false); err != nil || cfg.SuccessWindow != 7*24*time.Hour {
		t.Errorf("default: %v, %v", cfg.SuccessWindow, err)
	}
	for _, bad := range []string{"soon", "0d", "30m", "400d"} {
		if _, err := load(bad, true); err == nil || !strings.Contains(err.Error(), "SUCCESS_WINDOW") {
			t.Errorf("SUCCESS_WINDOW=%s: %v", bad, err)
		}
	}
}
