package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// Two approvers click at the same moment: both decisions are recorded, the
// quorum is reached once, the owner hears it once and the thread says it
// once. Repeated to give the clicks many chances to overlap; the
// PostgreSQL run is the one with real concurrency (row locks).
func TestApprovalConcurrentClicks(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + "," + danM + " required=2")
		const runs = 4
		for i := range runs {
			id := h.plan(ana, fmt.Sprintf("svc-%d 1.0.0", i), daysAhead(3+i, "10:00")).ID
			rid := ref(id)
			dms := map[string]slackemu.Message{ben: h.approvalRequest(ben, id), cat: h.approvalRequest(cat, id)}
			danDM := h.approvalRequest(dan, id)
			answers := h.clickTogether(map[string]slackemu.Message{ben: dms[ben], cat: dms[cat]}, "Approve")
			completed := 0
			for _, a := range answers {
				mustContain(t, a, "You approved *"+rid+"*")
				if strings.Contains(a, "That completes the approval") {
					completed++
				} else {
					mustContain(t, a, "1 of 2 approvals")
				}
			}
			if completed != 1 {
				t.Fatalf("run %d: %d answers say the approval is complete:\n%v", i, completed, answers)
			}
			h.waitForStatus(id, "approved")
			h.outboxIdle()
			rounds := h.rounds(id)
			if len(rounds) != 1 || rounds[0].Status != storage.RoundApproved || len(rounds[0].Decisions) != 2 {
				t.Fatalf("run %d: round %+v", i, rounds)
			}
			if n := count(h.slack.As(ana).DMs(), rid, "is approved"); n != 1 {
				t.Fatalf("run %d: the owner was told %d times", i, n)
			}
			ann := h.announcement(releases, id)
			approvedLines := 0
			for _, m := range h.slack.Replies(releases, ann.TS) {
				if strings.Contains(m.Content(), "Approved — ready to start") {
					approvedLines++
				}
			}
			if approvedLines != 1 {
				t.Fatalf("run %d: %d approval lines in the thread", i, approvedLines)
			}
			audit := strings.Join(h.auditLines(id), "\n")
			if strings.Count(audit, "status:approved") != 1 || strings.Count(audit, " approved round 1") != 2 {
				t.Fatalf("run %d: audit:\n%s", i, audit)
			}
			// dan, the third, no longer needs to decide.
			h.waitFor("dan's request to close", func() bool {
				return strings.Contains(h.current(danDM).Content(), "No decision needed any more")
			})
		}

		// One approver clicking twice at once (DM and announcement): one
		// decision; the other click is told the first stands.
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=all")
		id := h.plan(ana, "twice 1.0.0", daysAhead(2, "10:00")).ID
		dm := h.approvalRequest(ben, id)
		ann := h.announcement(releases, id)
		h.waitFor("the announcement's buttons", func() bool { return strings.Contains(h.current(ann).Content(), "Approve") })
		seen := len(h.slack.As(ben).Ephemerals(dm.Channel)) + len(h.slack.As(ben).Ephemerals(ann.Channel))
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, m := range []slackemu.Message{dm, ann} {
			wg.Go(func() {
				if _, err := h.slack.As(ben).Click(h.ctx(), m, "Approve"); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var fresh []slackemu.Message
		h.waitFor("both answers", func() bool {
			all := append(h.slack.As(ben).Ephemerals(dm.Channel), h.slack.As(ben).Ephemerals(ann.Channel)...)
			fresh = nil
			for _, m := range all {
				if strings.Contains(m.Content(), "*R-"+fmt.Sprint(id)+"*") {
					fresh = append(fresh, m)
				}
			}
			return len(all)-seen >= 2
		})
		all := ""
		for _, m := range fresh {
			all += m.Content() + "\n"
		}
		if len(fresh) != 2 || strings.Count(all, "You approved *R-") != 1 || strings.Count(all, "You already approved") != 1 {
			t.Fatalf("answers to a double click:\n%s", all)
		}
		if ds := h.rounds(id)[0].Decisions; len(ds) != 1 {
			t.Fatalf("a double click recorded %d decisions", len(ds))
		}
	})
}

// clickTogether makes each user click label on their message at the same
// moment and returns each user's answer.
func (h *harness) clickTogether(msgs map[string]slackemu.Message, label string) map[string]string {
	h.t.Helper()
	before := map[string]int{}
	for u, m := range msgs {
		before[u] = len(h.slack.As(u).Ephemerals(m.Channel))
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, len(msgs))
	for u, m := range msgs {
		wg.Go(func() {
			<-start
			if _, err := h.slack.As(u).Click(h.ctx(), m, label); err != nil {
				errs <- fmt.Errorf("%s: %w", u, err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		h.t.Fatal(err)
	}
	answers := map[string]string{}
	h.waitFor("every answer", func() bool {
		for u, m := range msgs {
			eph := h.slack.As(u).Ephemerals(m.Channel)
			if len(eph) <= before[u] {
				return false
			}
			answers[u] = eph[len(eph)-1].Content()
		}
		return true
	})
	return answers
}

// Two resubmits of one rejected release at the same moment (a double
// submit, or the owner and an admin): one new round, one set of requests;
// the other is told the release no longer needs it.
func TestApprovalConcurrentResubmit(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + " required=any")
		id := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00")).ID
		rid := ref(id)
		h.reject(ben, h.approvalRequest(ben, id), "Wrong version")
		h.waitForStatus(id, "rejected")

		replies := make(chan string, 2)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, who := range []string{ana, admin} {
			wg.Go(func() {
				<-start
				res, err := h.slack.As(who).Command(h.ctx(), releases, "/release resubmit "+rid)
				if err != nil || res.Reply == nil {
					replies <- fmt.Sprintf("error: %v", err)
					return
				}
				replies <- res.Reply.Content()
			})
		}
		close(start)
		wg.Wait()
		close(replies)
		var all []string
		for r := range replies {
			all = append(all, r)
		}
		joined := strings.Join(all, "\n")
		if strings.Count(joined, "Resubmitted *"+rid+"*") != 1 || strings.Count(joined, "only a rejected release can be resubmitted") != 1 {
			t.Fatalf("replies:\n%s", joined)
		}
		h.outboxIdle()
		if rounds := h.rounds(id); len(rounds) != 2 || rounds[1].Status != storage.RoundOpen {
			t.Fatalf("%d rounds after two resubmits: %+v", len(rounds), rounds)
		}
		if n := len(h.approvalRequests(ben, id)); n != 2 {
			t.Fatalf("ben got %d requests, want the first and one more", n)
		}
	})
}
