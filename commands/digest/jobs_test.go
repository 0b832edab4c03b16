package digest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// Nudges go out only on weekdays from 09:00 to 18:00 in the approver's own
// zone. Every instant below is given in UTC, so each case also checks that
// the hour and the weekday are read in that zone, with its offset on that
// date (daylight saving time included), not in UTC or the server's zone.
func TestWorkingHours(t *testing.T) {
	// The directory answers from its memory while a profile is fresh, so
	// no Slack and no database are needed.
	fetched := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := kit.NewDirectory(nil, nil, time.UTC, func() time.Time { return fetched }, slog.New(slog.DiscardHandler))
	zones := map[string]string{
		"U0NY": "America/New_York", "U0BER": "Europe/Berlin", "U0TYO": "Asia/Tokyo", "U0UTC": "UTC",
		"U0AKL": "Pacific/Auckland", "U0HNL": "Pacific/Honolulu",
		"U0NOTZ": "", "U0BADTZ": "Mars/Olympus_Mons", // both fall back to the default zone, UTC
	}
	for user, tz := range zones {
		dir.Remember(storage.UserProfile{UserID: user, TZ: tz, FetchedAt: fetched})
	}
	s := &Service{Deps: &kit.Deps{Dir: dir}}
	utc := func(month time.Month, day, hour, minute, sec int) time.Time {
		return time.Date(2025, month, day, hour, minute, sec, 0, time.UTC)
	}

	for _, c := range []struct {
		name string
		user string
		at   time.Time
		want bool
	}{
		// The 09:00 start counts, 18:00 no longer does.
		{"New York, Wednesday 08:59:59", "U0NY", utc(time.March, 12, 12, 59, 59), false},
		{"New York, Wednesday 09:00", "U0NY", utc(time.March, 12, 13, 0, 0), true},
		{"New York, Wednesday 17:59:59", "U0NY", utc(time.March, 12, 21, 59, 59), true},
		{"New York, Wednesday 18:00", "U0NY", utc(time.March, 12, 22, 0, 0), false},
		{"Berlin, Wednesday 08:59", "U0BER", utc(time.March, 12, 7, 59, 0), false},
		{"Berlin, Wednesday 09:00", "U0BER", utc(time.March, 12, 8, 0, 0), true},
		{"Berlin, Wednesday 17:59", "U0BER", utc(time.March, 12, 16, 59, 0), true},
		{"Berlin, Wednesday 18:00", "U0BER", utc(time.March, 12, 17, 0, 0), false},
		{"UTC, Wednesday 09:00", "U0UTC", utc(time.March, 12, 9, 0, 0), true},
		{"UTC, Wednesday 18:00", "U0UTC", utc(time.March, 12, 18, 0, 0), false},

		// One instant, four zones: Monday 00:00 UTC.
		{"Tokyo, Monday 09:00", "U0TYO", utc(time.March, 10, 0, 0, 0), true},
		{"UTC, Monday 00:00", "U0UTC", utc(time.March, 10, 0, 0, 0), false},
		{"Berlin, Monday 01:00", "U0BER", utc(time.March, 10, 0, 0, 0), false},
		{"New York, Sunday 20:00", "U0NY", utc(time.March, 10, 0, 0, 0), false},
		{"Tokyo, Monday 08:59 (Sunday in UTC)", "U0TYO", utc(time.March, 9, 23, 59, 0), false},
		{"Tokyo, Friday 17:59", "U0TYO", utc(time.March, 14, 8, 59, 0), true},
		{"Tokyo, Friday 18:00", "U0TYO", utc(time.March, 14, 9, 0, 0), false},

		// Weekends, and days that differ between the zone and UTC.
		{"UTC, Saturday 12:00", "U0UTC", utc(time.March, 15, 12, 0, 0), false},
		{"UTC, Sunday 12:00", "U0UTC", utc(time.March, 16, 12, 0, 0), false},
		{"UTC, Monday 12:00", "U0UTC", utc(time.March, 17, 12, 0, 0), true},
		{"Tokyo, Saturday 10:00", "U0TYO", utc(time.March, 15, 1, 0, 0), false},
		{"New York, Saturday 10:00", "U0NY", utc(time.March, 15, 14, 0, 0), false},
		{"Auckland, Monday 09:00 (Sunday 20:00 in UTC)", "U0AKL", utc(time.March, 16, 20, 0, 0), true},
		{"Auckland, Saturday 10:00 (Friday 21:00 in UTC)", "U0AKL", utc(time.March, 14, 21, 0, 0), false},
		{"Honolulu, Friday 16:00 (Saturday 02:00 in UTC)", "U0HNL", utc(time.March, 15, 2, 0, 0), true},
		{"Honolulu, Saturday 10:00", "U0HNL", utc(time.March, 15, 20, 0, 0), false},

		// Daylight saving time: the same UTC time of day falls on either
		// side of 09:00 or 18:00 depending on the offset that day. New
		// York moves on 9 March and 2 November 2025, Berlin on 30 March and
		// 26 October.
		{"New York, Friday 08:30 EST, before the spring change", "U0NY", utc(time.March, 7, 13, 30, 0), false},
		{"New York, Monday 09:30 EDT, after the spring change", "U0NY", utc(time.March, 10, 13, 30, 0), true},
		{"New York, Friday 09:30 EDT, before the autumn change", "U0NY", utc(time.October, 31, 13, 30, 0), true},
		{"New York, Monday 08:30 EST, after the autumn change", "U0NY", utc(time.November, 3, 13, 30, 0), false},
		{"Berlin, Friday 17:30 CET, before the spring change", "U0BER", utc(time.March, 28, 16, 30, 0), true},
		{"Berlin, Monday 18:30 CEST, after the spring change", "U0BER", utc(time.March, 31, 16, 30, 0), false},
		{"Berlin, Friday 18:30 CEST, before the autumn change", "U0BER", utc(time.October, 24, 16, 30, 0), false},
		{"Berlin, Monday 17:30 CET, after the autumn change", "U0BER", utc(time.October, 27, 16, 30, 0), true},
		{"Berlin, Monday 17:30 CET between the two spring changes", "U0BER", utc(time.March, 24, 16, 30, 0), true},
		{"New York, Monday 09:30 EDT between the two spring changes", "U0NY", utc(time.March, 24, 13, 30, 0), true},

		// No zone, or one Go does not know: the default zone (UTC here).
		{"no zone, Wednesday 09:00 UTC", "U0NOTZ", utc(time.March, 12, 9, 0, 0), true},
		{"no zone, Wednesday 08:59 UTC", "U0NOTZ", utc(time.March, 12, 8, 59, 0), false},
		{"unknown zone, Wednesday 17:59 UTC", "U0BADTZ", utc(time.March, 12, 17, 59, 0), true},
		{"unknown zone, Saturday 12:00 UTC", "U0BADTZ", utc(time.March, 15, 12, 0, 0), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.workingHours(context.Background(), c.user, c.at); got != c.want {
				t.Errorf("workingHours(%s, %s = %s there) = %v, want %v", c.user, c.at.Format(time.RFC3339),
					c.at.In(dir.Location(context.Background(), c.user)).Format("Monday 15:04:05 MST"), got, c.want)
			}
		})
	}
}
