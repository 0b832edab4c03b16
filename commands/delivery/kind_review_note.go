package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const reviewNoteName = "review_note"

// reviewNoteKind is a saved post-release review in the release's thread,
// rendered from the review as it stands when it goes out.
type reviewNoteKind struct{}

func (reviewNoteKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: reviewNoteName, Ordering: storage.PerDestination}
}

// PostReview is the thread's copy of revision rev of the review of r.
func PostReview(r *storage.Release, rv *storage.Review) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("review:%d:%d", r.ID, rv.Revision), Kind: reviewNoteName,
		ReleaseID: ptr(r.ID), RefID: ptr(rv.ID), Op: storage.OpThread}
}

func (reviewNoteKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if r.AnnouncementTS == "" {
		return rs.waitForAnnouncement(ctx, r.ID)
	}
	rv, err := rs.d.Store.ReviewOf(ctx, r.ID)
	if err != nil || rv == nil {
		return reminders.Delivery{Drop: "the review is gone"}, err
	}
	return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: ReviewMessage(r, rv)}, nil
}
