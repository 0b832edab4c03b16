package config

import (
	"strconv"
	"strings"
	"time"
)

// parseSuccessWindow reads SUCCESS_WINDOW: days (7d) or a Go duration
// (72h), from 1h to 365d.
func parseSuccessWindow(raw string, add func(format string, args ...any)) time.Duration {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(strings.TrimSpace(raw), "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(raw)
	}
	if err != nil || d < time.Hour || d > 365*24*time.Hour {
		add("SUCCESS_WINDOW %q must be days like 7d or a duration like 72h, from 1h to 365d.", raw)
		return 0
	}
	return d
}
