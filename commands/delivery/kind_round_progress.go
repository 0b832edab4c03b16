package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const roundProgressName = "round_progress"

// roundProgressKind is a round's progress line in the release's thread,
// posted when the round opens. Where it lands is recorded for its updates.
type roundProgressKind struct{}

func (roundProgressKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: roundProgressName, Landing: storage.LandsRoundProgress}
}

// PostProgress is the progress line of a round just opened.
func PostProgress(releaseID, roundID int64) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key:  fmt.Sprintf("round-progress:%d", roundID),
		Kind: roundProgressName, ReleaseID: ptr(releaseID), RefID: ptr(roundID), Op: storage.OpThread,
	}
}

func (roundProgressKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	round, wait, err := rs.progressRound(ctx, m, r)
	if wait != nil || err != nil {
		return deref(wait), err
	}
	return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: progressLine(r, round)}, nil
}
