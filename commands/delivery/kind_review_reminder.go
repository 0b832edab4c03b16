package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const reviewReminderName = "review_reminder"

// reviewReminderKind asks the owner for a required review, once per
// working day of theirs; dropped once the review exists.
type reviewReminderKind struct{}

func (reviewReminderKind) Spec() storage.KindSpec { return storage.KindSpec{Name: reviewReminderName} }

// RemindReview is the reminder to r's owner on their local day.
func RemindReview(r *storage.Release, day string) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("review-reminder:%d:%s", r.ID, day), Kind: reviewReminderName,
		ReleaseID: ptr(r.ID), Channel: r.OwnerID, Op: storage.OpPost}
}

func (reviewReminderKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	rv, err := rs.d.Store.ReviewOf(ctx, r.ID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if rv != nil {
		return reminders.Delivery{Drop: "the review was written"}, nil
	}
	return reminders.Delivery{Channel: r.OwnerID, Message: ReviewReminderMessage(r)}, nil
}
