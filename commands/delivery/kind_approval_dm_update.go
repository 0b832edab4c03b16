package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const approvalDMUpdateName = "approval_dm_update"

// approvalDMUpdateKind brings an approver's request up to date: a
// decision, the round closing, the release moving on. It waits for the
// request it updates.
type approvalDMUpdateKind struct{}

func (approvalDMUpdateKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: approvalDMUpdateName}
}

// UpdateApprovalDM updates the request of approver row approver after the
// round reached state.
func UpdateApprovalDM(releaseID, approver int64, state string) *storage.OutboxMessage {
	return update(approvalDMUpdateName, fmt.Sprintf("approval-dm:%d:%s", approver, state), releaseID, ptr(approver))
}

// RepairApprovalDM updates a request again after a click on it showed it
// out of date; once per state of the round.
func RepairApprovalDM(releaseID, approver int64, state string) *storage.OutboxMessage {
	return update(approvalDMUpdateName, fmt.Sprintf("approval-dm-repair:%d:%s", approver, state), releaseID, ptr(approver))
}

func (approvalDMUpdateKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if m.RefID == nil {
		return reminders.Delivery{Drop: "approval message without approver"}, nil
	}
	ra, round, err := rs.approvalTarget(ctx, m)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if ra.DMTS == "" {
		return rs.waitForRef(ctx, r.ID, approvalRequestName, ra.ID)
	}
	msg, err := rs.withConflicts(ctx, r, ApprovalRequest(r, round, ra.UserID))
	return reminders.Delivery{Channel: ra.DMChannel, TargetTS: ra.DMTS, Message: msg}, err
}
