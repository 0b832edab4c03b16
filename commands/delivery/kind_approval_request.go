package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const approvalRequestName = "approval_request"

// approvalRequestKind asks one approver for a decision, by DM, rendered
// when it goes out; a round that closed before then needs no request.
// Where it lands is recorded for its updates.
type approvalRequestKind struct{}

func (approvalRequestKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: approvalRequestName, Landing: storage.LandsApprovalRequest}
}

// AskApprover is the request to the approver a (a row of the round).
func AskApprover(releaseID int64, a storage.RoundApprover) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key:  fmt.Sprintf("approval-request:%d", a.ID),
		Kind: approvalRequestName, ReleaseID: ptr(releaseID), RefID: ptr(a.ID), Channel: a.UserID, Op: storage.OpPost,
	}
}

func (approvalRequestKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if m.RefID == nil {
		return reminders.Delivery{Drop: "approval message without approver"}, nil
	}
	ra, round, err := rs.approvalTarget(ctx, m)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if round.Status != storage.RoundOpen {
		return reminders.Delivery{Drop: "the round closed before the request went out"}, nil
	}
	msg, err := rs.withConflicts(ctx, r, ApprovalRequest(r, round, ra.UserID))
	return reminders.Delivery{Channel: ra.UserID, Message: msg}, err
}
