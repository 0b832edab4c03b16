package e2e

import (
	"strings"
	"testing"
	"time"
)

// Stale releases expire (issue 14): an unapproved release whose window
// ends becomes expired, leaves the calendar, its approval request closes,
// and its owner is told how to plan it again. Before that, the overdue
// notice does not advise a start that would be refused.
func TestChangeUnapprovedReleaseExpiresAtTheEndOfItsWindow(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		rel := h.plan(ana, "billing 3.0.0", startIn(3*time.Hour), with(`duration=1h env=staging risk=low`))
		approved := h.plan(ana, "payments 1.0.0", startIn(3*time.Hour), with(`duration=1h env=staging risk=low`))
		h.approve(admin, approved.ID)
		h.waitForStatus(approved.ID, "approved")
		request := h.approvalRequest(admin, rel.ID)
		mustContain(t, h.cmdAnswer(ana, releases, "/release calendar"), rel.Ref())
		h.outboxIdle()

		h.clock.AdvanceTo(rel.Start.Add(30 * time.Minute))
		notice := h.waitForMessage(dmsTo(ana), "Overdue: "+rel.Ref())
		mustContain(t, notice.Content(), "still awaiting approval, so it cannot start", "/release reschedule "+rel.Ref())
		mustNotContain(t, notice.Content(), "/release start")
		h.outboxIdle()
		if st := h.release(rel.ID).Status; st != "planned" {
			t.Fatalf("%s is %s before its window ended", rel.Ref(), st)
		}

		h.clock.AdvanceTo(rel.Start.Add(time.Hour))
		h.waitForStatus(rel.ID, "expired")
		told := h.waitForMessage(dmsTo(ana), rel.Ref(), "expired: its window")
		mustContain(t, told.Content(), "/release suggest billing env=staging", "/release new billing 3.0.0 <YYYY-MM-DD> <HH:MM> env=staging type=normal risk=low")
		h.waitUntilShows(request, "expired")
		mustNotContain(t, h.current(request).Content(), "Approve")
		h.outboxIdle()
		// The approved release is not touched; the calendar drops the
		// expired one.
		if st := h.release(approved.ID).Status; st != "approved" {
			t.Fatalf("the approved release is %s", st)
		}
		cal := h.cmdAnswer(ana, releases, "/release calendar")
		mustNotContain(t, cal, rel.Ref())
		trail := strings.Join(h.auditLines(rel.ID), "\n")
		mustContain(t, trail, "policy status:expired planned → expired: its window passed before it was approved")
		h.refused(h.typing(ana, releases, "/release start "+rel.Ref()), "expired", "which is final")

		// Later runs of the job change nothing, and the owner hears once.
		h.clock.Advance(time.Hour)
		h.outboxIdle()
		exactlyOnce(t, "ana's DMs", h.slack.As(ana).DMs(), rel.Ref(), "expired: its window")
	})
}
