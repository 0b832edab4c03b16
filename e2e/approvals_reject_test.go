package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/storage"
)

// Rejection: a reason is required; the release becomes rejected, the owner
// gets the reason, edits it (it stays rejected) and resubmits it, which
// opens a new round. /release audit shows the whole story.
func TestApprovalRejectAndResubmit(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=all")
		id := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00"), with(`title="Quarterly fix"`)).ID
		rid := ref(id)
		dm := h.approvalRequest(ben, id)
		catDM := h.approvalRequest(cat, id)
		ann := h.announcement(releases, id)
		catList := h.approvalsList(cat, releases)

		// The owner cannot reject her own release either: no modal opens.
		h.refused(h.clicking(ana, ann, "Reject"), "You can't approve or reject *"+rid+"*", "your own release")

		// Reject opens a modal that names the release and needs a reason.
		if _, err := h.slack.As(ben).Click(h.ctx(), dm, "Reject"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the reject modal", func() bool { _, ok := h.slack.As(ben).Modal(); return ok })
		modal, _ := h.slack.As(ben).Modal()
		mustContain(t, modal.Content(), "Reject "+rid, "You are rejecting *"+rid+"* billing 2.0.0 → production", "<@U0ANA> will see your reason", "Reason")
		if _, err := h.slack.As(ben).Submit(h.ctx(), map[string]string{"Reason": ""}); err == nil {
			t.Fatalf("Slack's client let ben submit an empty reason")
		}
		before := h.snapshot()
		res, err := h.slack.As(ben).Submit(h.ctx(), map[string]string{"Reason": "   "})
		if err != nil || res.Closed || !strings.Contains(res.Errors["reason"], "Please say why") {
			t.Fatalf("a blank reason: %+v, %v", res, err)
		}
		h.unchanged(before, "a blank reason")
		res, err = h.slack.As(ben).Submit(h.ctx(), map[string]string{"Reason": "No rollback plan <yet> & no owner on call"})
		if err != nil || !res.Closed {
			t.Fatalf("reject: %+v, %v", res, err)
		}
		h.waitForMessage(ephemeralsTo(ben, dm.Channel), "You rejected *"+rid+"* billing 2.0.0", "<@U0ANA> gets your reason")
		h.waitForStatus(id, "rejected")

		// The owner gets the reason once, with what to do next.
		note := h.waitForMessage(dmsTo(ana), rid, "was rejected by <@U0BEN>")
		mustContain(t, note.Content(), "“No rollback plan &lt;yet&gt; &amp; no owner on call”", "/release edit "+rid, "/release resubmit "+rid)
		h.waitFor("ben's DM to show his rejection", func() bool {
			c := h.current(dm).Content()
			return strings.Contains(c, "You rejected this") && strings.Contains(c, "No rollback plan") && !strings.Contains(c, "\nReject")
		})
		h.waitFor("cat's DM to say no decision is needed", func() bool {
			c := h.current(catDM).Content()
			return strings.Contains(c, "another approver rejected it") && !strings.Contains(c, "\nApprove")
		})
		h.waitFor("the announcement to lose its buttons", func() bool {
			c := h.current(ann).Content()
			return strings.Contains(c, ":no_entry: rejected") && !strings.Contains(c, "\nApprove")
		})
		// The thread is the channel's: the reason stays with the owner and
		// the approvers.
		line := h.waitForMessage(inThread(releases, ann.TS), "Rejected by <@U0BEN>")
		mustNotContain(t, line.Content(), "No rollback plan")

		// Rejected: it cannot start, and cat's late click changes nothing.
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+rid), "it is rejected; it can only start once it is approved")
		h.refused(h.clicking(cat, catList, "Approve "+rid), "is outdated", "already rejected")

		// Resubmit: only the owner or an admin; a planned release needs none.
		mustContain(t, h.cmdAnswer(dan, releases, "/release resubmit "+rid), "Only the owner (<@U0ANA>) or an admin can resubmit *"+rid+"*")

		// The owner changes it: it stays rejected until she resubmits.
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 11:00", rid, h.day(ana, 4)))
		mustContain(t, reply, "Rescheduled *"+rid+"*", "it stays rejected until you ask for approval again with `/release resubmit "+rid+"`")
		if r := h.release(id); r.Status != "rejected" || len(h.rounds(id)) != 1 {
			t.Fatalf("after the reschedule: %s with %d rounds", r.Status, len(h.rounds(id)))
		}
		reply = h.cmdAnswer(ana, releases, "/release resubmit "+rid)
		mustContain(t, reply, "Resubmitted *"+rid+"* billing 2.0.0: waiting for 2 approvals from <@U0BEN>, <@U0CAT>")
		mustContain(t, h.cmdAnswer(ana, releases, "/release resubmit "+rid), "only a rejected release can be resubmitted")
		rounds := h.rounds(id)
		if len(rounds) != 2 || rounds[1].Number != 2 || rounds[1].Status != storage.RoundOpen || len(rounds[1].Decisions) != 0 {
			t.Fatalf("rounds after resubmit: %+v", rounds)
		}
		h.waitFor("a second request to ben", func() bool { return len(h.approvalRequests(ben, id)) == 2 })
		h.waitForMessage(inThread(releases, ann.TS), "Approval round 2")
		h.waitForMessage(inThread(releases, ann.TS), "Resubmitted for approval by <@U0ANA>")
		mustContain(t, h.approve(ben, id), "You approved *"+rid+"*", "1 of 2 approvals")
		mustContain(t, h.approve(cat, id), "That completes the approval")
		h.waitForStatus(id, "approved")

		// The audit view tells the whole story: who, what, when, and why.
		audit := h.cmdAnswer(dan, releases, "/release audit "+rid)
		mustContain(t, audit, "Audit trail of *"+rid+"* billing 2.0.0 (production, now approved)")
		order := []string{
			"<@U0ANA> · created — billing 2.0.0 → production",
			"<@U0ANA> · round opened — round 1: policy for normal changes in all environments (required=all); needs 2 of 2: <@U0BEN>, <@U0CAT>",
			"<@U0BEN> · rejected — round 1: No rollback plan &lt;yet&gt; &amp; no owner on call",
			"<@U0BEN> · status changed — planned (awaiting approval) → rejected: round 1 rejected",
			"<@U0ANA> · rescheduled — start",
			"<@U0ANA> · status changed — rejected → planned (awaiting approval): resubmitted for approval",
			"<@U0ANA> · round opened — round 2",
			"<@U0BEN> · approved — round 2",
			"<@U0CAT> · approved — round 2",
			"<@U0CAT> · status changed — planned (awaiting approval) → approved: round 2 approved",
		}
		at := 0
		for _, want := range order {
			i := strings.Index(audit[at:], want)
			if i < 0 {
				t.Fatalf("audit lacks %q after position %d:\n%s", want, at, audit)
			}
			at += i + len(want)
		}
		if !strings.Contains(audit, "<!date^") {
			t.Fatalf("audit entries have no time:\n%s", audit)
		}
		mustContain(t, h.cmdAnswer(dan, releases, "/release audit R-999"), "There is no release R-999")
	})
}
