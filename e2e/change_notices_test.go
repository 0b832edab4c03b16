package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
)

// Stakeholders hear milestones (issue 14): a stakeholder of a release that
// is rejected once and then approved receives exactly planned, the
// heads-up 24 hours before (with impact and window), started and
// finished, never the internal rejection reason, with banners in their
// own time zone. A channel subscription (level all by default) also
// hears the approval steps, without the reason.
func TestChangeStakeholderHearsExactlyTheMilestones(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing "+benM), "Added <@U0BEN>")
		mustContain(t, h.cmd(dan, general, "/release subscribe billing"), "Subscribed <#C0GENERAL> to releases of billing (all)")
		h.cmd(ben, releases, "/release calendar") // the bot learns ben's zone

		rel := h.plan(ana, "billing 2.0.0", startIn(72*time.Hour), with(`impact="Checkout is read-only for 5 minutes"`))
		if res := h.reject(admin, h.latestRequest(admin, rel.ID), "No rollback plan yet"); res.Errors != nil {
			t.Fatalf("rejection refused: %v", res.Errors)
		}
		h.waitForStatus(rel.ID, "rejected")
		h.outboxIdle() // the first request loses its buttons
		mustContain(t, h.cmdAnswer(ana, releases, "/release resubmit "+rel.Ref()), "Resubmitted")
		h.approve(admin, rel.ID)
		h.waitForStatus(rel.ID, "approved")
		h.outboxIdle()

		h.clock.AdvanceTo(rel.Start.Add(-24 * time.Hour))
		headsUp := h.waitForMessage(dmsTo(ben), "Heads-up: "+rel.Ref())
		mustContain(t, headsUp.Content(), "Checkout is read-only for 5 minutes", "*Window*", slackDate(rel.Start))
		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start)
		mustContain(t, h.cmdAnswer(ana, releases, "/release start "+rel.Ref()), "Started")
		mustContain(t, h.cmdAnswer(ana, releases, "/release complete "+rel.Ref()), "Completed")
		h.waitForMessage(dmsTo(ben), rel.Ref(), "was *completed*")
		h.outboxIdle()

		var got []string
		for _, m := range h.slack.As(ben).DMs() {
			if !strings.Contains(m.Content(), rel.Ref()) {
				continue
			}
			got = append(got, noticeKind(m))
			mustNotContain(t, m.Content(), "No rollback plan yet")
			mustContain(t, m.Text, "EST") // ben's zone, New York, in December
		}
		if strings.Join(got, ",") != "planned,heads-up,started,completed" {
			t.Fatalf("the stakeholder received %v, want planned, heads-up, started, completed", got)
		}

		channel := h.slack.Messages(general)
		for _, ev := range []string{"planned", "rejected", "approved", "started", "completed"} {
			exactlyOnce(t, "#general", channel, rel.Ref()+" ", "was *"+ev+"*")
		}
		exactlyOnce(t, "#general", channel, "Heads-up: "+rel.Ref())
		for _, m := range channel {
			mustNotContain(t, m.Content(), "No rollback plan yet")
		}
		// The owner reads why.
		h.waitForMessage(dmsTo(ana), rel.Ref(), "No rollback plan yet")
	})
}

// noticeKind names a notification by what it says.
func noticeKind(m slackemu.Message) string {
	if strings.HasPrefix(m.Text, "Heads-up") {
		return "heads-up"
	}
	if _, after, ok := strings.Cut(m.Text, " was "); ok {
		return strings.Fields(after)[0]
	}
	return m.Text
}

// Buttons where people expect them (issue 14): the owner's rejection DM
// offers Edit (the form) and Resubmit; a reminder offers Show.
func TestChangeRejectionAndReminderButtonsLeadOn(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		rel := h.plan(ana, "billing 2.0.0", startIn(30*time.Hour))
		if res := h.reject(admin, h.latestRequest(admin, rel.ID), "Wrong window"); res.Errors != nil {
			t.Fatalf("rejection refused: %v", res.Errors)
		}
		dm := h.waitForMessage(dmsTo(ana), rel.Ref(), "was rejected by", "Wrong window")
		h.outboxIdle()

		modals := len(h.slack.As(ana).Modals())
		if _, err := h.slack.As(ana).Click(h.ctx(), dm, "Edit"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the edit form", func() bool { return len(h.slack.As(ana).Modals()) > modals })
		if m, ok := h.slack.As(ana).Modal(); !ok || !strings.Contains(m.Title, "Edit "+rel.Ref()) {
			t.Fatalf("the Edit button opened %+v", m)
		}

		mustContain(t, h.click(ana, dm, "Resubmit"), "Resubmitted")
		h.waitForStatus(rel.ID, "planned")
		h.approve(admin, rel.ID)
		h.waitForStatus(rel.ID, "approved")
		h.outboxIdle()

		h.clock.AdvanceTo(rel.Start.Add(-24 * time.Hour))
		reminder := h.waitForMessage(dmsTo(ana), "Reminder: "+rel.Ref())
		mustContain(t, h.click(ana, reminder, "Show"), rel.Ref()+" billing 2.0.0 → production", "approved")
	})
}
