package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const announcementName = "announcement"

// announcementKind is the release's message in its home channel, posted
// once when it is planned and rendered from the state when it goes out.
// Where it lands is recorded: its thread and its updates need it.
type announcementKind struct{}

func (announcementKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: announcementName, Landing: storage.LandsAnnouncement}
}

// announce is the announcement of a release just planned.
func announce(r *storage.Release) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("announce:%d", r.ID), Kind: announcementName, ReleaseID: ptr(r.ID), Channel: r.Channel, Op: storage.OpPost}
}

func (announcementKind) Render(ctx context.Context, rs *Resolver, _ *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	msg, err := rs.announcement(ctx, r)
	if err == nil {
		msg, err = rs.withConflicts(ctx, r, msg)
	}
	return reminders.Delivery{Channel: r.Channel, Message: msg}, err
}
