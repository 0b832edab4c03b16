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
		h.apPolicy(fmt.Sprintf("normal approvers=%s,%s required=any", apAdminM, apBenM))
		id, _ := h.apNew(ana, "billing", "1.0.0", 3, "10:00", "")
		rid := fmt.Sprintf("R-%d", id)

		// The admin moves it, then the owner moves it again: the admin's
		// change is still undecided, so the admin is not asked.
		apContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, apDay(3))), "Rescheduled")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 16:00", rid, apDay(3)))
		apContain(t, reply, "Rescheduled", "waiting for 1 approval from <@U0BEN>")
		if strings.Contains(reply, admin) {
			t.Fatalf("the admin who changed %s is offered its approval:\n%s", rid, reply)
		}
		rounds := h.apRounds(id)
		if got := apApprovers(rounds[len(rounds)-1]); !slices.Equal(got, []string{ben}) {
			t.Fatalf("round %d asks %v, want only ben", rounds[len(rounds)-1].Number, got)
		}

		// The announcement's buttons decide the current round; the admin's
		// click is refused and changes nothing.
		ann := h.apAnnouncement(id)
		h.waitFor("the announcement's buttons for round 3", func() bool {
			return strings.Contains(h.apCurrent(ann).Content(), "Approve") && strings.Contains(h.apCurrent(ann).Content(), "waiting for <@U0BEN>")
		})
		h.apRefused(admin, ann, "Approve", "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
		if st := h.release(id).Status; st != "planned" {
			t.Fatalf("%s is %s after the admin's refused click", rid, st)
		}

		// Once ben decided, the slate is clean: a later change by the owner
		// alone lets the admin decide again.
		apContain(t, h.apApprove(ben, id), "That completes the approval")
		h.apStatus(id, "approved")
		apContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 18:00", rid, apDay(3))), "Rescheduled")
		rounds = h.apRounds(id)
		if got := sortedIDs(apApprovers(rounds[len(rounds)-1])); !slices.Equal(got, []string{admin, ben}) {
			t.Fatalf("after a decided round, round %d asks %v, want admin and ben", rounds[len(rounds)-1].Number, got)
		}
	})
}

// An admin whose change is pending cannot approve it alone, even when the
// policy names only him and the owner changed the release after him.
func TestSegregationAdminCannotApproveHisOwnPendingChange(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.apPolicy(fmt.Sprintf("normal approvers=%s required=any", apAdminM))
		id, _ := h.apNew(ana, "billing", "1.0.0", 3, "10:00", "")
		rid := fmt.Sprintf("R-%d", id)

		apContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, apDay(3))), "Rescheduled", "Nobody can approve it")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 16:00", rid, apDay(3)))
		apContain(t, reply, "Rescheduled", ":warning: Nobody can approve it")
		h.dmContaining(ana, rid, "needs approval, but", "Nobody can approve it")
		rounds := h.apRounds(id)
		if last := rounds[len(rounds)-1]; len(last.Approvers) != 0 {
			t.Fatalf("round %d asks %v, want nobody", last.Number, apApprovers(last))
		}

		ann := h.apAnnouncement(id)
		h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.apCurrent(ann).Content(), "Approve") })
		h.apRefused(admin, ann, "Approve", "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
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
		h.apPolicy(fmt.Sprintf("normal approvers=%s,%s required=any", apAdminM, apBenM))
		id, _ := h.apNew(ana, "billing", "1.0.0", 3, "10:00", "")
		rid := fmt.Sprintf("R-%d", id)
		if res := h.apReject(ben, h.apLatestRequest(ben, id), "No rollback plan"); res.Errors != nil {
			t.Fatalf("ben's rejection was refused: %v", res.Errors)
		}
		h.apStatus(id, "rejected")

		apContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, apDay(3))), "Rescheduled", "it stays rejected")
		reply := h.cmdAnswer(ana, releases, "/release resubmit "+rid)
		apContain(t, reply, "Resubmitted", "waiting for 1 approval from <@U0BEN>")
		rounds := h.apRounds(id)
		if got := apApprovers(rounds[len(rounds)-1]); !slices.Equal(got, []string{ben}) {
			t.Fatalf("the resubmitted round asks %v, want only ben", got)
		}
		ann := h.apAnnouncement(id)
		h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.apCurrent(ann).Content(), "Approve") })
		h.apRefused(admin, ann, "Approve", "You can't approve or reject *"+rid+"*", "you made the change this approval is for")
	})
}
