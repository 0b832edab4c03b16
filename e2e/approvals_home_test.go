package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// /release approvals lists the caller's pending decisions with working
// buttons; the App Home does too, answers a decision made there by DM and
// is published again without the decided release.
func TestApprovalListAndHome(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmdAnswer(ben, releases, "/release approvals"), "You have no pending approval decisions")
		mustContain(t, h.cmdAnswer(ben, releases, "/release approvals now"), "takes no arguments")
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=any")
		first := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00")).ID
		second := h.plan(ana, "search 1.4.0", daysAhead(4, "10:00")).ID
		third := h.plan(dan, "search 1.5.0", daysAhead(5, "10:00")).ID

		// The list, with a row of buttons for each.
		list := h.approvalsList(ben, releases)
		mustContain(t, list.Content(), "You have 3 pending decisions",
			fmt.Sprintf("`R-%d` *billing* 2.0.0", first), fmt.Sprintf("`R-%d` *search* 1.4.0", second), fmt.Sprintf("`R-%d` *search* 1.5.0", third),
			"0 of 1 approval: waiting for <@U0BEN>, <@U0CAT>")
		if n := len(list.Buttons()); n != 6 {
			t.Fatalf("the list has %d buttons, want Approve and Reject for each of 3", n)
		}
		if got := h.approvalsList(ana, releases).Content(); !strings.Contains(got, "no pending approval decisions") {
			t.Fatalf("the owner has decisions pending on her own releases:\n%s", got)
		}

		// A button in the list decides; each names its release.
		if _, err := h.slack.As(ben).Click(h.ctx(), list, fmt.Sprintf("Approve R-%d", first)); err != nil {
			t.Fatal(err)
		}
		h.waitForStatus(first, "approved")
		h.waitForMessage(ephemeralsTo(ben, releases), fmt.Sprintf("You approved *R-%d* billing 2.0.0", first), "That completes the approval")
		mustContain(t, h.approvalsList(ben, releases).Content(), "You have 2 pending decisions")

		// cat decides the third; the Home then offers ben only the second.
		h.approve(cat, third)
		h.waitForStatus(third, "approved")
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		var home string
		h.waitFor("ben's App Home", func() bool {
			v, ok := h.slack.As(ben).Home()
			home = v.Content()
			return ok && strings.Contains(home, "Waiting for your decision* (1)")
		})
		mustContain(t, home, fmt.Sprintf("`R-%d` *search* 1.4.0", second), fmt.Sprintf("Approve R-%d", second), fmt.Sprintf("Reject R-%d", second))

		// Approve in the Home: the answer comes by DM, the Home is refreshed.
		if _, err := h.slack.As(ben).ClickInHome(h.ctx(), fmt.Sprintf("Approve R-%d", second)); err != nil {
			t.Fatal(err)
		}
		h.waitForStatus(second, "approved")
		h.waitForMessage(dmsTo(ben), fmt.Sprintf("You approved *R-%d* search 1.4.0", second))
		h.waitFor("the Home without the decision", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)") && strings.Contains(v.Content(), "Nothing to decide")
		})

		// Reject from the Home: the modal, then the Home is refreshed.
		fourth := h.plan(ana, "billing 2.1.0", daysAhead(6, "10:00")).ID
		h.approvalRequest(ben, fourth)
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the Home with the new request", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (1)")
		})
		if _, err := h.slack.As(ben).ClickInHome(h.ctx(), fmt.Sprintf("Reject R-%d", fourth)); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the reject modal", func() bool { _, ok := h.slack.As(ben).Modal(); return ok })
		res, err := h.slack.As(ben).Submit(h.ctx(), map[string]string{"Reason": "Clashes with the billing freeze"})
		if err != nil || !res.Closed {
			t.Fatalf("reject: %+v %v", res, err)
		}
		h.waitForStatus(fourth, "rejected")
		h.waitForMessage(dmsTo(ben), fmt.Sprintf("You rejected *R-%d* billing 2.1.0", fourth))
		h.waitForMessage(dmsTo(ana), fmt.Sprintf("*R-%d* billing 2.1.0 was rejected by <@U0BEN>", fourth), "Clashes with the billing freeze")
		h.waitFor("the Home without the rejected release", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)")
		})

		// A stale Home: the round closes elsewhere; the click is refused by
		// DM and the Home is refreshed.
		fifth := h.plan(ana, "billing 2.2.0", daysAhead(7, "10:00")).ID
		h.approvalRequest(ben, fifth)
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the Home with the fifth", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), fmt.Sprintf("`R-%d`", fifth)) && strings.Contains(v.Content(), "Waiting for your decision* (1)")
		})
		h.approve(cat, fifth)
		h.waitForStatus(fifth, "approved")
		before := h.snapshot()
		if _, err := h.slack.As(ben).ClickInHome(h.ctx(), fmt.Sprintf("Approve R-%d", fifth)); err != nil {
			t.Fatal(err)
		}
		h.waitForMessage(dmsTo(ben), fmt.Sprintf("This approval request for *R-%d* billing 2.2.0 is outdated", fifth), "already approved")
		h.waitFor("the refreshed Home", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)")
		})
		h.unchanged(before, "a stale Home click")
	})
}
