package delivery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/storage"
)

func TestApprovalRequestStates(t *testing.T) {
	states := map[string]func(*storage.Release, *storage.ApprovalRound){
		"open": nil,
		"approved by another": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundApproved, "approved"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0CAT", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "approve"}}
		},
		"approved, me included": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundApproved, "approved"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "approve"}}
		},
		"rejected by another after my approval": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundRejected, "rejected"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "reject", Reason: "no"}}
		},
		"cancelled": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundSuperseded, "cancelled"
		},
	}
	want := map[string][]string{
		"open":                                  {"Approve", "Reject"},
		"approved by another":                   {"No decision needed any more: the others approved it"},
		"approved, me included":                 {"You approved this", "It is approved"},
		"rejected by another after my approval": {"You approved this", "Another approver rejected it"},
		"cancelled":                             {"This request is outdated: the release was cancelled"},
	}
	for name, setup := range states {
		r, round := approvalFixture()
		if setup != nil {
			setup(r, round)
		}
		msg := ApprovalRequest(r, round, "U0BEN")
		content := approvalValid(t, msg)
		for _, w := range append(want[name], "R-17", "billing", "2.3.0") {
			if !strings.Contains(content, w) {
				t.Errorf("%s: no %q in %s", name, w, content)
			}
		}
		if !strings.Contains(msg.Text, "R-17 billing 2.3.0") {
			t.Errorf("%s: the fallback %q does not name the release", name, msg.Text)
		}
		if hasButtons := strings.Contains(content, `"type":"button"`); hasButtons != (name == "open") {
			t.Errorf("%s: buttons %v", name, hasButtons)
		}
	}

	r, round := approvalFixture()
	round.Approvers = nil
	for i := range 400 {
		round.Approvers = append(round.Approvers, storage.RoundApprover{UserID: fmt.Sprintf("U1%04d", i)})
	}
	approvalValid(t, ApprovalRequest(r, round, "U10007"))
}
