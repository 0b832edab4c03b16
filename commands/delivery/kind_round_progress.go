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
	if m.RefID == nil {
		return reminders.Delivery{Drop: "progress message without round"}, nil
	}
	round, err := rs.d.Store.Round(ctx, *m.RefID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if r.AnnouncementTS == "" {
		return rs.waitForAnnouncement(ctx, r.ID)
	}
	return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: progressLine(r, round)}, nil
}
