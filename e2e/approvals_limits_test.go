package e2e

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/releasebot/releasebot/slackemu"
)

// A round with many approvers stays within Slack's Block Kit limits
// everywhere it shows (the emulator rejects anything past them and the
// harness fails on it): the requests, the announcement, the thread, the
// list, the App Home, /release policy show and /release audit. Long lists
// of people are shortened with a count, never cut in the middle.
func TestApprovalManyApprovers(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		s := newSlack(t)
		var many []string
		for i := range 120 {
			id := fmt.Sprintf("U1%04d", i)
			s.AddUser(slackemu.User{ID: id, Name: fmt.Sprintf("approver%d", i), TZ: "UTC"})
			many = append(many, id)
		}
		s.AddUserGroup(slackemu.UserGroup{ID: "S0MANY", Handle: "many", Users: many})
		h := start(t, options{dialect: dialect, slack: s})

		// Named one by one, a few hundred people do not fit a policy.
		var ids []string
		for i := range 300 {
			ids = append(ids, fmt.Sprintf("U2%05d", i))
		}
		mustContain(t, h.cmdAnswer(admin, releases, "/release policy set normal required=2 approvers="+strings.Join(ids, ",")),
			"too many approvers to name one by one", "user group")

		h.setPolicy("normal approvers=<!subteam^S0MANY|@many>," + strings.Join(many[:20], ",") + " required=2")
		show := h.cmdAnswer(ana, releases, "/release policy show")
		mustContain(t, show, "→ 2 approvals of <!subteam^S0MANY>")

		rel := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00"))
		mustContain(t, rel.Reply, "waiting for 2 approvals from <@U10000>", "and 110 others")
		rid := rel.Ref()
		if n := len(h.rounds(rel.ID)[0].Approvers); n != 120 {
			t.Fatalf("%d approvers, want 120", n)
		}
		last := many[119]
		dm := h.approvalRequest(last, rel.ID)
		mustContain(t, dm.Content(), "0 of 2 approvals: waiting for <@U10000>", "and 110 others", "Approve")
		ann := h.announcement(releases, rel.ID)
		progress := h.waitForMessage(inThread(releases, ann.TS), "Approval round 1")
		mustContain(t, progress.Content(), "and 110 others")
		mustContain(t, h.approvalsList(last, releases).Content(), rid, "and 110 others")

		// A decision that leaves the round open updates the decider's
		// request, the progress line and the announcement — not 120 DMs.
		h.outboxIdle()
		updates := len(h.slack.Calls("chat.update"))
		mustContain(t, h.approve(many[0], rel.ID), "1 of 2 approvals: <@U10000> :white_check_mark:, waiting for")
		h.outboxIdle()
		if n := len(h.slack.Calls("chat.update")) - updates; n != 3 {
			t.Fatalf("one decision in a round of 120 made %d chat.update calls, want 3", n)
		}
		h.waitFor("the decider's request", func() bool {
			return strings.Contains(h.current(h.approvalRequest(many[0], rel.ID)).Content(), "You approved this")
		})
		mustContain(t, h.approve(many[100], rel.ID), "That completes the approval")
		h.waitForStatus(rel.ID, "approved")
		h.waitFor("the last approver's request to close", func() bool {
			return strings.Contains(h.current(dm).Content(), "No decision needed any more")
		})
		if _, err := h.slack.As(last).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the Home", func() bool { _, ok := h.slack.As(last).Home(); return ok })
		audit := h.cmdAnswer(ana, releases, "/release audit "+rid)
		mustContain(t, audit, "round opened", "needs 2 of 120: <@U10000>, <@U10001>", "status changed — planned (awaiting approval) → approved")
		h.outboxIdle()
		for _, m := range append(h.slack.AllMessages(releases), h.slack.As(last).DMs()...) {
			if n := utf8.RuneCountInString(m.Text); n > 3000 {
				t.Fatalf("a %d-character message text:\n%.300s…", n, m.Text)
			}
		}
	})
}
