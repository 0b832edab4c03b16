package e2e

import (
	"context"
	"maps"
	"strings"
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

// /release policy set without arguments opens a form with a people picker
// and the workspace's user groups; a refusal shows on its field and changes
// nothing; a valid form sets the policy through the typed command's checks,
// audited, and policy show lists it.
func TestPolicyForm(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		adminU := h.slack.As(admin)
		if reply := h.cmd(admin, releases, "/release policy set"); reply != "" {
			t.Fatalf("the form should open without a reply, got %q", reply)
		}
		form, ok := adminU.Modal()
		if !ok || form.Title != "Set a policy" {
			t.Fatalf("form %+v, open=%v", form, ok)
		}
		types := map[string]string{}
		for _, in := range form.Inputs() {
			types[in.Label] = in.ElementType
		}
		if types["Type"] != "static_select" || types["Environment"] != "static_select" || types["Approvers"] != "multi_users_select" ||
			types["Approver groups"] != "multi_static_select" || types["Approvals required"] != "plain_text_input" {
			t.Fatalf("inputs %v", types)
		}
		if n := len(h.slack.Calls("usergroups.list")); n != 1 {
			t.Fatalf("usergroups.list called %d times", n)
		}

		values := map[string]string{"Type": "normal", "Environment": "production", "Risk": "high", "Approvers": ben,
			"Approver groups": "@cab", "Approvals required": "several", "Rollback plan": "required", "Readiness checks": "smoke-test"}
		before := h.snapshot()
		res, err := adminU.Submit(ctx, values)
		if err != nil || res.Closed || !strings.Contains(res.Errors["required"], "several") {
			t.Fatalf("a quorum of 'several': %+v, %v", res, err)
		}
		h.unchanged(before, "the policy form with a bad quorum")
		noOne := maps.Clone(values)
		noOne["Approvers"], noOne["Approver groups"], noOne["Approvals required"] = "", "", "2"
		res, err = adminU.Submit(ctx, noOne)
		if err != nil || res.Closed || !strings.Contains(res.Errors["approvers"], "at least one approver") {
			t.Fatalf("no approvers: %+v, %v", res, err)
		}
		h.unchanged(before, "the policy form without approvers")

		values["Approvals required"] = "2"
		res, err = adminU.Submit(ctx, values)
		if err != nil || !res.Closed {
			t.Fatalf("valid form: %+v, %v", res, err)
		}
		h.waitForMessage(dmsTo(admin), "Policy set: normal releases of high risk in production need 2", "<@U0BEN>", "always required", "smoke-test")
		mustContain(t, strings.Join(h.auditLines(0), "\n"), "policy set", "S0CAB,U0BEN", "required=2", "checks=smoke-test")
		mustContain(t, h.cmdAnswer(dan, releases, "/release policy show"), "production", "high", "<@U0BEN>")

		// The typed form keeps working, and only admins get the form.
		mustContain(t, h.setPolicy("normal approvers="+catM+" required=any"), "Policy set")
		h.refused(h.typing(ana, releases, "/release policy set"), "Only admins can set approval policies")
	})
}
