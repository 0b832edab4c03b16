package delivery

import (
	"context"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const digestName = "digest"

// digestKind is the weekly digest of a subscribed channel, once a day at
// most.
type digestKind struct{}

func (digestKind) Spec() storage.KindSpec { return storage.KindSpec{Name: digestName} }

// Digest is channel's digest of day (YYYY-MM-DD).
func Digest(channel, day string, msg bot.Message) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: "digest:" + channel + ":" + day, Kind: digestName, Channel: channel, Op: storage.OpPost, Payload: bot.MustJSON(msg)}
}

func (digestKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	return rs.plain(ctx, m, r)
}
