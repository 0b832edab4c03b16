package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// event is a change worth telling people about.
type event string

const (
	evPlanned     event = "planned"
	evEdited      event = "edited"
	evRescheduled event = "rescheduled"
	evApproved    event = "approved"
	evRejected    event = "rejected"
	evResubmitted event = "resubmitted"
	evCancelled   event = "cancelled"
	evStarted     event = "started"
	evCompleted   event = "completed"
	evFailed      event = "failed"
	evRolledBack  event = "rolled back"
)

// subscriberEvents are the changes subscribers hear about. An edit is one:
// a new time, owner or impact matters to them as much as a reschedule.
var subscriberEvents = map[event]bool{
	evPlanned: true, evEdited: true, evRescheduled: true, evApproved: true, evRejected: true, evCancelled: true,
	evStarted: true, evCompleted: true, evFailed: true, evRolledBack: true,
}

// Outbox kinds the resolver renders when they are delivered.
const (
	kindAnnouncement       = storage.KindAnnouncement
	kindAnnouncementUpdate = "announcement_update"
	kindThread             = "thread_note"
	kindNotification       = "notification"
	kindDirect             = "direct"
	kindApprovalRequest    = storage.KindApprovalRequest
	kindApprovalDMUpdate   = "approval_dm_update"
	kindRoundProgress      = storage.KindRoundProgress
	kindProgressUpdate     = "round_progress_update"
	kindReminder           = "reminder"
	kindOverdue            = "overdue"
	kindNudge              = "approval_nudge"
	kindEscalation         = "approval_escalation"
	kindDigest             = "digest"
)

// reminderKinds are dropped when a release moves or ends.
var reminderKinds = []string{kindReminder, kindOverdue, kindNudge, kindEscalation}

// Reminder lead times before a release's start.
var reminderLeads = []time.Duration{24 * time.Hour, time.Hour}

// recordChange enqueues, in the change's own transaction, everything the
// change causes: the announcement (new or updated), a line in its thread,
// the subscribers' notifications and the reminders. note is the thread
// line's detail, as mrkdwn: callers escape what people typed.
func (s *Service) recordChange(tx *storage.Tx, r *storage.Release, ev event, actor, note string) error {
	rid := r.ID
	if ev == evPlanned {
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key: fmt.Sprintf("announce:%d", r.ID), Kind: kindAnnouncement, ReleaseID: &rid,
			Channel: r.Channel, Op: storage.OpPost,
		}); err != nil {
			return err
		}
	} else {
		if err := s.updateAnnouncement(tx, r); err != nil {
			return err
		}
		line := threadLine(r, ev, actor, note)
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key: fmt.Sprintf("thread:%d:%d:%s", r.ID, r.Revision, ev), Kind: kindThread, ReleaseID: &rid,
			Op: storage.OpThread, Payload: bot.MustJSON(bot.Message{Text: line}),
		}); err != nil {
			return err
		}
	}
	if subscriberEvents[ev] {
		if err := s.notifySubscribers(tx, r, ev, actor, note); err != nil {
			return err
		}
	}
	return s.reschedule(tx, r, ev)
}

// updateAnnouncement re-renders the announcement from the current state
// when it is delivered, so updates can never arrive out of order.
func (s *Service) updateAnnouncement(tx *storage.Tx, r *storage.Release) error {
	rid := r.ID
	_, err := tx.Enqueue(&storage.OutboxMessage{
		Key: fmt.Sprintf("announce-update:%d:%d", r.ID, r.Revision), Kind: kindAnnouncementUpdate, ReleaseID: &rid,
		Op: storage.OpUpdate,
	})
	return err
}

func threadLine(r *storage.Release, ev event, actor, note string) string {
	who := bot.Mention(actor)
	var line string
	switch ev {
	case evEdited:
		line = fmt.Sprintf(":pencil2: Edited by %s", who)
	case evRescheduled:
		line = fmt.Sprintf(":calendar: Rescheduled by %s to %s", who, when(r))
	case evApproved:
		line = ":white_check_mark: Approved — ready to start"
	case evRejected:
		line = fmt.Sprintf(":no_entry: Rejected by %s", who)
	case evResubmitted:
		line = fmt.Sprintf(":arrows_counterclockwise: Resubmitted for approval by %s", who)
	case evCancelled:
		line = fmt.Sprintf(":heavy_multiplication_x: Cancelled by %s", who)
	case evStarted:
		line = fmt.Sprintf(":rocket: Started by %s", who)
	case evCompleted:
		line = fmt.Sprintf(":tada: Completed, reported by %s", who)
	case evFailed:
		line = fmt.Sprintf(":x: Failed, reported by %s", who)
	case evRolledBack:
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
func (s *Service) notifySubscribers(tx *storage.Tx, r *storage.Release, ev event, actor, note string) error {
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
			Kind: kindNotification, ReleaseID: &rid, Channel: sub.Target, Op: storage.OpPost, Payload: payload,
		}); err != nil {
			return err
		}
	}
	return nil
}

// notification is what a subscriber reads: what, when, owner, impact; the
// resolver adds the link to the announcement thread when it is sent.
func notification(r *storage.Release, ev event, actor, note string) bot.Message {
	head := fmt.Sprintf("%s %s → %s was *%s*", release.Status(r.Status).Emoji(), name(r), bot.Escape(r.Environment), ev)
	if actor != "" && actor != policyActor {
		head += " by " + bot.Mention(actor)
	}
	if note != "" {
		head += ": " + note
	}
	blocks := []slack.Block{bot.Section(head),
		bot.Fields("*When*\n"+when(r), "*Owner*\n"+bot.Mention(r.OwnerID), "*Type · Risk*\n"+r.Type+" · "+r.Risk)}
	if r.Impact != "" {
		// Not a field: a field holds 2,000 characters, the impact may be longer.
		blocks = append(blocks, bot.Sections("*Impact*\n"+bot.Escape(r.Impact))...)
	}
	return bot.Message{
		Text:   fmt.Sprintf("%s → %s was %s (%s)", plainName(r), r.Environment, ev, fallbackTime(r.StartAt)),
		Blocks: blocks,
	}
}

// reschedule drops the release's pending reminders when it moves or ends
// and plans the ones its new state needs.
func (s *Service) reschedule(tx *storage.Tx, r *storage.Release, ev event) error {
	switch ev {
	case evPlanned, evRescheduled, evEdited, evResubmitted, evApproved, evRejected:
	default:
		// Cancelled, started or finished: nothing ahead to remind of,
		// except the end-of-window check for a started release.
		if _, err := tx.DropPending(r.ID, reminderKinds...); err != nil {
			return err
		}
		if ev == evStarted {
			return s.planOverdue(tx, r)
		}
		return nil
	}
	if ev == evApproved || ev == evRejected {
		return nil // the time did not change
	}
	if _, err := tx.DropPending(r.ID, reminderKinds...); err != nil {
		return err
	}
	return s.planReminders(tx, r)
}

// planReminders enqueues the T-24h and T-1h reminders (to the owner and in
// the release thread) and the not-started check. A lead whose time has
// already passed is skipped, except the nearest one, which goes at once:
// a release planned 50 minutes ahead gets its T-1h reminder now, not its
// T-24h one. They are keyed by the start time, and Replan brings back a
// reminder the same change just dropped (an edit that kept the time, a
// move back to an earlier time) while never repeating one already sent.
func (s *Service) planReminders(tx *storage.Tx, r *storage.Release) error {
	now := tx.Now()
	due := reminderSchedule(r.StartAt, now)
	rid := r.ID
	for _, d := range due {
		for _, target := range []struct{ channel, op, who string }{{r.OwnerID, storage.OpPost, "owner"}, {"", storage.OpThread, "thread"}} {
			if _, err := tx.Replan(&storage.OutboxMessage{
				Key:  fmt.Sprintf("reminder:%d:%d:%s:%s", r.ID, r.StartAt.Unix(), release.FormatDuration(d.lead), target.who),
				Kind: kindReminder, ReleaseID: &rid, Channel: target.channel, Op: target.op, DueAt: d.at,
				Payload: bot.MustJSON(bot.Message{Text: release.FormatDuration(d.lead)}),
			}); err != nil {
				return err
			}
		}
	}
	return s.planOverdue(tx, r)
}

// planOverdue enqueues the owner's warning for a release not started 30
// minutes after its start, or (once started) not finished when its window
// ends; the resolver drops it if the release moved on in the meantime.
func (s *Service) planOverdue(tx *storage.Tx, r *storage.Release) error {
	rid := r.ID
	at, what := r.StartAt.Add(overdueStartGrace), "start"
	if release.Status(r.Status) == release.StatusInProgress {
		at, what = r.EndAt, "finish"
	}
	_, err := tx.Replan(&storage.OutboxMessage{
		Key:  fmt.Sprintf("overdue:%d:%s:%d", r.ID, what, at.Unix()),
		Kind: kindOverdue, ReleaseID: &rid, Channel: r.OwnerID, Op: storage.OpPost, DueAt: at,
		Payload: bot.MustJSON(bot.Message{Text: what}),
	})
	return err
}

// overdueStartGrace is how late a start may be before the owner is asked.
const overdueStartGrace = 30 * time.Minute

type scheduledReminder struct {
	lead time.Duration
	at   time.Time
}

// reminderSchedule applies the "nearest passed lead only" rule.
func reminderSchedule(start, now time.Time) []scheduledReminder {
	var out []scheduledReminder
	nearestPassed := time.Duration(-1)
	for _, lead := range reminderLeads {
		at := start.Add(-lead)
		if at.After(now) {
			out = append(out, scheduledReminder{lead, at})
		} else if nearestPassed < 0 || lead < nearestPassed {
			nearestPassed = lead
		}
	}
	if nearestPassed >= 0 && start.After(now) {
		out = append(out, scheduledReminder{nearestPassed, now})
	}
	return out
}

// direct enqueues a message to one person or channel.
func direct(tx *storage.Tx, key string, releaseID int64, to string, msg bot.Message) error {
	m := &storage.OutboxMessage{Key: key, Kind: kindDirect, Channel: to, Op: storage.OpPost, Payload: bot.MustJSON(msg)}
	if releaseID != 0 {
		m.ReleaseID = &releaseID
	}
	_, err := tx.Enqueue(m)
	return err
}

func joinMentions(users []string) string {
	parts := make([]string, len(users))
	for i, u := range users {
		parts[i] = bot.Mention(u)
	}
	return strings.Join(parts, ", ")
}
