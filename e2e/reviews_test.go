package e2e

import (
	"testing"
	"time"
)

// nextWorkday is 10:00 on the first weekday in loc at or after t.
func nextWorkday(t time.Time, loc *time.Location) time.Time {
	d := t.In(loc)
	at := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc)
	if at.Before(t) {
		at = at.AddDate(0, 0, 1)
	}
	for at.Weekday() == time.Saturday || at.Weekday() == time.Sunday {
		at = at.AddDate(0, 0, 1)
	}
	return at
}

// An emergency release needs a review: from REVIEW_DUE on, its owner is
// reminded every working day in their zone until it is saved, which
// clears the "needs a retroactive review" flag; a final review can no
// longer be changed. A completed standard release needs none.
func TestRequiredReviewRemindedUntilSaved(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		em := h.plan(ana, "billing 3.0.0", startIn(2*time.Hour), with("type=emergency"))
		mustContain(t, h.approve(admin, em.ID), "That completes the approval")
		h.waitForStatus(em.ID, "approved")
		mustContain(t, h.cmd(ana, releases, "/release start "+em.Ref()), "Started")
		mustContain(t, h.cmd(ana, releases, "/release complete "+em.Ref()), "Completed")
		std := h.finished("3.0.1", "complete")
		// A completed release with a linked incident needs a review too.
		broke := h.finished("3.0.2", "complete")
		mustContain(t, h.cmd(ana, releases, "/release incident "+broke.Ref()+` "Checkout errors after the deploy" severity=sev2`), "Linked incident")
		r := h.release(em.ID)
		if !r.RetroReview || r.FinishedAt == nil {
			t.Fatalf("emergency release: retro review %v, finished %v", r.RetroReview, r.FinishedAt)
		}
		h.refused(h.typing(dan, releases, "/release review "+em.Ref()), "Only the owner (<@U0ANA>) or an admin can write the review")
		planned := h.plan(ana, "billing 3.1.0", startIn(4*time.Hour), with("type=standard"))
		h.refused(h.typing(ana, releases, "/release review "+planned.Ref()), "a review follows a release that completed")

		berlin := zoneOf(t, ana)
		first := nextWorkday(r.FinishedAt.Add(72*time.Hour), berlin)
		h.outboxIdle()
		h.clock.AdvanceTo(first)
		h.waitForMessage(dmsTo(ana), em.Ref(), "needs a post-release review")
		h.clock.AdvanceTo(nextWorkday(first.Add(24*time.Hour), berlin))
		h.waitFor("the second working day's reminder", func() bool {
			return count(h.slack.As(ana).DMs(), em.Ref(), "needs a post-release review") == 2
		})

		if _, err := h.slack.As(ana).Command(h.ctx(), releases, "/release review "+em.Ref()); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the review form", func() bool { _, ok := h.slack.As(ana).Modal(); return ok })
		res, err := h.slack.As(ana).Submit(h.ctx(), map[string]string{
			"Met its success criteria?": "No", "What went wrong": "Skipped the canary", "Final": "Mark final: no more changes",
		})
		if err != nil || !res.Closed {
			t.Fatalf("review: %v %+v", err, res)
		}
		h.eventually("the flag to clear", func() bool { return !h.release(em.ID).RetroReview })
		mustContain(t, h.cmd(ana, releases, "/release show "+em.Ref()), "Post-release review* (final", "did not meet its success criteria", "Skipped the canary")
		h.refused(h.typing(ana, releases, "/release review "+em.Ref()), "is final and can no longer be changed")

		h.outboxIdle()
		h.clock.AdvanceTo(nextWorkday(h.clock.Now().Add(24*time.Hour), berlin))
		h.outboxIdle()
		if n := count(h.slack.As(ana).DMs(), em.Ref(), "needs a post-release review"); n != 2 {
			t.Fatalf("%d reminders after the review was saved, want the 2 before", n)
		}
		if n := count(h.slack.As(ana).DMs(), std.Ref(), "needs a post-release review"); n != 0 {
			t.Fatalf("a completed standard release was reminded %d times", n)
		}
		if n := count(h.slack.As(ana).DMs(), broke.Ref(), "needs a post-release review"); n == 0 {
			t.Fatalf("a completed release with a linked incident was never reminded of its review")
		}
	})
}
