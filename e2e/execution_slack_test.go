package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
)

// submitMove clicks label on the announcement as user and submits the
// modal it opens with values (by label).
func (h *harness) submitMove(user string, ann slackemu.Message, label string, values map[string]string) slackemu.SubmitResult {
	h.t.Helper()
	if _, err := h.slack.As(user).Click(h.ctx(), h.current(ann), label); err != nil {
		h.t.Fatalf("%s clicks %q: %v", user, label, err)
	}
	h.waitFor("the "+label+" modal", func() bool { _, ok := h.slack.As(user).Modal(); return ok })
	res, err := h.slack.As(user).Submit(h.ctx(), values)
	if err != nil {
		h.t.Fatalf("%s submits the %s modal: %v", user, label, err)
	}
	return res
}

// A release carried out by people in Slack: readiness checks with Mark
// passed, the owner's lifecycle buttons and modals, what is live before
// and after a completion and after a rollback, an incident and a hotfix.
func TestExecutionInSlack(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal env=production approvers=" + benM + " required=1 checks=staging-verified")

		// 2.3.0 goes live first, by the buttons.
		first := h.plan(ana, "payments 2.3.0", startIn(2*time.Hour))
		h.approve(ben, first.ID)
		ann1 := h.announcement(releases, first.ID, "Mark passed: staging-verified")
		h.refused(h.clicking(ana, ann1, "Start"), "can't start yet", "still waiting for staging-verified", "Nothing was changed")
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+first.Ref()), "can't start yet", "staging-verified")
		mustContain(t, h.click(dan, h.current(ann1), "Mark passed: staging-verified"), "Marked `staging-verified` passed")
		mustContain(t, strings.Join(h.auditLines(first.ID), "\n"), dan+" check staging-verified passed")
		ann1 = h.waitUntilShows(ann1, "Start")
		if res := h.submitMove(ana, ann1, "Start", map[string]string{"Note": "going"}); res.Errors != nil {
			t.Fatalf("the start was refused: %v", res.Errors)
		}
		h.waitForStatus(first.ID, "in_progress")
		ann1 = h.waitUntilShows(ann1, "Complete", "Failed", "Rolled back")
		h.refused(h.clicking(dan, ann1, "Complete"), "Only the owner (<@U0ANA>) or an admin can complete")
		res := h.submitMove(ana, ann1, "Complete", map[string]string{"Downtime (minutes)": "soon"})
		if res.Errors["downtime"] == "" {
			t.Fatalf("a downtime of 'soon' was accepted: %+v", res)
		}
		if _, err := h.slack.As(ana).Submit(h.ctx(), map[string]string{"Downtime (minutes)": "5"}); err != nil {
			t.Fatal(err)
		}
		h.waitForStatus(first.ID, "completed")
		if d := h.release(first.ID).DowntimeMinutes; d != 5 {
			t.Fatalf("downtime %d, want 5", d)
		}
		h.waitForMessage(inThread(releases, ann1.TS), "Completed, reported by <@U0ANA>", "5 min of downtime")
		mustContain(t, h.cmdAnswer(dan, releases, "/release live payments env=production"), "`2.3.0`", "through `"+first.Ref()+"`")

		// 2.4.0 completes by command and is rolled back: 2.3.0 is live again.
		second := h.plan(ana, "payments 2.4.0", startIn(3*time.Hour))
		h.approve(ben, second.ID)
		h.waitForStatus(second.ID, "approved")
		ann2 := h.announcement(releases, second.ID, "Mark passed: staging-verified")
		h.click(ana, h.current(ann2), "Mark passed: staging-verified")
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+second.Ref()), "Started")
		mustContain(t, h.cmdAnswer(ana, releases, "/release complete "+second.Ref()), "Completed")
		mustContain(t, h.cmdAnswer(dan, releases, "/release live payments"), "`2.4.0`", "through `"+second.Ref()+"`")
		mustContain(t, h.cmdAnswer(ana, releases, "/release rollback "+second.Ref()+" checkout errors"), "rolled back")
		live := h.cmdAnswer(dan, releases, "/release live payments")
		mustContain(t, live, "`2.3.0`", "through `"+first.Ref()+"`")
		mustNotContain(t, live, "2.4.0")

		// An incident and a hotfix, in show, the thread and the audit.
		mustContain(t, h.cmdAnswer(cat, releases, `/release incident `+second.Ref()+` "checkout errors for 4% of payments" severity=sev2 url=https://status.example.com/inc/42`),
			"Linked incident INC-", "*sev2* checkout errors")
		hotfix := h.plan(ana, "payments 2.4.1", startIn(4*time.Hour), with("fixes="+second.Ref()))
		mustContain(t, hotfix.Reply, "Planned")
		show := h.cmdAnswer(dan, releases, "/release show "+second.Ref())
		mustContain(t, show, "Incident INC-", "checkout errors for 4% of payments", "Hotfix "+hotfix.Ref()+" payments 2.4.1", "did not succeed")
		mustContain(t, h.cmdAnswer(dan, releases, "/release show "+hotfix.Ref()), "Hotfix for "+second.Ref())
		h.waitForMessage(inThread(releases, ann2.TS), "Incident INC-", "linked by <@U0CAT>")
		h.waitForMessage(inThread(releases, ann2.TS), "Hotfix *"+hotfix.Ref()+"*")
		mustContain(t, h.auditActions(second.ID), "incident", "hotfix", "status:rolled_back")
		mustContain(t, h.cmdAnswer(dan, releases, "/release show "+first.Ref()), "*Outcome*: succeeded")

		// The hotfix fails, then is rolled back by the buttons: a reason is
		// required, and what is live does not move.
		h.approve(ben, hotfix.ID)
		h.waitForStatus(hotfix.ID, "approved")
		ann3 := h.announcement(releases, hotfix.ID, "Mark passed: staging-verified")
		h.click(ana, h.current(ann3), "Mark passed: staging-verified")
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+hotfix.Ref()), "Started")
		ann3 = h.waitUntilShows(ann3, "Failed")
		if res := h.submitMove(ana, ann3, "Failed", map[string]string{"Downtime (minutes)": "2", "What happened": "   "}); res.Errors["note"] == "" {
			t.Fatalf("a failure without a reason was accepted: %+v", res)
		}
		if _, err := h.slack.As(ana).Submit(h.ctx(), map[string]string{"Downtime (minutes)": "2", "What happened": "migration timed out"}); err != nil {
			t.Fatal(err)
		}
		h.waitForStatus(hotfix.ID, "failed")
		ann3 = h.waitUntilShows(ann3, "Rolled back")
		if res := h.submitMove(ana, ann3, "Rolled back", map[string]string{"What happened": "restored 2.3.0"}); res.Errors != nil {
			t.Fatalf("the rollback was refused: %v", res.Errors)
		}
		h.waitForStatus(hotfix.ID, "rolled_back")
		mustContain(t, h.cmdAnswer(dan, releases, "/release live payments"), "`2.3.0`")

		// Refusals change nothing.
		h.refused(h.typing(dan, releases, "/release incident "+second.Ref()+` "x" severity=critical`), "not a severity")
		h.refused(h.typing(ana, releases, "/release new payments 2.4.2 "+h.day(ana, 3)+" 10:00 fixes=R-999"), "There is no release R-999 to fix")
		h.refused(h.typing(dan, releases, "/release token create ci"), "Only admins")
		h.refused(h.typing(dan, releases, "/release live payments env=moon"), "not an environment")
	})
}
