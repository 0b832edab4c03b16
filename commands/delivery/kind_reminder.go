package delivery

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const reminderName = "reminder"

// reminderKind is a T-24h or T-1h reminder, to the owner and in the
// release's thread, planned by release.ReminderPlan. It is dropped when the
// release moved on, or when a nearer reminder is also due (the bot was
// down): only the nearest is sent.
type reminderKind struct{}

func (reminderKind) Spec() storage.KindSpec { return storage.KindSpec{Name: reminderName} }

// plannedReminder is the reminder lead before r's start, to its owner
// (who "owner") or in its thread (who "thread"). Its key names the start,
// so a move plans new ones and a move back finds the old ones.
func plannedReminder(r *storage.Release, lead time.Duration, at time.Time, who string) *storage.OutboxMessage {
	channel, op := r.OwnerID, storage.OpPost
	if who == "thread" {
		channel, op = "", storage.OpThread
	}
	return &storage.OutboxMessage{
		Key:  fmt.Sprintf("reminder:%d:%d:%s:%s", r.ID, r.StartAt.Unix(), release.FormatDuration(lead), who),
		Kind: reminderName, ReleaseID: ptr(r.ID), Channel: channel, Op: op, DueAt: at,
		Payload: bot.MustJSON(bot.Message{Text: release.FormatDuration(lead)}),
	}
}

func (reminderKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	now := rs.d.Now()
	st := release.Status(r.Status)
	if st != release.StatusPlanned && st != release.StatusApproved {
		return reminders.Delivery{Drop: "the release is " + st.Label()}, nil
	}
	if !r.StartAt.After(now) {
		return reminders.Delivery{Drop: "the release's start has passed"}, nil
	}
	lead, err := release.ParseDuration(strings.TrimSpace(mustText(m.Payload)))
	if err != nil {
		return reminders.Delivery{Drop: "unreadable reminder"}, nil
	}
	due, err := rs.d.Store.OutboxMessages(ctx, r.ID, reminderName)
	if err != nil {
		return reminders.Delivery{}, err
	}
	for _, o := range due {
		if o.ID == m.ID || o.Op != m.Op || o.Status != storage.OutboxPending && o.Status != storage.OutboxSending && o.Status != storage.OutboxSent || o.DueAt.After(now) {
			continue
		}
		if l, err := release.ParseDuration(mustText(o.Payload)); err == nil && l < lead && o.DueAt.After(m.DueAt) {
			return reminders.Delivery{Drop: "a nearer reminder is due too"}, nil
		}
	}
	msg := reminderMessage(r, r.StartAt.Sub(now).Round(time.Minute))
	if m.Op == storage.OpThread {
		if r.AnnouncementTS == "" {
			return rs.waitForAnnouncement(ctx, r.ID)
		}
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
}
