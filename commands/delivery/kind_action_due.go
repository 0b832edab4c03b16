package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const actionDueName = "action_due"

// actionDueKind reminds a follow-up action's owner on its due date, with
// a Done button; dropped when the action was closed or moved.
type actionDueKind struct{}

func (actionDueKind) Spec() storage.KindSpec { return storage.KindSpec{Name: actionDueName} }

// RemindAction is the due-date reminder of action a, at at.
func RemindAction(a *storage.ReviewAction, at time.Time) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("action-due:%d:%s:%s", a.ID, a.OwnerID, a.DueOn), Kind: actionDueName,
		ReleaseID: ptr(a.ReleaseID), RefID: ptr(a.ID), Channel: a.OwnerID, Op: storage.OpPost, DueAt: at}
}

func (actionDueKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if m.RefID == nil {
		return reminders.Delivery{Drop: "reminder without action"}, nil
	}
	a, err := rs.d.Store.ReviewAction(ctx, *m.RefID)
	if errors.Is(err, storage.ErrNotFound) {
		return reminders.Delivery{Drop: "the action was removed"}, nil
	}
	if err != nil {
		return reminders.Delivery{}, err
	}
	if a.DoneAt != nil || a.OwnerID != m.Channel {
		return reminders.Delivery{Drop: "the action is done or has another owner"}, nil
	}
	return reminders.Delivery{Channel: a.OwnerID, Message: ActionDueMessage(r, a)}, nil
}
