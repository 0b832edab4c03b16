package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const nudgeName = "approval_nudge"

// nudgeKind reminds an approver who has not decided (the n-th time, by
// release.NudgeNumber). It is dropped when it goes out late and the
// decision is no longer awaited.
type nudgeKind struct{}

func (nudgeKind) Spec() storage.KindSpec { return storage.KindSpec{Name: nudgeName} }

// Nudge is the n-th reminder to the approver a of a round of release.
func Nudge(releaseID int64, a storage.RoundApprover, n int, msg bot.Message) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key: fmt.Sprintf("nudge:%d:%d", a.ID, n), Kind: nudgeName, ReleaseID: ptr(releaseID), RefID: ptr(a.ID), Channel: a.UserID, Op: storage.OpPost,
		Payload: bot.MustJSON(msg),
	}
}

func (nudgeKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if r != nil && m.RefID != nil {
		var roundID int64 // none: the round is not found and nothing is dropped
		approver := ""
		if ra, err := rs.d.Store.RoundApprover(ctx, *m.RefID); err == nil {
			roundID, approver = ra.RoundID, ra.UserID
		}
		if why := rs.stillWaiting(ctx, r, roundID, approver); why != "" {
			return reminders.Delivery{Drop: why}, nil
		}
	}
	return rs.plain(ctx, m, r)
}

// stillWaiting checks, when a nudge or an escalation is about to go out
// (perhaps late, after a 429), that the decision of approver ("" for
// anyone) in the round is still awaited; it says why not otherwise.
func (rs *Resolver) stillWaiting(ctx context.Context, r *storage.Release, roundID int64, approver string) string {
	if st := release.Status(r.Status); st != release.StatusPlanned {
		return "the release is " + st.Label()
	}
	if !r.StartAt.After(rs.d.Now()) {
		return "the release's start has passed"
	}
	round, err := rs.d.Store.Round(ctx, roundID)
	if err != nil {
		return ""
	}
	if round.Status != storage.RoundOpen {
		return "the approval round is " + round.Status
	}
	for _, d := range round.Decisions {
		if approver != "" && d.ApproverID == approver {
			return "the approver has decided"
		}
	}
	return ""
}
