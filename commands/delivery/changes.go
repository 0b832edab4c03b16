// Package delivery is the outbox side of the capabilities: what a change
// enqueues (the announcement, thread lines, subscribers' notifications,
// reminders) and how each kind of message is rendered when it is sent.
package delivery

import (
	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Event is a change worth telling people about.
type Event string

// The changes, in the words the thread and the notifications use.
const (
	EvPlanned     Event = "planned"
	EvEdited      Event = "edited"
	EvRescheduled Event = "rescheduled"
	EvApproved    Event = "approved"
	EvRejected    Event = "rejected"
	EvResubmitted Event = "resubmitted"
	EvCancelled   Event = "cancelled"
	EvStarted     Event = "started"
	EvCompleted   Event = "completed"
	EvFailed      Event = "failed"
	EvRolledBack  Event = "rolled back"
	EvExpired     Event = "expired"
)

// subscriberEvents are the changes subscribers hear about. An edit is one:
// a new time, owner or impact matters to them as much as a reschedule.
var subscriberEvents = map[Event]bool{
	EvPlanned: true, EvEdited: true, EvRescheduled: true, EvApproved: true, EvRejected: true, EvCancelled: true,
	EvStarted: true, EvCompleted: true, EvFailed: true, EvRolledBack: true,
	EvExpired: true,
}

// RecordChange enqueues, in the change's own transaction, everything the
// change causes: the announcement (new or updated), a line in its thread,
// the subscribers' notifications and the reminders. note is the thread
// line's detail, as mrkdwn: callers escape what people typed.
func RecordChange(tx *storage.Tx, r *storage.Release, ev Event, actor, note string) error {
	return recordChange(tx, r, ev, actor, note, false)
}

// RecordEdit records an edit from the form. One that moved the release's
// window is a milestone (moved), which subscribers at every level hear, as
// they hear a reschedule.
func RecordEdit(tx *storage.Tx, r *storage.Release, actor, note string, moved bool) error {
	return recordChange(tx, r, EvEdited, actor, note, moved)
}

func recordChange(tx *storage.Tx, r *storage.Release, ev Event, actor, note string, milestone bool) error {
	if ev == EvPlanned {
		if _, err := tx.Enqueue(announce(r)); err != nil {
			return err
		}
	} else {
		if err := UpdateAnnouncement(tx, r); err != nil {
			return err
		}
		if _, err := tx.Enqueue(threadNote(r, ev, threadLine(r, ev, actor, threadNoteOf(ev, note)))); err != nil {
			return err
		}
	}
	if subscriberEvents[ev] {
		if err := notifySubscribers(tx, r, ev, actor, note, milestone); err != nil {
			return err
		}
	}
	return replanReminders(tx, r, ev)
}

// threadNoteOf is what the release thread, which the whole channel reads,
// shows of a change's note: a rejection's reason is internal and goes to
// the owner and the approvers only.
func threadNoteOf(ev Event, note string) string {
	if ev == EvRejected {
		return ""
	}
	return note
}

// notifySubscribers enqueues one message per subscriber of the release's
// service (or of every service) and environment who hears of ev at their
// level, or of every milestone.
func notifySubscribers(tx *storage.Tx, r *storage.Release, ev Event, actor, note string, milestone bool) error {
	subs, err := tx.SubscribersOf(r.Service, r.Environment)
	if err != nil {
		return err
	}
	subs, err = withStakeholders(tx, r, subs)
	if err != nil {
		return err
	}
	if ev == EvRejected {
		// The reasons are internal: the owner and the approvers read them.
		note = ""
	}
	msg := notification(r, ev, actor, note)
	payload := bot.MustJSON(msg)
	zones, err := userZones(tx, subs)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, sub := range subs {
		if seen[sub.Target] || !milestone && !hears(LevelOf(sub.Level, sub.TargetKind), ev) {
			continue
		}
		seen[sub.Target] = true
		payload := payload
		if sub.TargetKind == "user" {
			payload = bot.MustJSON(inZone(msg, r, ev, zones[sub.Target]))
		}
		if _, err := tx.Enqueue(notificationTo(r, ev, sub.Target, payload)); err != nil {
			return err
		}
	}
	return nil
}

// replanReminders drops the release's pending reminders when it moves or ends
// and plans the ones its new state needs.
func replanReminders(tx *storage.Tx, r *storage.Release, ev Event) error {
	switch ev {
	case EvPlanned, EvRescheduled, EvEdited, EvResubmitted, EvApproved, EvRejected:
	default:
		// Cancelled, started or finished: nothing ahead to remind of,
		// except the end-of-window check for a started release.
		if _, err := tx.DropPending(r.ID, reminderKinds...); err != nil {
			return err
		}
		if ev == EvStarted {
			return planOverdue(tx, r)
		}
		return nil
	}
	if ev == EvApproved {
		return planHeadsUps(tx, r)
	}
	if ev == EvRejected {
		return nil // the time did not change
	}
	// A release planned in this change has no reminders to drop yet.
	if ev != EvPlanned {
		if _, err := tx.DropPending(r.ID, reminderKinds...); err != nil {
			return err
		}
	}
	return planReminders(tx, r)
}

// planReminders enqueues the T-24h and T-1h reminders (to the owner and in
// the release thread) and the not-started check. A lead whose time has
// already passed is skipped, except the nearest one, which goes at once:
// a release planned 50 minutes ahead gets its T-1h reminder now, not its
// T-24h one. They are keyed by the start time, and Replan brings back a
// reminder the same change just dropped (an edit that kept the time, a
// move back to an earlier time) while never repeating one already sent.
func planReminders(tx *storage.Tx, r *storage.Release) error {
	for _, d := range release.ReminderPlan(r.StartAt, tx.Now()) {
		for _, who := range []string{"owner", "thread"} {
			if _, err := tx.Replan(plannedReminder(r, d.Lead, d.At, who)); err != nil {
				return err
			}
		}
	}
	return planOverdue(tx, r)
}

// planOverdue enqueues the owner's warning for a release not started 30
// minutes after its start, or (once started) not finished when its window
// ends; the resolver drops it if the release moved on in the meantime.
func planOverdue(tx *storage.Tx, r *storage.Release) error {
	_, err := tx.Replan(plannedOverdue(r))
	return err
}
