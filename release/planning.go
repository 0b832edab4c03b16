package release

import "time"

// NotEditable refuses a change to a release that has started, finished or
// been cancelled.
type NotEditable struct{ Status Status }

func (e *NotEditable) Error() string {
	return "a release that is " + e.Status.Label() + " cannot be changed"
}

// StillEditable says whether a release in status st may still be edited,
// rescheduled or otherwise changed: only before it starts.
func StillEditable(st Status) error {
	if !st.Active() || st == StatusInProgress {
		return &NotEditable{Status: st}
	}
	return nil
}

// FreezeOverride reports whether a release of type t may run during a
// freeze: only an emergency, and only with a reason on record (typed now
// or kept from when it was planned).
func FreezeOverride(t Type, reason string) bool {
	return t == TypeEmergency && reason != ""
}

// ReminderLeads are the reminders before a release's start.
var ReminderLeads = []time.Duration{24 * time.Hour, time.Hour}

// OverdueStartGrace is how late a start may be before the owner is asked.
const OverdueStartGrace = 30 * time.Minute

// Reminder is one planned reminder: its lead before the start and when
// it goes out.
type Reminder struct {
	Lead time.Duration
	At   time.Time
}

// ReminderPlan is the reminders a release starting at start gets when it
// is planned or moved at now. A lead whose time has already passed is
// skipped, except the nearest one, which goes at once: a release planned
// 50 minutes ahead gets its T-1h reminder now, not its T-24h one.
func ReminderPlan(start, now time.Time) []Reminder {
	var out []Reminder
	nearestPassed := time.Duration(-1)
	for _, lead := range ReminderLeads {
		at := start.Add(-lead)
		if at.After(now) {
			out = append(out, Reminder{lead, at})
		} else if nearestPassed < 0 || lead < nearestPassed {
			nearestPassed = lead
		}
	}
	if nearestPassed >= 0 && start.After(now) {
		out = append(out, Reminder{nearestPassed, now})
	}
	return out
}

// OverdueCheck is when the owner is asked about a release that is late:
// not started OverdueStartGrace after its start, or, once started, not
// finished when its window ends. what is "start" or "finish".
func OverdueCheck(st Status, start, end time.Time) (at time.Time, what string) {
	if st == StatusInProgress {
		return end, "finish"
	}
	return start.Add(OverdueStartGrace), "start"
}

// Working hours in an approver's own time zone, when nudges may be sent.
const (
	WorkdayStart = 9
	WorkdayEnd   = 18
	// EscalateBefore is how close to its start an unapproved release has
	// the admins told.
	EscalateBefore = 2 * time.Hour
)

// NudgeNumber is which nudge an approver who has not decided is due at
// now, for a round opened at opened and a nudge every interval; 0 means
// none yet. Nudges are keyed by it, so each goes out once.
func NudgeNumber(opened, now time.Time, interval time.Duration) int {
	if interval <= 0 {
		return 0
	}
	return int(now.Sub(opened) / interval)
}

// WorkingHours reports whether local (a time in the approver's zone) is
// within working hours on a weekday.
func WorkingHours(local time.Time) bool {
	if local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
		return false
	}
	return local.Hour() >= WorkdayStart && local.Hour() < WorkdayEnd
}

// Escalate reports whether an unapproved release starting at start is
// close enough at now for the admins to be told.
func Escalate(start, now time.Time) bool { return start.Sub(now) <= EscalateBefore }
