package release

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStillEditable(t *testing.T) {
	for _, c := range []struct {
		st Status
		ok bool
	}{
		{StatusPlanned, true}, {StatusApproved, true}, {StatusRejected, true},
		{StatusInProgress, false}, {StatusCompleted, false}, {StatusFailed, false}, {StatusRolledBack, false}, {StatusCancelled, false},
	} {
		err := StillEditable(c.st)
		var ne *NotEditable
		if c.ok != (err == nil) || (!c.ok && (!errors.As(err, &ne) || ne.Status != c.st)) {
			t.Errorf("StillEditable(%s) = %v", c.st, err)
		}
	}
}

func TestFreezeOverride(t *testing.T) {
	for _, c := range []struct {
		t      Type
		reason string
		want   bool
	}{
		{TypeEmergency, "outage", true}, {TypeEmergency, "", false}, {TypeNormal, "outage", false}, {TypeStandard, "", false},
	} {
		if got := FreezeOverride(c.t, c.reason); got != c.want {
			t.Errorf("FreezeOverride(%s, %q) = %v", c.t, c.reason, got)
		}
	}
}

func TestReminderPlan(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		start time.Time
		want  []Reminder
	}{
		{"days ahead: both on time", now.Add(72 * time.Hour), []Reminder{{24 * time.Hour, now.Add(48 * time.Hour)}, {time.Hour, now.Add(71 * time.Hour)}}},
		{"five hours ahead: T-24h at once, T-1h on time", now.Add(5 * time.Hour), []Reminder{{time.Hour, now.Add(4 * time.Hour)}, {24 * time.Hour, now}}},
		{"50 minutes ahead: only T-1h, at once", now.Add(50 * time.Minute), []Reminder{{time.Hour, now}}},
		{"started: none", now.Add(-time.Minute), nil},
	}
	for _, c := range cases {
		if got := ReminderPlan(c.start, now); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestOverdueCheck(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	if at, what := OverdueCheck(StatusApproved, start, end); what != "start" || !at.Equal(start.Add(30*time.Minute)) {
		t.Errorf("approved: %s at %s", what, at)
	}
	if at, what := OverdueCheck(StatusInProgress, start, end); what != "finish" || !at.Equal(end) {
		t.Errorf("in progress: %s at %s", what, at)
	}
}

func TestNudgeCadence(t *testing.T) {
	opened := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{0, 0}, {3*time.Hour + 59*time.Minute, 0}, {4 * time.Hour, 1}, {9 * time.Hour, 2}} {
		if got := NudgeNumber(opened, opened.Add(c.after), 4*time.Hour); got != c.want {
			t.Errorf("after %s: nudge %d, want %d", c.after, got, c.want)
		}
	}
	if NudgeNumber(opened, opened.Add(time.Hour), 0) != 0 {
		t.Error("no interval, still a nudge")
	}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{opened, true}, {opened.Add(-time.Minute), false}, {opened.Add(8*time.Hour + 59*time.Minute), true},
		{opened.Add(9 * time.Hour), false}, {opened.AddDate(0, 0, 5), false}, // Saturday
	} {
		if got := WorkingHours(c.at); got != c.want {
			t.Errorf("WorkingHours(%s) = %v", c.at, got)
		}
	}
	if !Escalate(opened.Add(2*time.Hour), opened) || Escalate(opened.Add(2*time.Hour+time.Minute), opened) {
		t.Error("escalation is due exactly two hours ahead")
	}
}
