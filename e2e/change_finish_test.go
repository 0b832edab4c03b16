package e2e

import (
	"testing"
	"time"
)

// The owner's "approved" DM offers Start: the announcement's button and
// modal, for the owner or an admin only, refused once the release started.
func TestApprovedDMOffersStart(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal env=production approvers=" + benM + " required=1")
		p := h.plan(ana, "payments 2.3.0", startIn(2*time.Hour))
		h.approve(ben, p.ID)
		dm := h.waitForMessage(dmsTo(ana), p.Ref(), "is approved", "Start")

		h.refused(h.clicking(dan, dm, "Start"), "Only the owner (<@U0ANA>) or an admin can start")
		if res := h.submitMove(ana, dm, "Start", map[string]string{"Note": "going"}); res.Errors != nil {
			t.Fatalf("the start from the DM was refused: %v", res.Errors)
		}
		h.waitForStatus(p.ID, "in_progress")
		h.announcement(releases, p.ID, "Complete", "Failed", "Rolled back")

		h.refused(h.clicking(ana, h.current(dm), "Start"), "Nothing was changed")
	})
}

// Releases sharing a component conflict even in different environments
// and services: both announcements, both sets of approvers, the calendar
// and both owners see it.
func TestOverlapsThroughASharedComponent(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + catM + " required=any env=staging")
		h.setPolicy("normal approvers=" + danM + " required=any env=production")

		first := h.plan(ana, "billing 1.0.0", startIn(72*time.Hour), with("env=staging components=api@1.0.0,db@3.1"))
		firstAnn := h.announcement(releases, first.ID)
		firstReq := h.approvalRequest(cat, first.ID)
		apart := h.plan(ana, "search 4.0.0", startIn(72*time.Hour), with("env=development components=indexer@4.0.0"))
		h.outboxIdle()
		mustNotContain(t, h.current(firstAnn).Content(), "Overlaps")
		mustNotContain(t, apart.Reply, "overlaps")

		second := h.plan(ben, "payments 2.0.0", startIn(72*time.Hour+30*time.Minute), with("env=production components=api@2.0.0,web@2.0.0"))
		mustContain(t, second.Reply, "It overlaps *"+first.Ref()+"* billing 1.0.0 → staging", "the same component `api`")
		mustNotContain(t, second.Reply, apart.Ref())

		h.waitForMessage(dmsTo(ana), "Your release *"+first.Ref()+"* billing 1.0.0 now overlaps *"+second.Ref()+"* payments 2.0.0 → production", "the same component `api`", "owned by <@U0BEN>")
		h.waitUntilShows(firstAnn, "Overlaps 1 other release", second.Ref()+"* payments 2.0.0 → production", "the same component `api`")
		h.waitUntilShows(firstReq, "Overlaps 1 other release", second.Ref()+"* payments 2.0.0", "`api`")
		mustContain(t, h.current(firstReq).Content(), "Approve")

		h.announcement(releases, second.ID, "Overlaps 1 other release", first.Ref()+"* billing 1.0.0 → staging", "the same component `api`")
		mustContain(t, h.approvalRequest(dan, second.ID).Content(), "Overlaps 1 other release", first.Ref()+"* billing 1.0.0", "`api`")
		h.outboxIdle()
		exactlyOnce(t, "ana's DMs", h.slack.As(ana).DMs(), "now overlaps your")
		if n := count(h.slack.As(ben).DMs(), "now overlaps your"); n != 0 {
			t.Fatalf("ben, who planned the overlap himself, got %d overlap DMs", n)
		}

		cal := h.cmdAnswer(dan, releases, "/release calendar")
		mustContain(t, cal, ":warning: overlaps "+second.Ref(), ":warning: overlaps "+first.Ref())
		mustNotContain(t, cal, ":warning: overlaps "+apart.Ref())
	})
}
