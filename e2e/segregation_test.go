package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Segregation of duties across every change since the last decision
// (issue 10, defect 3): whoever changed a release since its last decided
// round may not decide it, even after someone else changed it again.
func TestSegregationCoversEveryChangeSinceTheLastDecision(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy(fmt.Sprintf("normal approvers=%s,%s required=any", adminM, benM))
		rel := h.plan(ana, "billing 1.0.0", daysAhead(3, "10:00"))
		id, rid := rel.ID, rel.Ref()

		// The admin moves it, then the owner moves it again: the admin's
		// change is still undecided, so the admin is not asked.
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, h.day(ana, 3))), "Rescheduled")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 16:00", rid, h.day(ana, 3)))
		mustContain(t, reply, "Rescheduled", "waiting for 1 approval from <@U0BEN>")
		if strings.Contains(reply, admin) {
			t.Fatalf("the admin who changed %s is offered its approval:\n%s", rid, reply)
		}
		rounds := h.rounds(id)
		if got := approverIDs(rounds[len(rounds)-1]); !slices.Equal(got, []string{ben}) {
			t.Fatalf("round %d asks %v, want only ben", rounds[len(rounds)-1].Number, got)
		}

		// The announcement's buttons decide the current round; the admin's
		// click is refused and changes nothing.
		ann := h.announcement(releases, id)
		h.waitFor("the announcement's buttons for round 3", func() bool {
			return strings.Contains(h.current(ann).Content(), "Approve") && strings.Contains(h.current(ann).Content(), "waiting for <@U0BEN>")
		})
		h.refused(h.clicking(admin, ann, "Approve"), "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
		if st := h.release(id).Status; st != "planned" {
			t.Fatalf("%s is %s after the admin's refused click", rid, st)
		}

		// Once ben decided, the slate is clean: a later change by the owner
		// alone lets the admin decide again.
		mustContain(t, h.approve(ben, id), "That completes the approval")
		h.waitForStatus(id, "approved")
		mustContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 18:00", rid, h.day(ana, 3))), "Rescheduled")
		rounds = h.rounds(id)
		if got := sortedIDs(approverIDs(rounds[len(rounds)-1])); !slices.Equal(got, []string{admin, ben}) {
			t.Fatalf("after a decided round, round %d asks %v, want admin and ben", rounds[len(rounds)-1].Number, got)
		}
	})
}

// An admin whose change is pending cannot approve it alone, even when the
// policy names only him and the owner changed the release after him.
func TestSegregationAdminCannotApproveHisOwnPendingChange(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy(fmt.Sprintf("normal approvers=%s required=any", adminM))
		rel := h.plan(ana, "billing 1.0.0", daysAhead(3, "10:00"))
		id, rid := rel.ID, rel.Ref()

		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, h.day(ana, 3))), "Rescheduled", "Nobody can approve it")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 16:00", rid, h.day(ana, 3)))
		mustContain(t, reply, "Rescheduled", ":warning: Nobody can approve it")
		h.waitForMessage(dmsTo(ana), rid, "needs approval, but", "Nobody can approve it")
		rounds := h.rounds(id)
		if last := rounds[len(rounds)-1]; len(last.Approvers) != 0 {
			t.Fatalf("round %d asks %v, want nobody", last.Number, approverIDs(last))
		}

		ann := h.announcement(releases, id)
		h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.current(ann).Content(), "Approve") })
		h.refused(h.clicking(admin, ann, "Approve"), "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
		if st := h.release(id).Status; st != "planned" {
			t.Fatalf("%s is %s: the admin approved his own change", rid, st)
		}
	})
}

// A change that opens no round counts too: an admin who moved a rejected
// release (it stays rejected until resubmitted) may not decide the round
// the owner's resubmission opens.
func TestSegregationCoversChangesWhileRejected(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy(fmt.Sprintf("normal approvers=%s,%s required=any", adminM, benM))
		rel := h.plan(ana, "billing 1.0.0", daysAhead(3, "10:00"))
		id, rid := rel.ID, rel.Ref()
		if res := h.reject(ben, h.latestRequest(ben, id), "No rollback plan"); res.Errors != nil {
			t.Fatalf("ben's rejection was refused: %v", res.Errors)
		}
		h.waitForStatus(id, "rejected")

		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, h.day(ana, 3))), "Rescheduled", "it stays rejected")
		reply := h.cmdAnswer(ana, releases, "/release resubmit "+rid)
		mustContain(t, reply, "Resubmitted", "waiting for 1 approval from <@U0BEN>")
		rounds := h.rounds(id)
		if got := approverIDs(rounds[len(rounds)-1]); !slices.Equal(got, []string{ben}) {
			t.Fatalf("the resubmitted round asks %v, want only ben", got)
		}
		ann := h.announcement(releases, id)
		h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.current(ann).Content(), "Approve") })
		h.refused(h.clicking(admin, ann, "Approve"), "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
	})
}
