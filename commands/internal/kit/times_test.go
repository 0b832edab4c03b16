package kit

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseLocal(t *testing.T) {
	berlin, ny := mustLoad(t, "Europe/Berlin"), mustLoad(t, "America/New_York")
	for _, tc := range []struct {
		date, clock string
		loc         *time.Location
		want        string // RFC 3339 in UTC, or an error part
	}{
		{"2026-03-10", "10:00", berlin, "2026-03-10T09:00:00Z"},
		{"2026-07-10", "10:00", berlin, "2026-07-10T08:00:00Z"},
		{"2026-03-10", "10:00", ny, "2026-03-10T14:00:00Z"},
		{"2026-03-05", "10:00", ny, "2026-03-05T15:00:00Z"},
		{"2026-03-10", "9:05", time.UTC, "2026-03-10T09:05:00Z"},
		{"2026-03-10", "00:00", time.UTC, "2026-03-10T00:00:00Z"},
		{"2026-03-10", "23:59", time.UTC, "2026-03-10T23:59:00Z"},
		// Spring forward: the hour from 02:00 does not exist.
		{"2026-03-29", "02:00", berlin, "error: 2026-03-29 02:00 does not exist in Europe/Berlin (the clocks change that night)"},
		{"2026-03-29", "02:59", berlin, "error: does not exist"},
		{"2026-03-29", "03:00", berlin, "2026-03-29T01:00:00Z"},
		{"2026-03-08", "02:30", ny, "error: 2026-03-08 02:30 does not exist in America/New_York"},
		// Fall back: 02:30 happens twice; the first (summer time) is meant.
		{"2026-10-25", "02:30", berlin, "2026-10-25T00:30:00Z"},
		{"2026-03-10", "24:00", time.UTC, `error: "24:00" is not a time`},
		{"2026-03-10", "10:60", time.UTC, `error: "10:60" is not a time`},
		{"2026-3-10", "10:00", time.UTC, `error: "2026-3-10" is not a date`},
		{"2026-13-01", "10:00", time.UTC, `error: "2026-13-01" is not a date`},
		{"<@U1>", "10:00", time.UTC, `error: "‹@U1›" is not a date`},
	} {
		got, err := ParseLocal(tc.date, tc.clock, tc.loc)
		if part, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), part) {
				t.Errorf("ParseLocal(%s %s, %s) = %v, %v; want an error with %q", tc.date, tc.clock, tc.loc, got, err, part)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("ParseLocal(%s %s, %s) = %v, %v; want %s", tc.date, tc.clock, tc.loc, got.Format(time.RFC3339), err, tc.want)
		}
	}
}
