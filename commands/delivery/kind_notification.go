package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const notificationName = "notification"

// notificationKind tells a subscriber about a change. A subscriber reads
// a release's changes in order, each with a link to the release's thread
// once the announcement is posted.
type notificationKind struct{}

func (notificationKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: notificationName, Ordering: storage.PerDestination}
}

// notificationTo is msg about a change of r for one subscriber.
func notificationTo(r *storage.Release, ev Event, target, payload string) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key:  fmt.Sprintf("notify:%d:%d:%s:%s", r.ID, r.Revision, ev, target),
		Kind: notificationName, ReleaseID: ptr(r.ID), Channel: target, Op: storage.OpPost, Payload: payload,
	}
}

func (notificationKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	msg, err := bot.DecodeMessage(m.Payload)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if r != nil && r.AnnouncementTS == "" {
		if d, err := rs.waitForAnnouncement(ctx, r.ID); err != nil || d.Wait > 0 {
			return d, err
		}
	}
	if r != nil {
		msg.Blocks = append(msg.Blocks, bot.Context(rs.threadLink(ctx, r)))
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
}
