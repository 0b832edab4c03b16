package release

import (
	"strings"
	"testing"
	"time"
)

func TestParseWindows(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"Mon-Thu 09:00-16:00", "Mon-Thu 09:00-16:00"},
		{"mon-thu 09:00-16:00", "Mon-Thu 09:00-16:00"},
		{"Monday-Thursday 09:00-16:00", "Mon-Thu 09:00-16:00"},
		{"Mon-Thu 09:00-16:00; Fri 09:00-12:00", "Mon-Thu 09:00-16:00; Fri 09:00-12:00"},
		{" Mon-Thu 09:00-16:00 ;; Fri 09:00-12:00 ; ", "Mon-Thu 09:00-16:00; Fri 09:00-12:00"},
		{"Mon,Wed 10:00-12:00", "Mon,Wed 10:00-12:00"},
		{"Fri-Mon 22:00-24:00", "Sun-Mon,Fri-Sat 22:00-24:00"}, // a range may wrap around the week
		{"Sun-Sat 00:00-24:00", "Sun-Sat 00:00-24:00"},
		{"Tue,Mon,Tue 08:30-09:15", "Mon-Tue 08:30-09:15"},
	} {
		ws, err := ParseWindows(tc.in)
		if err != nil {
			t.Errorf("ParseWindows(%q): %v", tc.in, err)
			continue
		}
		if got := ws.String(); got != tc.want {
			t.Errorf("ParseWindows(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		// String writes what ParseWindows reads.
		again, err := ParseWindows(ws.String())
		if err != nil || again.String() != ws.String() {
			t.Errorf("round trip of %q: %q, %v", ws.String(), again.String(), err)
		}
	}
}

func TestParseWindowsErrors(t *testing.T) {
	for _, tc := range []struct {
		in, errPart string
	}{
		{"", "no release window given"},
		{" ; ", "no release window given"},
		{"Mon-Thu", "write a window as days and hours"},
		{"Mon-Thu 09:00 16:00", "write a window as days and hours"},
		{"Funday 09:00-16:00", `"funday" is not a day`},
		{"Mo-Th 09:00-16:00", `"mo" is not a day`},
		{"Mon,,Tue 09:00-16:00", `"" is not a day`},
		{"Mon-Thu 0900", "write hours as HH:MM-HH:MM"},
		{"Mon-Thu 9-5", `"9" is not a time of day; use HH:MM`},
		{"Mon-Thu 09:00-25:00", `"25:00" is not a time of day`},
		{"Mon-Thu 16:00-09:00", "ends before it starts"},
		{"Mon-Thu 09:00-09:00", "ends before it starts"},
	} {
		if _, err := ParseWindows(tc.in); err == nil || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("ParseWindows(%q) = %v, want an error with %q", tc.in, err, tc.errPart)
		}
	}
}

func TestWindowsContains(t *testing.T) {
	ws, err := ParseWindows("Mon-Thu 09:00-16:00")
	if err != nil {
		t.Fatal(err)
	}
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		start, end string
		want       bool
	}{
		{"2026-03-02 09:00", "2026-03-02 10:00", true},  // Monday
		{"2026-03-02 15:00", "2026-03-02 16:00", true},  // ends exactly at the window's end
		{"2026-03-02 08:59", "2026-03-02 10:00", false}, // starts too early
		{"2026-03-02 15:30", "2026-03-02 16:30", false}, // runs past the end
		{"2026-03-06 10:00", "2026-03-06 11:00", false}, // Friday
		{"2026-03-29 10:00", "2026-03-29 11:00", false}, // Sunday, the day the clocks change
		{"2026-03-30 09:00", "2026-03-30 10:00", true},  // Monday after the change: still 09:00 local
	} {
		if got := ws.Contains(at(tc.start), at(tc.end), berlin); got != tc.want {
			t.Errorf("Contains(%s–%s) = %v, want %v", tc.start, tc.end, got, tc.want)
		}
	}
	// The same instant read in another zone is outside the window.
	if ws.Contains(at("2026-03-02 09:00"), at("2026-03-02 10:00"), time.UTC) {
		t.Errorf("08:00 UTC is not inside 09:00-16:00 UTC")
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
