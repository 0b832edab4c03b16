package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const progressUpdateName = "round_progress_update"

// progressUpdateKind brings a round's progress line up to date after a
// decision or when the round closes. It waits for the line it updates.
type progressUpdateKind struct{}

func (progressUpdateKind) Spec() storage.KindSpec { return storage.KindSpec{Name: progressUpdateName} }

// UpdateProgress updates a round's progress line after it reached state.
func UpdateProgress(releaseID, roundID int64, state string) *storage.OutboxMessage {
	return update(progressUpdateName, fmt.Sprintf("progress-update:%d:%s", roundID, state), releaseID, ptr(roundID))
}

func (progressUpdateKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	round, wait, err := rs.progressRound(ctx, m, r)
	if wait != nil || err != nil {
		return deref(wait), err
	}
	if round.ProgressTS == "" {
		return rs.waitForRef(ctx, r.ID, roundProgressName, round.ID)
	}
	return reminders.Delivery{Channel: r.Channel, TargetTS: round.ProgressTS, Message: progressLine(r, round)}, nil
}
