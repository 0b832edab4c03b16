package delivery

import (
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

// approvalValid fails unless Slack would take the message, and returns its
// text for assertions.
func approvalValid(t *testing.T, msg bot.Message) string {
	t.Helper()
	return msg.Text + "\n" + string(golden.Check(t, msg))
}

var approvalT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// approvalFixture is R-17 billing 2.3.0 → production, owned by ana, in
// round 2 with ben, cat and dan asked and two approvals needed.
func approvalFixture() (*storage.Release, *storage.ApprovalRound) {
	r := &storage.Release{ID: 17, Service: "billing", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "high",
		Title: "Quarterly billing fix", OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES",
		StartAt: approvalT0.Add(72 * time.Hour), EndAt: approvalT0.Add(73 * time.Hour), Status: "planned", Revision: 3,
		Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}}}
	round := &storage.ApprovalRound{ID: 41, ReleaseID: 17, Number: 2, Revision: 3, Status: storage.RoundOpen, Required: "2", Needed: 2,
		PolicySource: "policy for normal changes in all environments (required=2)", OpenedAt: approvalT0,
		Approvers: []storage.RoundApprover{{ID: 1, RoundID: 41, UserID: "U0BEN"}, {ID: 2, RoundID: 41, UserID: "U0CAT"}, {ID: 3, RoundID: 41, UserID: "U0DAN"}}}
	return r, round
}

// The approval request DM in its four states, as ben sees it.
func TestApprovalGoldenDM(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		r, round := approvalFixture()
		round.Decisions = []storage.ApprovalDecision{{RoundID: 41, ApproverID: "U0CAT", Decision: "approve", DecidedAt: approvalT0.Add(time.Hour)}}
		golden.Compare(t, "approval_open", ApprovalRequest(r, round, "U0BEN"))
	})
	t.Run("approved by you", func(t *testing.T) {
		r, round := approvalFixture()
		round.Decisions = []storage.ApprovalDecision{{RoundID: 41, ApproverID: "U0BEN", Decision: "approve", DecidedAt: approvalT0.Add(2 * time.Hour)}}
		golden.Compare(t, "approval_approved", ApprovalRequest(r, round, "U0BEN"))
	})
	t.Run("rejected by you", func(t *testing.T) {
		r, round := approvalFixture()
		r.Status, r.Revision = "rejected", 4
		round.Status = storage.RoundRejected
		round.Decisions = []storage.ApprovalDecision{
			{RoundID: 41, ApproverID: "U0CAT", Decision: "approve", DecidedAt: approvalT0.Add(time.Hour)},
			{RoundID: 41, ApproverID: "U0BEN", Decision: "reject", Reason: "No rollback plan for the <schema> change & no DBA on call", DecidedAt: approvalT0.Add(2 * time.Hour)},
		}
		golden.Compare(t, "approval_rejected", ApprovalRequest(r, round, "U0BEN"))
	})
	t.Run("outdated", func(t *testing.T) {
		r, round := approvalFixture()
		r.Revision = 4 // rescheduled; round 3 asks again
		r.StartAt, r.EndAt = r.StartAt.Add(24*time.Hour), r.EndAt.Add(24*time.Hour)
		round.Status = storage.RoundSuperseded
		golden.Compare(t, "approval_outdated", ApprovalRequest(r, round, "U0BEN"))
	})
}
