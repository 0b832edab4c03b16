package e2e

import (
	"context"
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
		mustContain(t, h.cmd(admin, releases, "/release stakeholders add billing "+benM), "Added <@U0BEN>")
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

// Forms for admin work (issue 14): /release subscribe without arguments
// opens a form with a channel picker; an empty channel means by DM, and
// the typed command keeps working.
func TestChangeSubscribeForm(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		benU := h.slack.As(ben)
		if reply := h.cmd(ben, general, "/release subscribe"); reply != "" {
			t.Fatalf("the form should open without a reply, got %q", reply)
		}
		form, ok := benU.Modal()
		if !ok || form.Title != "Subscribe" {
			t.Fatalf("form %+v, open=%v", form, ok)
		}
		types := map[string]string{}
		for _, in := range form.Inputs() {
			types[in.Label] = in.ElementType
		}
		if types["Channel"] != "conversations_select" || types["Level"] != "radio_buttons" || types["Environment"] != "static_select" {
			t.Fatalf("inputs %v", types)
		}
		before := h.snapshot()
		res, err := benU.Submit(ctx, map[string]string{"Service": "bill ing", "Channel": general})
		if err != nil || res.Closed || !strings.Contains(res.Errors["service"], "Name one service") {
			t.Fatalf("invalid form: %+v, %v", res, err)
		}
		h.unchanged(before, "the invalid subscription form")
		res, err = benU.Submit(ctx, map[string]string{"Service": "billing", "Environment": "production", "Channel": "", "Level": "all"})
		if err != nil || !res.Closed {
			t.Fatalf("valid form: %+v, %v", res, err)
		}
		h.waitForMessage(dmsTo(ben), "Subscribed you (by DM) to releases of billing in production (all)")
		subs, err := h.store.Subscriptions(ctx, ben)
		if err != nil || len(subs) != 1 || subs[0].Level != "all" || subs[0].TargetKind != "user" || subs[0].Environment != "production" {
			t.Fatalf("subscriptions %+v, %v", subs, err)
		}
	})
}

// /release freeze add without arguments opens a form with date and time
// pickers; a refusal stays in the form and changes nothing; a valid form
// adds the freeze, audited, and a non-admin cannot.
func TestChangeFreezeForm(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		adminU := h.slack.As(admin)
		if reply := h.cmd(admin, releases, "/release freeze add"); reply != "" {
			t.Fatalf("the form should open without a reply, got %q", reply)
		}
		form, ok := adminU.Modal()
		if !ok || form.Title != "Add a freeze" {
			t.Fatalf("form %+v, open=%v", form, ok)
		}
		types := map[string]string{}
		for _, in := range form.Inputs() {
			types[in.Label] = in.ElementType
		}
		if types["Start"] != "datetimepicker" || types["End"] != "datetimepicker" || types["Environment"] != "static_select" {
			t.Fatalf("inputs %v", types)
		}
		from := h.clock.Now().Add(48 * time.Hour).Truncate(time.Minute)
		before := h.snapshot()
		res, err := adminU.Submit(ctx, map[string]string{"Start": pickerValue(from), "End": pickerValue(from.Add(-time.Hour)), "Reason": "Holiday freeze"})
		if err != nil || res.Closed || !strings.Contains(res.Errors["end"], "ends") {
			t.Fatalf("invalid form: %+v, %v", res, err)
		}
		h.unchanged(before, "the invalid freeze form")
		res, err = adminU.Submit(ctx, map[string]string{"Start": pickerValue(from), "End": pickerValue(from.Add(3 * time.Hour)), "Environment": "staging", "Reason": "Holiday freeze"})
		if err != nil || !res.Closed {
			t.Fatalf("valid form: %+v, %v", res, err)
		}
		h.waitForMessage(dmsTo(admin), "Added freeze *F-1* for staging", "Holiday freeze")
		mustContain(t, h.auditActions(0), "freeze added")
		h.refused(h.typing(ana, releases, "/release freeze add"), "Only admins can add freeze windows")
	})
}
