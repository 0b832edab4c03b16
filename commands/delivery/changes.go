// Package delivery is the outbox side of the capabilities: what a change
// enqueues (the announcement, thread lines, subscribers' notifications,
// reminders) and how each kind of message is rendered when it is sent.
package delivery

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Event is a change worth telling people about.
type Event string

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
)

// subscriberEvents are the changes subscribers hear about. An edit is one:
// a new time, owner or impact matters to them as much as a reschedule.
var subscriberEvents = map[Event]bool{
	EvPlanned: true, EvEdited: true, EvRescheduled: true, EvApproved: true, EvRejected: true, EvCancelled: true,
	EvStarted: true, EvCompleted: true, EvFailed: true, EvRolledBack: true,
}

// Outbox kinds the resolver renders when they are delivered.
const (
	KindAnnouncement       = storage.KindAnnouncement
	KindAnnouncementUpdate = "announcement_update"
	KindThread             = "thread_note"
	KindNotification       = "notification"
	KindDirect             = "direct"
	KindApprovalRequest    = storage.KindApprovalRequest
	KindApprovalDMUpdate   = "approval_dm_update"
	KindRoundProgress      = storage.KindRoundProgress
	KindProgressUpdate     = "round_progress_update"
	KindReminder           = "reminder"
	KindOverdue            = "overdue"
	KindNudge              = "approval_nudge"
	KindEscalation         = "approval_escalation"
	KindDigest             = "digest"
)

// reminderKinds are dropped when a release moves or ends.
var reminderKinds = []string{KindReminder, KindOverdue, KindNudge, KindEscalation}

// RecordChange enqueues, in the change's own transaction, everything the
// change causes: the announcement (new or updated), a line in its thread,
// the subscribers' notifications and the reminders. note is the thread
// line's detail, as mrkdwn: callers escape what people typed.
func RecordChange(tx *storage.Tx, r *storage.Release, ev Event, actor, note string) error {
	rid := r.ID
	if ev == EvPlanned {
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key: fmt.Sprintf("announce:%d", r.ID), Kind: KindAnnouncement, ReleaseID: &rid,
			Channel: r.Channel, Op: storage.OpPost,
		}); err != nil {
			return err
		}
	} else {
		if err := UpdateAnnouncement(tx, r); err != nil {
			return err
		}
		line := threadLine(r, ev, actor, note)
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key: fmt.Sprintf("thread:%d:%d:%s", r.ID, r.Revision, ev), Kind: KindThread, ReleaseID: &rid,
			Op: storage.OpThread, Payload: bot.MustJSON(bot.Message{Text: line}),
		}); err != nil {
			return err
		}
	}
	if subscriberEvents[ev] {
		if err := notifySubscribers(tx, r, ev, actor, note); err != nil {
			return err
		}
	}
	return replanReminders(tx, r, ev)
}

// UpdateAnnouncement re-renders the announcement from the current state
// when it is delivered, so updates can never arrive out of order.
func UpdateAnnouncement(tx *storage.Tx, r *storage.Release) error {
	rid := r.ID
	_, err := tx.Enqueue(&storage.OutboxMessage{
		Key: fmt.Sprintf("announce-update:%d:%d", r.ID, r.Revision), Kind: KindAnnouncementUpdate, ReleaseID: &rid,
		Op: storage.OpUpdate,
	})
	return err
}

func threadLine(r *storage.Release, ev Event, actor, note string) string {
	who := bot.Mention(actor)
	var line string
	switch ev {
	case EvEdited:
		line = fmt.Sprintf(":pencil2: Edited by %s", who)
	case EvRescheduled:
		line = fmt.Sprintf(":calendar: Rescheduled by %s to %s", who, kit.When(r))
	case EvApproved:
		line = ":white_check_mark: Approved — ready to start"
	case EvRejected:
		line = fmt.Sprintf(":no_entry: Rejected by %s", who)
	case EvResubmitted:
		line = fmt.Sprintf(":arrows_counterclockwise: Resubmitted for approval by %s", who)
	case EvCancelled:
		line = fmt.Sprintf(":heavy_multiplication_x: Cancelled by %s", who)
	case EvStarted:
		line = fmt.Sprintf(":rocket: Started by %s", who)
	case EvCompleted:
		line = fmt.Sprintf(":tada: Completed, reported by %s", who)
	case EvFailed:
		line = fmt.Sprintf(":x: Failed, reported by %s", who)
	case EvRolledBack:
		line = fmt.Sprintf(":leftwards_arrow_with_hook: Rolled back, reported by %s", who)
	default:
		line = fmt.Sprintf("%s by %s", ev, who)
	}
	if note != "" {
		line += ": " + note
	}
	return line
}

// notifySubscribers enqueues one message per subscriber of the release's
// service (or of every service) and environment.
func notifySubscribers(tx *storage.Tx, r *storage.Release, ev Event, actor, note string) error {
	subs, err := tx.SubscribersOf(r.Service, r.Environment)
	if err != nil {
		return err
	}
	msg := notification(r, ev, actor, note)
	payload := bot.MustJSON(msg)
	rid := r.ID
	seen := map[string]bool{}
	for _, sub := range subs {
		if seen[sub.Target] {
			continue
		}
		seen[sub.Target] = true
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key:  fmt.Sprintf("notify:%d:%d:%s:%s", r.ID, r.Revision, ev, sub.Target),
			Kind: KindNotification, ReleaseID: &rid, Channel: sub.Target, Op: storage.OpPost, Payload: payload,
		}); err != nil {
			return err
		}
	}
	return nil
}

// notification is what a subscriber reads: what, when, owner, impact; the
// resolver adds the link to the announcement thread when it is sent.
func notification(r *storage.Release, ev Event, actor, note string) bot.Message {
	head := fmt.Sprintf("%s %s → %s was *%s*", release.Status(r.Status).Emoji(), kit.Name(r), bot.Escape(r.Environment), ev)
	if actor != "" && actor != kit.PolicyActor {
		head += " by " + bot.Mention(actor)
	}
	if note != "" {
		head += ": " + note
	}
	blocks := []slack.Block{bot.Section(head),
		bot.Fields("*When*\n"+kit.When(r), "*Owner*\n"+bot.Mention(r.OwnerID), "*Type · Risk*\n"+r.Type+" · "+r.Risk)}
	if r.Impact != "" {
		// Not a field: a field holds 2,000 characters, the impact may be longer.
		blocks = append(blocks, bot.Sections("*Impact*\n"+bot.Escape(r.Impact))...)
	}
	return bot.Message{
		Text:   fmt.Sprintf("%s → %s was %s (%s)", kit.PlainName(r), r.Environment, ev, kit.FallbackTime(r.StartAt)),
		Blocks: blocks,
	}
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
	if ev == EvApproved || ev == EvRejected {
		return nil // the time did not change
	}
	if _, err := tx.DropPending(r.ID, reminderKinds...); err != nil {
		return err
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
	now := tx.Now()
	due := release.ReminderPlan(r.StartAt, now)
	rid := r.ID
	for _, d := range due {
		for _, target := range []struct{ channel, op, who string }{{r.OwnerID, storage.OpPost, "owner"}, {"", storage.OpThread, "thread"}} {
			if _, err := tx.Replan(&storage.OutboxMessage{
				Key:  fmt.Sprintf("reminder:%d:%d:%s:%s", r.ID, r.StartAt.Unix(), release.FormatDuration(d.Lead), target.who),
				Kind: KindReminder, ReleaseID: &rid, Channel: target.channel, Op: target.op, DueAt: d.At,
				Payload: bot.MustJSON(bot.Message{Text: release.FormatDuration(d.Lead)}),
			}); err != nil {
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
	rid := r.ID
	at, what := release.OverdueCheck(release.Status(r.Status), r.StartAt, r.EndAt)
	_, err := tx.Replan(&storage.OutboxMessage{
		Key:  fmt.Sprintf("overdue:%d:%s:%d", r.ID, what, at.Unix()),
		Kind: KindOverdue, ReleaseID: &rid, Channel: r.OwnerID, Op: storage.OpPost, DueAt: at,
		Payload: bot.MustJSON(bot.Message{Text: what}),
	})
	return err
}

// Direct enqueues a message to one person or channel.
func Direct(tx *storage.Tx, key string, releaseID int64, to string, msg bot.Message) error {
	m := &storage.OutboxMessage{Key: key, Kind: KindDirect, Channel: to, Op: storage.OpPost, Payload: bot.MustJSON(msg)}
	if releaseID != 0 {
		m.ReleaseID = &releaseID
	}
	_, err := tx.Enqueue(m)
	return err
}
