package delivery

import (
	"context"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const directName = "direct"

// directKind is a message to one person or channel, sent as it was
// written: an owner told of a decision, a warning about a round.
type directKind struct{}

func (directKind) Spec() storage.KindSpec { return storage.KindSpec{Name: directName} }

// Direct enqueues a message to one person or channel under key.
func Direct(tx *storage.Tx, key string, releaseID int64, to string, msg bot.Message) error {
	m := &storage.OutboxMessage{Key: key, Kind: directName, Channel: to, Op: storage.OpPost, Payload: bot.MustJSON(msg)}
	if releaseID != 0 {
		m.ReleaseID = &releaseID
	}
	_, err := tx.Enqueue(m)
	return err
}

func (directKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	return rs.plain(ctx, m, r)
}
