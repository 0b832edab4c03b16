package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Every quorum kind, with the owner among the named approvers where it
// matters: who is asked, how many approvals close the round, and what the
// owner is told when the quorum cannot be reached.
func TestApprovalQuorums(t *testing.T) {
	cases := []struct {
		name      string
		approvers string
		required  string
		asked     []string // in the order the round lists them
		approveBy []string // the approvals up to the quorum; the last one closes it
		warning   string   // when the quorum is out of reach
	}{
		{name: "any", approvers: benM + "," + catM + "," + danM, required: "any", asked: []string{ben, cat, dan}, approveBy: []string{cat}},
		{name: "all", approvers: benM + "," + catM + "," + danM, required: "all", asked: []string{ben, cat, dan}, approveBy: []string{ben, cat, dan}},
		{name: "majority of four", approvers: benM + "," + catM + "," + danM + "," + adminM, required: "majority", asked: []string{admin, ben, cat, dan}, approveBy: []string{dan, admin, ben}},
		{name: "majority without the owner", approvers: anaM + "," + benM + "," + catM, required: "majority", asked: []string{ben, cat}, approveBy: []string{ben, cat}},
		{name: "two", approvers: benM + "," + catM + "," + danM, required: "2", asked: []string{ben, cat, dan}, approveBy: []string{dan, ben}},
		{name: "all without the owner", approvers: anaM + "," + benM, required: "all", asked: []string{ben}, approveBy: []string{ben}},
		{name: "two but only one besides the owner", approvers: anaM + "," + benM, required: "2", asked: []string{ben},
			warning: "It needs 2 approvals but only 1 person can approve it (nobody approves their own release)"},
		{name: "only the owner", approvers: anaM, required: "any", asked: nil,
			warning: "Nobody can approve it"},
	}
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		for i, c := range cases {
			h.setPolicy(fmt.Sprintf("normal approvers=%s required=%s", c.approvers, c.required))
			rel := h.plan(ana, fmt.Sprintf("svc-%d 1.0.0", i), daysAhead(3+i, "10:00"))
			id := rel.ID
			rid := ref(id)
			rounds := h.rounds(id)
			if len(rounds) != 1 || !slices.Equal(sortedIDs(approverIDs(rounds[0])), c.asked) {
				t.Fatalf("%s: round approvers %v, want %v", c.name, approverIDs(rounds[0]), c.asked)
			}
			if strings.Contains(c.approvers, anaM) {
				// Named by the policy, the owner still cannot decide.
				ann := h.announcement(releases, id)
				h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.current(ann).Content(), "Approve") })
				h.refused(h.clicking(ana, ann, "Approve"), "You can't approve or reject *"+rid+"*", "your own release")
			}
			if c.warning != "" {
				mustContain(t, rel.Reply, ":warning: "+c.warning)
				h.waitForMessage(dmsTo(ana), rid, "needs approval, but", c.warning)
				continue
			}
			mustContain(t, rel.Reply, fmt.Sprintf("waiting for %d approval", len(c.approveBy)))
			for n, u := range c.approveBy {
				answer := h.approve(u, id)
				if n < len(c.approveBy)-1 {
					mustContain(t, answer, fmt.Sprintf("You approved *%s*", rid), fmt.Sprintf("%d of %d approval", n+1, len(c.approveBy)))
					// Every approver's DM and the thread follow each decision,
					// not only the first one.
					h.waitFor(c.name+": the DM of "+u, func() bool {
						return strings.Contains(h.current(h.latestRequest(u, id)).Content(), "You approved this")
					})
					ann := h.announcement(releases, id)
					want := fmt.Sprintf("%d of %d approval", n+1, len(c.approveBy))
					h.waitFor(c.name+": the progress line", func() bool {
						for _, m := range h.slack.Replies(releases, ann.TS) {
							if strings.Contains(m.Content(), "Approval round 1") && strings.Contains(m.Content(), want) {
								return true
							}
						}
						return false
					})
					h.waitFor(c.name+": the announcement", func() bool { return strings.Contains(h.current(ann).Content(), "approval: "+want) })
					if st := h.release(id).Status; st != "planned" {
						t.Fatalf("%s: approved after %d approvals", c.name, n+1)
					}
					continue
				}
				mustContain(t, answer, "That completes the approval")
			}
			h.waitForStatus(id, "approved")
			h.waitForMessage(dmsTo(ana), rid, "is approved")
		}
	})
}
