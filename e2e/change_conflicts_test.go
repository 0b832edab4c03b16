package e2e

import (
	"testing"
	"time"
)

// Conflicts shown to the deciders (issue 14): two releases overlapping in
// the same environment show each other on both announcements, in the
// approval requests of both sets of approvers and in the calendar, and
// the owner of the earlier one is told when the new one overlaps it.
func TestChangeOverlapsAreShownToBothSides(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + catM + " required=any env=production")
		h.setPolicy("normal approvers=" + danM + " required=any env=production risk=high")

		first := h.plan(ana, "billing 1.0.0", startIn(72*time.Hour), with("env=production risk=low"))
		firstAnn := h.announcement(releases, first.ID)
		firstReq := h.approvalRequest(cat, first.ID)
		h.outboxIdle()
		mustNotContain(t, h.current(firstAnn).Content(), "Overlaps")

		second := h.plan(ben, "payments 2.0.0", startIn(72*time.Hour+30*time.Minute), with(`env=production risk=high rollback="Redeploy 1.9"`))
		mustContain(t, second.Reply, "It overlaps *"+first.Ref()+"* billing 1.0.0 → production")

		told := h.waitForMessage(dmsTo(ana), "Your release *"+first.Ref()+"* billing 1.0.0 now overlaps *"+second.Ref()+"* payments 2.0.0", "owned by <@U0BEN>")
		mustContain(t, told.Content(), "/release reschedule "+first.Ref())
		h.waitUntilShows(firstAnn, "Overlaps 1 other release", second.Ref()+"* payments 2.0.0 → production", "same environment")
		h.waitUntilShows(firstReq, "Overlaps 1 other release", second.Ref()+"* payments 2.0.0")
		mustContain(t, h.current(firstReq).Content(), "Approve")

		secondAnn := h.announcement(releases, second.ID, "Overlaps 1 other release", first.Ref()+"* billing 1.0.0 → production")
		mustContain(t, secondAnn.Content(), "Approve")
		secondReq := h.approvalRequest(dan, second.ID)
		mustContain(t, secondReq.Content(), "Overlaps 1 other release", first.Ref()+"* billing 1.0.0")
		h.outboxIdle()
		exactlyOnce(t, "ana's DMs", h.slack.As(ana).DMs(), "now overlaps your")
		if n := count(h.slack.As(ben).DMs(), "now overlaps your"); n != 0 {
			t.Fatalf("ben, who planned the overlap himself, got %d overlap DMs", n)
		}

		cal := h.cmdAnswer(dan, releases, "/release calendar")
		mustContain(t, cal, ":warning: overlaps "+second.Ref(), ":warning: overlaps "+first.Ref())
	})
}
