package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// A round stops being current when the release is rescheduled, edited or
// cancelled: its requests are updated to say so, a new round asks again,
// and a click on an old button is refused without changing anything.
func TestApprovalOutdatedRounds(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=all")
		id := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00")).ID
		rid := ref(id)
		benDM1 := h.approvalRequest(ben, id)
		catDM1 := h.approvalRequest(cat, id)
		mustContain(t, h.approve(cat, id), "1 of 2 approvals")
		benList1 := h.approvalsList(ben, releases)
		mustContain(t, benList1.Content(), rid, "1 of 2 approvals: <@U0CAT> :white_check_mark:, waiting for <@U0BEN>")

		// Rescheduled: round 1 is superseded, round 2 asks both again.
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 14:00", rid, h.day(ana, 3)))
		mustContain(t, reply, "Rescheduled *"+rid+"*", "waiting for 2 approvals from <@U0BEN>, <@U0CAT>")
		h.waitFor("ben's first request to say it is outdated", func() bool {
			c := h.current(benDM1).Content()
			return strings.Contains(c, "This request is outdated: the release changed since") && !strings.Contains(c, "\nApprove")
		})
		h.waitFor("cat's first request to keep her decision and say it is outdated", func() bool {
			c := h.current(catDM1).Content()
			return strings.Contains(c, "You approved this") && strings.Contains(c, "This request is outdated")
		})
		h.waitFor("new requests", func() bool { return len(h.approvalRequests(ben, id)) == 2 && len(h.approvalRequests(cat, id)) == 2 })
		rounds := h.rounds(id)
		if len(rounds) != 2 || rounds[0].Status != storage.RoundSuperseded || rounds[1].Status != storage.RoundOpen || len(rounds[1].Decisions) != 0 {
			t.Fatalf("rounds after reschedule: %+v", rounds)
		}
		ann := h.announcement(releases, id)
		h.waitForMessage(inThread(releases, ann.TS), "Approval round 1", "— superseded")

		// ben clicks the list he kept from round 1: outdated, nothing changes.
		h.refused(h.clicking(ben, benList1, "Approve "+rid), "This approval request for *"+rid+"* billing 2.0.0 is outdated", "the release was changed since", "Nothing was changed")
		h.refused(h.clicking(ben, benList1, "Reject "+rid), "is outdated", "the release was changed since")

		// Edited in the form: round 2 is superseded too.
		benList2 := h.approvalsList(ben, releases)
		h.cmd(ana, releases, "/release edit "+rid)
		h.waitFor("the edit form", func() bool { _, ok := h.slack.As(ana).Modal(); return ok })
		res, err := h.slack.As(ana).Submit(h.ctx(), map[string]string{"Version": "2.0.1"})
		if err != nil || !res.Closed {
			t.Fatalf("edit: %+v %v", res, err)
		}
		h.eventually("round 3", func() bool { return len(h.rounds(id)) == 3 })
		h.waitFor("ben's second request to say it is outdated", func() bool {
			return strings.Contains(h.current(h.approvalRequests(ben, id)[1]).Content(), "This request is outdated")
		})
		h.refused(h.clicking(ben, benList2, "Approve "+rid), "This approval request for *"+rid+"* billing 2.0.1 is outdated", "changed since")

		// Cancelled: round 3 is superseded and says why.
		benList3 := h.approvalsList(ben, releases)
		mustContain(t, h.cmdAnswer(ana, releases, "/release cancel "+rid+" not needed"), "Cancelled *"+rid+"*")
		h.waitFor("ben's third request to say the release was cancelled", func() bool {
			reqs := h.approvalRequests(ben, id)
			return len(reqs) == 3 && strings.Contains(h.current(reqs[2]).Content(), "This request is outdated: the release was cancelled")
		})
		h.refused(h.clicking(ben, benList3, "Approve "+rid), "is outdated: the release was cancelled")
		h.refused(h.clicking(ben, benList3, "Reject "+rid), "is outdated: the release was cancelled")
		for _, r := range h.rounds(id) {
			if r.Status != storage.RoundSuperseded {
				t.Fatalf("round %d is %s after the cancel", r.Number, r.Status)
			}
		}
		if st := h.release(id).Status; st != "cancelled" {
			t.Fatalf("release is %s", st)
		}
		audit := strings.Join(h.auditLines(id), "\n")
		if n := strings.Count(audit, "round superseded"); n != 3 {
			t.Fatalf("%d rounds superseded in the audit:\n%s", n, audit)
		}
		mustContain(t, audit, "policy round superseded round 3: the release was cancelled")
	})
}

// A request whose update Slack refused still shows its buttons after the
// round was superseded. A click on it is refused like any outdated click,
// decides nothing, and the request is updated again to say it is outdated.
func TestApprovalStaleRequestIsRepaired(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=all")
		id := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00")).ID
		rid := ref(id)
		dm := h.approvalRequest(ben, id)
		h.approvalRequest(cat, id)
		h.outboxIdle()

		h.slack.SetFault("chat.update", slackemu.Fault{SlackError: "cant_update_message"})
		mustContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 15:00", rid, h.day(ana, 3))), "Rescheduled")
		h.waitFor("round 2's request", func() bool { return len(h.approvalRequests(ben, id)) == 2 })
		h.outboxIdle()
		h.slack.ClearFaults()
		if c := h.current(dm).Content(); !strings.Contains(c, "\nApprove") || strings.Contains(c, "outdated") {
			t.Fatalf("the request was updated despite the fault:\n%s", c)
		}

		answer := h.click(ben, dm, "Approve")
		mustContain(t, answer, "This approval request for *"+rid+"* billing 2.0.0 is outdated", "Nothing was changed")
		h.waitFor("the stale request to be repaired", func() bool {
			c := h.current(dm).Content()
			return strings.Contains(c, "This request is outdated") && !strings.Contains(c, "\nApprove")
		})
		rounds := h.rounds(id)
		if len(rounds) != 2 || len(rounds[0].Decisions) != 0 || len(rounds[1].Decisions) != 0 || h.release(id).Status != "planned" {
			t.Fatalf("a refused click decided something: %+v", rounds)
		}
	})
}
