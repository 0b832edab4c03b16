package kit

import (
	"fmt"
	"time"
)

// planningHorizon is how far ahead releases and freezes may be planned.
// Beyond a calendar's use, it keeps dates in years of four digits, which
// SQLite's text timestamps need to sort and read back.
const planningHorizon = 2 * 365 * 24 * time.Hour

// TooFarAhead explains a time past the planning horizon, or is "".
func TooFarAhead(what string, t, now time.Time, loc *time.Location) string {
	if t.After(now.Add(planningHorizon)) {
		return fmt.Sprintf("The %s (%s) is more than two years ahead; plan within the next two years.", what, LocalTime(t, loc))
	}
	return ""
}

// ParseLocal reads a date and a time typed in the user's zone.
func ParseLocal(date, clock string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", date, loc)
	if err != nil {
		return time.Time{}, Problemf("%q is not a date; write dates as YYYY-MM-DD, e.g. 2026-12-03.", Plain(date))
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, Problemf("%q is not a time; write times as HH:MM on a 24-hour clock, e.g. 14:30.", Plain(clock))
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc)
	if t.Hour() != c.Hour() || t.Minute() != c.Minute() {
		return time.Time{}, Problemf("%s %s does not exist in %s (the clocks change that night); pick another time.", date, clock, loc)
	}
	return earliestReading(t).UTC(), nil
}

// earliestReading resolves a wall-clock time that happens twice (when the
// clocks go back) to its first occurrence; time.Date leaves the choice open.
func earliestReading(t time.Time) time.Time {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	best := t
	for _, near := range []time.Time{t.Add(-24 * time.Hour), t.Add(24 * time.Hour)} {
		_, offset := near.Zone()
		alt := wall.Add(-time.Duration(offset) * time.Second).In(t.Location())
		if alt.Hour() == t.Hour() && alt.Minute() == t.Minute() && alt.Day() == t.Day() && alt.Before(best) {
			best = alt
		}
	}
	return best
}

// Problem is what is wrong with a value someone typed, in a sentence to
// show them as it is.
type Problem string

func (p Problem) Error() string { return string(p) }

// Problemf is a Problem written like fmt.Sprintf.
func Problemf(format string, args ...any) error { return Problem(fmt.Sprintf(format, args...)) }
