package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const escalationName = "approval_escalation"

// escalationKind tells an admin that a release close to its start is not
// approved (release.Escalate); dropped when that is no longer so.
type escalationKind struct{}

func (escalationKind) Spec() storage.KindSpec { return storage.KindSpec{Name: escalationName} }

// Escalation tells admin about round of release, once per round.
func Escalation(releaseID, roundID int64, admin string, msg bot.Message) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key: fmt.Sprintf("escalate:%d:%s", roundID, admin), Kind: escalationName, ReleaseID: ptr(releaseID), RefID: ptr(roundID), Channel: admin, Op: storage.OpPost,
		Payload: bot.MustJSON(msg),
	}
}

func (escalationKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if r != nil && m.RefID != nil {
		if why := rs.stillWaiting(ctx, r, *m.RefID, ""); why != "" {
			return reminders.Delivery{Drop: why}, nil
		}
	}
	return rs.plain(ctx, m, r)
}
