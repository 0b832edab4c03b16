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
		{name: "any", approvers: apBenM + "," + apCatM + "," + apDanM, required: "any", asked: []string{ben, cat, dan}, approveBy: []string{cat}},
		{name: "all", approvers: apBenM + "," + apCatM + "," + apDanM, required: "all", asked: []string{ben, cat, dan}, approveBy: []string{ben, cat, dan}},
		{name: "majority of four", approvers: apBenM + "," + apCatM + "," + apDanM + "," + apAdminM, required: "majority", asked: []string{admin, ben, cat, dan}, approveBy: []string{dan, admin, ben}},
		{name: "majority without the owner", approvers: apAnaM + "," + apBenM + "," + apCatM, required: "majority", asked: []string{ben, cat}, approveBy: []string{ben, cat}},
		{name: "two", approvers: apBenM + "," + apCatM + "," + apDanM, required: "2", asked: []string{ben, cat, dan}, approveBy: []string{dan, ben}},
		{name: "all without the owner", approvers: apAnaM + "," + apBenM, required: "all", asked: []string{ben}, approveBy: []string{ben}},
		{name: "two but only one besides the owner", approvers: apAnaM + "," + apBenM, required: "2", asked: []string{ben},
			warning: "It needs 2 approvals but only 1 person can approve it (nobody approves their own release)"},
		{name: "only the owner", approvers: apAnaM, required: "any", asked: nil,
			warning: "Nobody can approve it"},
	}
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		for i, c := range cases {
			h.apPolicy(fmt.Sprintf("normal approvers=%s required=%s", c.approvers, c.required))
			id, reply := h.apNew(ana, fmt.Sprintf("svc-%d", i), "1.0.0", 3+i, "10:00", "")
			rid := fmt.Sprintf("R-%d", id)
			rounds := h.apRounds(id)
			if len(rounds) != 1 || !slices.Equal(sortedIDs(apApprovers(rounds[0])), c.asked) {
				t.Fatalf("%s: round approvers %v, want %v", c.name, apApprovers(rounds[0]), c.asked)
			}
			if strings.Contains(c.approvers, apAnaM) {
				// Named by the policy, the owner still cannot decide.
				ann := h.apAnnouncement(id)
				h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.apCurrent(ann).Content(), "Approve") })
				h.apRefused(ana, ann, "Approve", "You can't approve or reject *"+rid+"*", "your own release")
			}
			if c.warning != "" {
				apContain(t, reply, ":warning: "+c.warning)
				h.dmContaining(ana, rid, "needs approval, but", c.warning)
				continue
			}
			apContain(t, reply, fmt.Sprintf("waiting for %d approval", len(c.approveBy)))
			for n, u := range c.approveBy {
				answer := h.apApprove(u, id)
				if n < len(c.approveBy)-1 {
					apContain(t, answer, fmt.Sprintf("You approved *%s*", rid), fmt.Sprintf("%d of %d approval", n+1, len(c.approveBy)))
					// Every approver's DM and the thread follow each decision,
					// not only the first one.
					h.waitFor(c.name+": the DM of "+u, func() bool {
						return strings.Contains(h.apCurrent(h.apLatestRequest(u, id)).Content(), "You approved this")
					})
					ann := h.apAnnouncement(id)
					want := fmt.Sprintf("%d of %d approval", n+1, len(c.approveBy))
					h.waitFor(c.name+": the progress line", func() bool {
						for _, m := range h.slack.Replies(releases, ann.TS) {
							if strings.Contains(m.Content(), "Approval round 1") && strings.Contains(m.Content(), want) {
								return true
							}
						}
						return false
					})
					h.waitFor(c.name+": the announcement", func() bool { return strings.Contains(h.apCurrent(ann).Content(), "approval: "+want) })
					if st := h.release(id).Status; st != "planned" {
						t.Fatalf("%s: approved after %d approvals", c.name, n+1)
					}
					continue
				}
				apContain(t, answer, "That completes the approval")
			}
			h.apStatus(id, "approved")
			h.dmContaining(ana, rid, "is approved")
		}
	})
}

func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
