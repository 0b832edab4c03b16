package release

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// utc reads "2006-01-02 15:04" in UTC.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOverlaps(t *testing.T) {
	h := func(n int) time.Time { return time.Date(2026, 3, 2, n, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		a0, a1, b0, b1 int
		want           bool
	}{
		{9, 11, 10, 12, true},
		{10, 12, 9, 11, true},
		{9, 12, 10, 11, true}, // b inside a
		{10, 11, 9, 12, true}, // a inside b
		{9, 10, 10, 11, false},
		{10, 11, 9, 10, false}, // back to back
		{9, 10, 11, 12, false},
	} {
		if got := Overlaps(h(tc.a0), h(tc.a1), h(tc.b0), h(tc.b1)); got != tc.want {
			t.Errorf("Overlaps(%d-%d, %d-%d) = %v, want %v", tc.a0, tc.a1, tc.b0, tc.b1, got, tc.want)
		}
	}
}

func TestConflicts(t *testing.T) {
	slot := func(id ID, service, env, from, to string, st Status) Slot {
		return Slot{ID: id, Service: service, Version: "1.0", Environment: env, Start: utc(t, "2026-03-02 "+from), End: utc(t, "2026-03-02 "+to), Status: st}
	}
	candidate := slot(0, "billing", "production", "10:00", "11:00", "")
	others := []Slot{
		slot(1, "billing", "staging", "10:30", "11:30", StatusPlanned),       // same service
		slot(2, "search", "production", "09:00", "10:30", StatusApproved),    // same environment
		slot(3, "search", "staging", "10:00", "11:00", StatusPlanned),        // neither
		slot(4, "billing", "production", "11:00", "12:00", StatusPlanned),    // back to back
		slot(5, "billing", "production", "10:00", "11:00", StatusCancelled),  // not active
		slot(6, "billing", "production", "10:00", "11:00", StatusCompleted),  // not active
		slot(7, "billing", "production", "10:15", "10:45", StatusInProgress), // both
		slot(8, "billing", "production", "09:00", "09:30", StatusPlanned),    // before
		slot(9, "search", "production", "10:59", "12:00", StatusRejected),    // rejected still holds its slot
	}
	got := Conflicts(candidate, others)
	var desc []string
	for _, c := range got {
		desc = append(desc, fmt.Sprintf("%s:%v/%v", c.Other.ID, c.SameService, c.SameEnvironment))
	}
	want := "R-2:false/true R-7:true/true R-1:true/false R-9:false/true"
	if strings.Join(desc, " ") != want {
		t.Fatalf("conflicts %q, want %q", strings.Join(desc, " "), want)
	}

	// An edit does not conflict with the release being edited.
	candidate.ID = 7
	for _, c := range Conflicts(candidate, others) {
		if c.Other.ID == 7 {
			t.Fatalf("the release conflicts with itself")
		}
	}
	if len(Conflicts(candidate, nil)) != 0 {
		t.Fatalf("conflicts with nothing")
	}
}

func TestFreezesHit(t *testing.T) {
	freezes := []Freeze{
		{ID: 1, Start: utc(t, "2026-03-02 12:00"), End: utc(t, "2026-03-03 00:00"), Reason: "all envs"},
		{ID: 2, Environment: "staging", Start: utc(t, "2026-03-02 00:00"), End: utc(t, "2026-03-04 00:00"), Reason: "staging only"},
		{ID: 3, Start: utc(t, "2026-03-02 08:00"), End: utc(t, "2026-03-02 10:00"), Reason: "ends as it starts"},
	}
	for _, tc := range []struct {
		env, from, to, want string
	}{
		{"production", "2026-03-02 10:00", "2026-03-02 11:00", ""},
		{"production", "2026-03-02 11:30", "2026-03-02 12:30", "1"},
		{"staging", "2026-03-02 10:00", "2026-03-02 11:00", "2"},
		{"staging", "2026-03-02 09:00", "2026-03-02 13:00", "1,2,3"},
		{"production", "2026-03-02 07:00", "2026-03-02 08:00", ""},
		{"production", "2026-03-02 09:59", "2026-03-02 10:30", "3"},
	} {
		cand := Slot{Service: "billing", Environment: tc.env, Start: utc(t, tc.from), End: utc(t, tc.to)}
		var ids []string
		for _, f := range FreezesHit(cand, freezes) {
			ids = append(ids, fmt.Sprint(f.ID))
		}
		if got := strings.Join(ids, ","); got != tc.want {
			t.Errorf("%s %s–%s hits %q, want %q", tc.env, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	windows, err := ParseWindows("Mon-Thu 09:00-16:00")
	if err != nil {
		t.Fatal(err)
	}
	berlin := mustLoad(t, "Europe/Berlin")
	release := func(id ID, service, env, from, to string, st Status) Slot {
		return Slot{ID: id, Service: service, Version: "1.0", Environment: env, Start: utc(t, from), End: utc(t, to), Status: st}
	}
	// 2026-03-01 is a Sunday; Europe/Berlin moves to summer time on 2026-03-29.
	for _, tc := range []struct {
		name     string
		after    string
		loc      *time.Location
		duration time.Duration
		releases []Slot
		freezes  []Freeze
		count    int
		horizon  time.Duration
		want     []string // starts in UTC
		why      []string // a part of each slot's reason
	}{
		{
			name: "empty calendar: the next three window mornings", after: "2026-03-01 12:00",
			want: []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00"},
			why:  []string{"inside the Mon 09:00–16:00 release window, no freeze near, no other production release that day", "Tue 09:00–16:00", "Wed 09:00–16:00"},
		},
		{
			name: "today, from the next half hour", after: "2026-03-02 10:10",
			want: []string{"2026-03-02 10:30", "2026-03-03 09:00", "2026-03-04 09:00"},
		},
		{
			name: "too late today for the whole release", after: "2026-03-02 15:10",
			want: []string{"2026-03-03 09:00", "2026-03-04 09:00", "2026-03-05 09:00"},
		},
		{
			name: "a release as long as the window fits exactly", after: "2026-03-01 12:00", duration: 7 * time.Hour,
			want: []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00"},
		},
		{
			name: "a release longer than the window never fits", after: "2026-03-01 12:00", duration: 7*time.Hour + 30*time.Minute,
		},
		{
			name: "conflicts on the service or the environment are avoided", after: "2026-03-01 12:00",
			releases: []Slot{
				release(1, "billing", "staging", "2026-03-02 09:00", "2026-03-02 11:00", StatusPlanned),      // same service
				release(2, "search", "production", "2026-03-03 09:00", "2026-03-03 10:00", StatusApproved),   // same environment
				release(3, "search", "staging", "2026-03-04 09:00", "2026-03-04 12:00", StatusPlanned),       // neither
				release(4, "billing", "production", "2026-03-04 09:00", "2026-03-04 12:00", StatusCancelled), // not active
			},
			want: []string{"2026-03-02 11:00", "2026-03-03 10:00", "2026-03-04 09:00"},
			why:  []string{"no other production release that day", "1 other production release that day, not overlapping", "no other production release that day"},
		},
		{
			name: "a busy day is skipped", after: "2026-03-01 12:00",
			releases: []Slot{
				release(1, "billing", "production", "2026-03-02 09:00", "2026-03-02 16:00", StatusApproved),
				release(2, "search", "production", "2026-03-03 09:00", "2026-03-03 12:00", StatusPlanned),
				release(3, "auth", "production", "2026-03-03 12:00", "2026-03-03 15:30", StatusPlanned),
			},
			want: []string{"2026-03-04 09:00", "2026-03-05 09:00", "2026-03-09 09:00"},
		},
		{
			name: "the day before a freeze and the freeze itself are skipped", after: "2026-03-01 12:00",
			freezes: []Freeze{{ID: 1, Start: utc(t, "2026-03-05 00:00"), End: utc(t, "2026-03-09 00:00"), Reason: "quarter close"}},
			// Wed 4th is the day before; Thu 5th is frozen; Fri–Sun are no window days.
			want: []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-09 09:00"},
		},
		{
			name: "the day a freeze begins is skipped too", after: "2026-03-01 12:00",
			freezes: []Freeze{{ID: 1, Start: utc(t, "2026-03-04 18:00"), End: utc(t, "2026-03-04 23:00"), Reason: "migration"}},
			// Tue 3rd is the day before, Wed 4th the day it begins.
			want: []string{"2026-03-02 09:00", "2026-03-05 09:00", "2026-03-09 09:00"},
		},
		{
			name: "a freeze of another environment does not count", after: "2026-03-01 12:00",
			freezes: []Freeze{{ID: 1, Environment: "staging", Start: utc(t, "2026-03-02 00:00"), End: utc(t, "2026-03-09 00:00"), Reason: "staging rebuild"}},
			want:    []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00"},
		},
		{
			name: "a freeze that ends inside a window frees the rest of the day", after: "2026-03-01 12:00",
			freezes: []Freeze{{ID: 1, Start: utc(t, "2026-03-01 00:00"), End: utc(t, "2026-03-02 12:00"), Reason: "weekend"}},
			want:    []string{"2026-03-02 12:00", "2026-03-03 09:00", "2026-03-04 09:00"},
		},
		{
			name: "windows are read in their zone, across the change to summer time", after: "2026-03-25 20:00", loc: berlin,
			// 09:00 CET is 08:00 UTC; from 29 March 09:00 CEST is 07:00 UTC.
			want: []string{"2026-03-26 08:00", "2026-03-30 07:00", "2026-03-31 07:00"},
			why:  []string{"Thu 09:00–16:00", "Mon 09:00–16:00", "Tue 09:00–16:00"},
		},
		{
			name: "and back to winter time", after: "2026-10-21 20:00", loc: berlin,
			// Europe/Berlin returns to CET on 25 October 2026.
			want: []string{"2026-10-22 07:00", "2026-10-26 08:00", "2026-10-27 08:00"},
		},
		{
			name: "count and horizon", after: "2026-03-01 12:00", count: 5, horizon: 4 * 24 * time.Hour,
			want: []string{"2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 09:00", "2026-03-05 09:00"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.duration == 0 {
				tc.duration = time.Hour
			}
			got := Suggest(SuggestRequest{
				Service: "billing", Environment: "production", Duration: tc.duration, After: utc(t, tc.after),
				Location: tc.loc, Windows: windows, Releases: tc.releases, Freezes: tc.freezes, Count: tc.count, Horizon: tc.horizon,
			})
			var starts []string
			for _, s := range got {
				starts = append(starts, s.Start.UTC().Format("2006-01-02 15:04"))
				if s.End.Sub(s.Start) != tc.duration {
					t.Errorf("slot %v–%v is not %v long", s.Start, s.End, tc.duration)
				}
				loc := tc.loc
				if loc == nil {
					loc = time.UTC
				}
				if !windows.Contains(s.Start, s.End, loc) {
					t.Errorf("slot %v is outside the windows", s.Start)
				}
			}
			if strings.Join(starts, ", ") != strings.Join(tc.want, ", ") {
				t.Fatalf("suggested\n  %s\nwant\n  %s", strings.Join(starts, ", "), strings.Join(tc.want, ", "))
			}
			for i, part := range tc.why {
				if !strings.Contains(got[i].Why, part) {
					t.Errorf("slot %d: why %q lacks %q", i, got[i].Why, part)
				}
			}
		})
	}
}

// Releases that touch the same component conflict wherever they run.
func TestConflictsThroughComponents(t *testing.T) {
	slot := func(id ID, service, env, from, to string, st Status, comps ...string) Slot {
		return Slot{ID: id, Service: service, Version: "1.0", Environment: env, Start: utc(t, "2026-03-02 "+from), End: utc(t, "2026-03-02 "+to), Status: st, Components: comps}
	}
	candidate := slot(0, "billing", "production", "10:00", "11:00", "", "api", "worker", "db")
	for _, tc := range []struct {
		name  string
		other Slot
		want  string // "" means no conflict
	}{
		{"shares api, another service and environment", slot(1, "search", "staging", "10:30", "11:30", StatusPlanned, "api"), "R-1:false/false[api]"},
		{"shares two, sorted", slot(2, "search", "staging", "10:30", "11:30", StatusApproved, "worker", "db", "cache"), "R-2:false/false[db worker]"},
		{"shares none", slot(3, "search", "staging", "10:30", "11:30", StatusPlanned, "cache"), ""},
		{"no components", slot(4, "search", "staging", "10:30", "11:30", StatusPlanned), ""},
		{"shares api, back to back", slot(5, "search", "staging", "11:00", "12:00", StatusPlanned, "api"), ""},
		{"shares api, not active", slot(6, "search", "staging", "10:30", "11:30", StatusCancelled, "api"), ""},
		{"shares api, in progress", slot(7, "search", "staging", "09:30", "10:30", StatusInProgress, "api"), "R-7:false/false[api]"},
		{"same environment and component", slot(8, "search", "production", "10:30", "11:30", StatusPlanned, "api"), "R-8:false/true[api]"},
		{"case matters, as in the database", slot(9, "search", "staging", "10:30", "11:30", StatusPlanned, "API"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			for _, c := range Conflicts(candidate, []Slot{tc.other}) {
				got = fmt.Sprintf("%s:%v/%v%v", c.Other.ID, c.SameService, c.SameEnvironment, c.SharedComponents)
			}
			if got != tc.want {
				t.Fatalf("conflict %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSharedComponents(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want string
	}{
		{nil, nil, "[]"},
		{[]string{"api"}, nil, "[]"},
		{[]string{"api", "db"}, []string{"db", "api", "db"}, "[api db]"},
		{[]string{"web"}, []string{"api"}, "[]"},
	} {
		if got := fmt.Sprint(SharedComponents(tc.a, tc.b)); got != tc.want {
			t.Errorf("SharedComponents(%v, %v) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
