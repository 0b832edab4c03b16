package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const overdueName = "overdue"

// overdueKind asks the owner about a release that is late, when
// release.OverdueCheck says; it is dropped once the release moved on.
type overdueKind struct{}

func (overdueKind) Spec() storage.KindSpec { return storage.KindSpec{Name: overdueName} }

// plannedOverdue is the owner's check of r in its current status.
func plannedOverdue(r *storage.Release) *storage.OutboxMessage {
	at, what := release.OverdueCheck(release.Status(r.Status), r.StartAt, r.EndAt)
	return &storage.OutboxMessage{
		Key:  fmt.Sprintf("overdue:%d:%s:%d", r.ID, what, at.Unix()),
		Kind: overdueName, ReleaseID: ptr(r.ID), Channel: r.OwnerID, Op: storage.OpPost, DueAt: at,
		Payload: bot.MustJSON(bot.Message{Text: what}),
	}
}

func (overdueKind) Render(_ context.Context, _ *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	at, what := release.OverdueCheck(release.Status(r.Status), r.StartAt, r.EndAt)
	st := release.Status(r.Status)
	waiting := st == release.StatusPlanned || st == release.StatusApproved || st == release.StatusInProgress
	if !waiting || mustText(m.Payload) != what || !m.DueAt.Equal(at) {
		return reminders.Delivery{Drop: "no longer overdue"}, nil
	}
	return reminders.Delivery{Channel: r.OwnerID, Message: overdueMessage(r, what)}, nil
}
