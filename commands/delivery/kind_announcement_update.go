package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const announcementUpdateName = "announcement_update"

// announcementUpdateKind updates the announcement to the release as it is
// when the update goes out, so updates can never arrive out of order. It
// waits for the announcement to be posted.
type announcementUpdateKind struct{}

func (announcementUpdateKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: announcementUpdateName}
}

// UpdateAnnouncement enqueues an update of the announcement after a change
// to the release.
func UpdateAnnouncement(tx *storage.Tx, r *storage.Release) error {
	_, err := tx.Enqueue(update(announcementUpdateName, fmt.Sprintf("announce-update:%d:%d", r.ID, r.Revision), r.ID, nil))
	return err
}

// AnnouncementRoundUpdate updates the announcement after a round changed;
// state names the round's state, so every decision makes a new message.
func AnnouncementRoundUpdate(releaseID, roundID int64, state string) *storage.OutboxMessage {
	return update(announcementUpdateName, fmt.Sprintf("announce-round:%d:%s", roundID, state), releaseID, nil)
}

func (announcementUpdateKind) Render(ctx context.Context, rs *Resolver, _ *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if r.AnnouncementTS == "" {
		return rs.waitForAnnouncement(ctx, r.ID)
	}
	msg, err := rs.announcement(ctx, r)
	if err == nil {
		msg, err = rs.withConflicts(ctx, r, msg)
	}
	return reminders.Delivery{Channel: r.Channel, TargetTS: r.AnnouncementTS, Message: msg}, err
}
