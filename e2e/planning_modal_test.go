package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
)

// /release new without arguments opens the form; invalid fields come back
// as field errors in the open form and change nothing; a valid form plans
// the release, tells the user where they opened it, and announces it there.
func TestPlanningByModal(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		anaU := h.slack.As(ana)
		if reply := h.cmd(ana, general, "/release new"); reply != "" {
			t.Fatalf("the form should open without a reply, got %q", reply)
		}
		form, ok := anaU.Modal()
		if !ok || form.Title != "New release" || form.Submit != "Plan" {
			t.Fatalf("form %+v, open=%v", form, ok)
		}
		inputs := map[string]string{}
		initial := map[string]string{}
		for _, in := range form.Inputs() {
			inputs[in.Label] = in.ElementType
			initial[in.Label] = in.InitialValue
		}
		for label, typ := range map[string]string{
			"Service": "plain_text_input", "Version": "plain_text_input", "Environment": "static_select", "Change type": "radio_buttons",
			"Risk": "radio_buttons", "Start": "datetimepicker", "Duration": "plain_text_input", "Owner": "users_select",
			"Components": "plain_text_input", "Impact": "plain_text_input", "Rollback plan": "plain_text_input",
		} {
			if inputs[label] != typ {
				t.Errorf("input %q is %q, want %q", label, inputs[label], typ)
			}
		}
		if initial["Owner"] != ana || initial["Environment"] != "production" || initial["Change type"] != "Normal" ||
			initial["Risk"] != "Medium" || initial["Duration"] != "1h" || initial["Start"] == "" {
			t.Fatalf("initial values %v", initial)
		}

		// Every invalid field is marked; the form stays open; nothing is saved.
		before := h.snapshot()
		res, err := anaU.Submit(ctx, map[string]string{
			"Service": "Bill$ing", "Version": "2.3.0", "Start": pickerValue(h.clock.Now().Add(-2 * time.Hour)),
			"Duration": "forever", "Components": "api", "Impact": strings.Repeat("i", 10),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed {
			t.Fatalf("the form closed on invalid input")
		}
		for block, part := range map[string]string{
			"service":    `"bill$ing" is not a valid service name`,
			"start":      "is in the past; pick a time after now.",
			"duration":   `"forever" is not a duration; write it like 45m, 2h or 1h30m.`,
			"components": `"api" is not a component`,
		} {
			if !strings.Contains(res.Errors[block], part) {
				t.Errorf("field %s: error %q, want %q", block, res.Errors[block], part)
			}
		}
		if len(res.Errors) != 4 {
			t.Errorf("errors %v", res.Errors)
		}
		h.unchanged(before, "the invalid form")
		if n := len(anaU.Ephemerals(general)) + len(anaU.DMs()); n != 0 {
			t.Fatalf("a separate message was sent for the invalid form")
		}

		// Corrected, the same form plans the release.
		mustContain(t, h.cmdAnswer(admin, releases, `/release standard add billing-routine service=billing max-risk=low "Routine deploys"`), "Added")
		day := h.day(ana, 8)
		startAt := h.instant(ana, day, "10:00")
		res, err = anaU.Submit(ctx, map[string]string{
			"Service": "billing", "Version": "2.3.0", "Environment": "staging", "Change type": "Standard", "Risk": "Low", "Standard template": "billing-routine",
			"Start": pickerValue(startAt), "Duration": "45m", "Owner": ben, "Components": "api@2.3.0,worker@1.4.1",
			"Title": "Quarterly fix", "Impact": "Read-only checkout for 5 minutes", "Rollback plan": "Redeploy 2.2.9",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Closed || len(res.Errors) > 0 {
			t.Fatalf("valid form: closed=%v errors=%v", res.Closed, res.Errors)
		}
		notice := h.waitForMessage(ephemeralsTo(ana, general), "Planned").Content()
		mustContain(t, notice, "Planned *R-1* billing 2.3.0 → staging", slackDate(startAt), "(45m)", "pre-approved by policy")
		r := h.release(1)
		if r.Service != "billing" || r.Environment != "staging" || r.Type != "standard" || r.Risk != "low" || !r.StartAt.Equal(startAt) ||
			r.EndAt.Sub(r.StartAt) != 45*time.Minute || r.OwnerID != ben || r.CreatedBy != ana || r.Channel != general ||
			r.Title != "Quarterly fix" || r.Impact != "Read-only checkout for 5 minutes" || r.RollbackPlan != "Redeploy 2.2.9" || len(r.Components) != 2 {
			t.Fatalf("stored %+v", r)
		}
		ann := h.announcement(general, 1, "billing 2.3.0 → staging", "*Owner*\n<@U0BEN>", "standard · low", "api@2.3.0, worker@1.4.1")
		mustContain(t, ann.Content(), "Read-only checkout for 5 minutes", "Redeploy 2.2.9")
		h.eventually("R-1 approved by policy", func() bool { return h.release(1).Status == "approved" })

		// From a private channel the bot is not in, the form stays open and
		// says why; once the bot is invited, submitting again works.
		h.cmd(ana, secret, "/release new")
		before = h.snapshot()
		fill := map[string]string{"Service": "search", "Version": "1.0", "Start": pickerValue(startAt)}
		res, err = anaU.Submit(ctx, fill)
		if err != nil || res.Closed || !strings.Contains(res.Errors["service"], "I can't post in this channel") {
			t.Fatalf("private channel: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		h.unchanged(before, "the form from a private channel")
		h.slack.AddChannel(slackemu.Channel{ID: secret, Name: "secret", Private: true, Members: []string{ana, ben, "UBOT"}})
		if res, err = anaU.Submit(ctx, fill); err != nil || !res.Closed {
			t.Fatalf("after the invite: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		h.announcement(secret, 2, "search 1.0 → production")
	})
}

// /release edit opens the form filled with the release; saving changes the
// release, starts a new approval round, updates the announcement in place
// and adds a line in its thread. Only the owner or an admin may edit, and a
// form opened on an older version is refused.
func TestPlanningEditByModal(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		anaU := h.slack.As(ana)
		day := h.day(ana, 9)
		startAt := h.instant(ana, day, "11:00")
		id := h.plan(ana, "billing 2.3.0", on(day, "11:00"), with(`duration=2h components="api@2.3.0" impact="Short outage"`)).ID
		ann := h.announcement(releases, id, "billing 2.3.0 → production")

		// Someone else may not.
		h.refused(h.typing(dan, releases, fmt.Sprintf("/release edit R-%d", id)), fmt.Sprintf("Only the owner (<@U0ANA>) or an admin can edit *R-%d* billing 2.3.0.", id))
		if _, open := h.slack.As(dan).Modal(); open {
			t.Fatalf("a form opened for dan")
		}

		h.cmd(ana, releases, fmt.Sprintf("/release edit r-%d", id))
		form, ok := anaU.Modal()
		if !ok || form.Title != fmt.Sprintf("Edit R-%d", id) || form.Submit != "Save" {
			t.Fatalf("edit form %+v open=%v", form, ok)
		}
		initial := map[string]string{}
		for _, in := range form.Inputs() {
			initial[in.Label] = in.InitialValue
		}
		want := map[string]string{"Service": "billing", "Version": "2.3.0", "Environment": "production", "Change type": "Normal", "Risk": "Medium",
			"Start": pickerValue(startAt), "Duration": "2h", "Owner": ana, "Components": "api@2.3.0", "Impact": "Short outage"}
		for k, v := range want {
			if initial[k] != v {
				t.Errorf("edit form %s = %q, want %q", k, initial[k], v)
			}
		}

		// A field error keeps the form open and changes nothing.
		before := h.snapshot()
		res, err := anaU.Submit(ctx, map[string]string{"Duration": "100h"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed || !strings.Contains(res.Errors["duration"], `"100h" is longer than 72h`) {
			t.Fatalf("closed=%v errors=%v", res.Closed, res.Errors)
		}
		h.unchanged(before, "the invalid edit")

		// Saved: the version and the impact change.
		res, err = anaU.Submit(ctx, map[string]string{"Version": "2.3.1", "Duration": "2h", "Impact": "No outage after all"})
		if err != nil || !res.Closed {
			t.Fatalf("save: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		notice := h.waitForMessage(ephemeralsTo(ana, releases), "Saved").Content()
		mustContain(t, notice, fmt.Sprintf("Saved *R-%d* billing 2.3.1 → production", id), "waiting for 1 approval from <@U0ADMIN>")
		r := h.release(id)
		if r.Version != "2.3.1" || r.Impact != "No outage after all" || !r.StartAt.Equal(startAt) || r.Status != "planned" {
			t.Fatalf("stored %+v", r)
		}
		if got := h.roundStates(id); got != "1:superseded,2:open" {
			t.Fatalf("rounds %s", got)
		}
		updated := h.waitUntilShows(ann, "billing 2.3.1 → production", "No outage after all")
		if !updated.Edited {
			t.Fatalf("the announcement was not updated in place")
		}
		if n := len(h.slack.Messages(releases)); n == 0 {
			t.Fatal("no messages")
		}
		h.waitForMessage(inThread(releases, ann.TS), ":pencil2: Edited by <@U0ANA>", "version 2.3.0 → 2.3.1", "impact updated")
		for _, m := range h.slack.Messages(releases) {
			if m.TS != ann.TS && strings.Contains(m.Content(), fmt.Sprintf("R-%d · ", id)) {
				t.Fatalf("a second announcement was posted: %s", m.Content())
			}
		}

		// An admin may edit too, and moves it: the form ana still has open
		// is then outdated and refused inside the form.
		h.cmd(ana, releases, fmt.Sprintf("/release edit R-%d", id))
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule R-%d %s 13:00", id, h.day(admin, 9))), fmt.Sprintf("Rescheduled *R-%d* billing 2.3.1", id))
		before = h.snapshot()
		res, err = anaU.Submit(ctx, map[string]string{"Risk": "High"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Closed || !strings.Contains(res.Errors["service"], fmt.Sprintf(`R-%d billing 2.3.1 changed while you were editing it; close this form and run "/release edit R-%d" again.`, id, id)) {
			t.Fatalf("outdated form: closed=%v errors=%v", res.Closed, res.Errors)
		}
		h.unchanged(before, "the outdated form")
		if err := anaU.CloseModal(ctx); err != nil {
			t.Fatal(err)
		}

		// Saving an unchanged form says so.
		h.cmd(ana, releases, fmt.Sprintf("/release edit R-%d", id))
		res, err = anaU.Submit(ctx, nil)
		if err != nil || res.Closed || !strings.Contains(res.Errors["service"], fmt.Sprintf("Nothing changed in R-%d billing 2.3.1.", id)) {
			t.Fatalf("unchanged form: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
	})
}
