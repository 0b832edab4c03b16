package release

import (
	"fmt"
	"strings"
	"time"
)

// Window is a recurring weekly time range in which releases should happen,
// e.g. Monday to Thursday 09:00–16:00.
type Window struct {
	Days       [7]bool // indexed by time.Weekday
	Start, End int     // minutes after midnight, Start < End
}

// Windows is the team's set of release windows; a slot is good when it fits
// entirely inside one of them.
type Windows []Window

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWindows reads "Mon-Thu 09:00-16:00; Fri 09:00-12:00". Day ranges may
// wrap (Fri-Mon) and lists may be comma-separated (Mon,Wed 10:00-12:00).
func ParseWindows(s string) (Windows, error) {
	var out Windows
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fields := strings.Fields(part)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%q: write a window as days and hours, e.g. \"Mon-Thu 09:00-16:00\"", part)
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		start, end, err := parseHours(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out = append(out, Window{Days: days, Start: start, End: end})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no release window given; write e.g. \"Mon-Thu 09:00-16:00\"")
	}
	return out, nil
}

func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	for _, item := range strings.Split(strings.ToLower(s), ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, err := weekday(from)
		if err != nil {
			return days, err
		}
		b := a
		if isRange {
			if b, err = weekday(to); err != nil {
				return days, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

var weekdayFullNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// weekday accepts a day's name or any prefix of it of three letters or more.
func weekday(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 3 {
		for i, name := range weekdayFullNames {
			if strings.HasPrefix(name, s) {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("%q is not a day; use Mon, Tue, Wed, Thu, Fri, Sat or Sun", s)
}

func parseHours(s string) (int, int, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q: write hours as HH:MM-HH:MM", s)
	}
	start, err := parseClock(from)
	if err != nil {
		return 0, 0, err
	}
	end, err := parseClock(to)
	if err != nil {
		return 0, 0, err
	}
	if end <= start {
		return 0, 0, fmt.Errorf("%q ends before it starts", s)
	}
	return start, end, nil
}

func parseClock(s string) (int, error) {
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day; use HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String writes the windows back in the form ParseWindows reads.
func (ws Windows) String() string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%s %02d:%02d-%02d:%02d", w.daysString(), w.Start/60, w.Start%60, w.End/60, w.End%60))
	}
	return strings.Join(parts, "; ")
}

func (w Window) daysString() string {
	var runs []string
	for d := 0; d < 7; {
		if !w.Days[d] {
			d++
			continue
		}
		end := d
		for end+1 < 7 && w.Days[end+1] {
			end++
		}
		name := strings.ToUpper(weekdayNames[d][:1]) + weekdayNames[d][1:]
		if end == d {
			runs = append(runs, name)
		} else {
			runs = append(runs, name+"-"+strings.ToUpper(weekdayNames[end][:1])+weekdayNames[end][1:])
		}
		d = end + 1
	}
	return strings.Join(runs, ",")
}

// ranges returns the windows open on the calendar day of day (in its
// location) as absolute times.
func (ws Windows) ranges(day time.Time) [][2]time.Time {
	y, m, d := day.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, day.Location())
	var out [][2]time.Time
	for _, w := range ws {
		if !w.Days[midnight.Weekday()] {
			continue
		}
		out = append(out, [2]time.Time{
			time.Date(y, m, d, w.Start/60, w.Start%60, 0, 0, day.Location()),
			time.Date(y, m, d, w.End/60, w.End%60, 0, 0, day.Location()),
		})
	}
	return out
}

// Contains reports whether [start, end) lies inside one window in loc.
func (ws Windows) Contains(start, end time.Time, loc *time.Location) bool {
	for _, r := range ws.ranges(start.In(loc)) {
		if !start.Before(r[0]) && !end.After(r[1]) {
			return true
		}
	}
	return false
}
