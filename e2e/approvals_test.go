package e2e

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/storage"
)

// The "done when": a two-of-three policy; two approvers approve by
// clicking in their DMs; the owner is told once; every forbidden click is
// refused, says why, and leaves the database as it was.
func TestApprovalTwoOfThreeByDM(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + "," + danM + " required=2")
		rel := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00"))
		mustContain(t, rel.Reply, "waiting for 2 approvals from <@U0BEN>, <@U0CAT>, <@U0DAN>")
		rid := rel.Ref()

		// Every approver gets the request with the release summary and buttons.
		dms := map[string]string{}
		for _, u := range []string{ben, cat, dan} {
			dm := h.approvalRequest(u, rel.ID)
			mustContain(t, dm.Content(), "<@U0ANA> asks for your approval of *"+rid+"* billing 2.0.0 → production", "*When*", "normal · medium", "Approve", "Reject")
			dms[u] = dm.TS
		}
		if n := count(h.slack.As(ana).DMs(), "asks for your approval"); n != 0 {
			t.Fatalf("the owner got %d approval requests of her own release", n)
		}
		ann := h.announcement(releases, rel.ID)
		mustContain(t, ann.Content(), "approval: 0 of 2 approvals: waiting for <@U0BEN>, <@U0CAT>, <@U0DAN>", "Approve", "Reject")
		progress := h.waitForMessage(inThread(releases, ann.TS), "Approval round 1", "0 of 2 approvals")
		mustContain(t, progress.Content(), "waiting for <@U0BEN>, <@U0CAT>, <@U0DAN>")

		// Not approved yet: it cannot start.
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+rid), rid, "it can only start once it is approved", "Nothing was changed")

		// Forbidden clicks on the announcement: the owner, an outsider.
		h.refused(h.clicking(ana, ann, "Approve"), "You can't approve or reject *"+rid+"* billing 2.0.0", "your own release")
		h.refused(h.clicking(ana, ann, "Reject"), "You can't approve or reject *"+rid+"* billing 2.0.0", "your own release")
		h.refused(h.clicking(admin, ann, "Approve"), "You are not an approver of *"+rid+"* billing 2.0.0", "/release policy show")
		h.refused(h.clicking(admin, ann, "Reject"), "You are not an approver of *"+rid+"* billing 2.0.0")

		// dan keeps a list with the buttons for later.
		list := h.approvalsList(dan, releases)
		mustContain(t, list.Content(), "You have 1 pending decision", rid, "Approve")

		// ben approves in his DM: recorded with who and when, DM updated in
		// place, thread and announcement progress updated.
		benDM := h.current(h.dm(ben, dms[ben]))
		answer := h.click(ben, benDM, "Approve")
		mustContain(t, answer, "You approved *"+rid+"* billing 2.0.0", "1 of 2 approvals: <@U0BEN> :white_check_mark:, waiting for <@U0CAT>, <@U0DAN>")
		h.waitFor("ben's DM to show his decision", func() bool {
			c := h.current(benDM).Content()
			return strings.Contains(c, "You approved this") && !strings.Contains(c, "\nApprove")
		})
		h.waitFor("the thread progress", func() bool {
			return strings.Contains(h.current(progress).Content(), "1 of 2 approvals: <@U0BEN> :white_check_mark:, waiting for <@U0CAT>, <@U0DAN>")
		})
		h.waitFor("the announcement progress", func() bool {
			return strings.Contains(h.current(ann).Content(), "approval: 1 of 2 approvals: <@U0BEN> :white_check_mark:")
		})
		if got := h.release(rel.ID).Status; got != "planned" {
			t.Fatalf("after one of two approvals the release is %s", got)
		}
		rounds := h.rounds(rel.ID)
		if len(rounds) != 1 || len(rounds[0].Decisions) != 1 || rounds[0].Decisions[0].ApproverID != ben || rounds[0].Decisions[0].Decision != "approve" || rounds[0].Decisions[0].DecidedAt.IsZero() {
			t.Fatalf("decisions after ben: %+v", rounds)
		}

		// ben again: the first decision stands, and he is shown it.
		h.refused(h.clicking(ben, ann, "Approve"), "You already approved *"+rid+"* billing 2.0.0", "your first decision stands")
		h.refused(h.clicking(ben, ann, "Reject"), "You already approved *"+rid+"* billing 2.0.0", "your first decision stands")

		// cat approves in her DM: the quorum is reached.
		answer = h.click(cat, h.dm(cat, dms[cat]), "Approve")
		mustContain(t, answer, "You approved *"+rid+"* billing 2.0.0", "That completes the approval", "2 of 2 approvals")
		h.waitForMessage(dmsTo(ana), rid, "is approved")
		h.waitFor("the announcement to show approval", func() bool {
			c := h.current(ann).Content()
			return strings.Contains(c, ":white_check_mark: approved") && !strings.Contains(c, "\nApprove")
		})
		h.waitForMessage(inThread(releases, ann.TS), "Approved — ready to start")
		h.waitFor("dan's DM to say no decision is needed", func() bool {
			c := h.current(h.dm(dan, dms[dan])).Content()
			return strings.Contains(c, "No decision needed any more: the others approved it") && !strings.Contains(c, "\nApprove")
		})
		h.waitFor("the thread progress to close", func() bool {
			c := h.current(progress).Content()
			return strings.Contains(c, "2 of 2 approvals") && strings.Contains(c, "— approved") && !strings.Contains(c, "waiting for")
		})
		h.outboxIdle()
		if n := count(h.slack.As(ana).DMs(), rid, "is approved"); n != 1 {
			t.Fatalf("the owner was told %d times that %s is approved", n, rid)
		}
		if n := len(h.slack.Replies(releases, ann.TS)); n != 2 {
			t.Fatalf("the thread has %d replies, want the progress line and one approval line", n)
		}
		r := h.release(rel.ID)
		if r.Status != "approved" {
			t.Fatalf("release is %s", r.Status)
		}
		rounds = h.rounds(rel.ID)
		if rounds[0].Status != storage.RoundApproved || len(rounds[0].Decisions) != 2 {
			t.Fatalf("round: %+v", rounds[0])
		}

		// dan clicks the list he kept: the round is decided; nothing changes.
		h.refused(h.clicking(dan, list, "Approve "+rid), "This approval request for *"+rid+"* billing 2.0.0 is outdated", "already approved", "Nothing was changed")
		h.refused(h.clicking(dan, list, "Reject "+rid), "is outdated", "already approved")

		// Audit: who and what, in order.
		trail := strings.Join(h.auditLines(rel.ID), "\n")
		for _, want := range []string{"U0ANA created", "U0ANA round opened round 1", "U0BEN approved round 1", "U0CAT approved round 1", "U0CAT status:approved planned → approved: round 1 approved"} {
			if !strings.Contains(trail, want) {
				t.Fatalf("audit lacks %q:\n%s", want, trail)
			}
		}
		if strings.Count(trail, "status:approved") != 1 {
			t.Fatalf("approved more than once:\n%s", trail)
		}

		// Approved: now it can start.
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+rid), "Started *"+rid+"*")
	})
}
