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
		apContain(t, h.cmdAnswer(ben, releases, "/release approvals"), "You have no pending approval decisions")
		apContain(t, h.cmdAnswer(ben, releases, "/release approvals now"), "takes no arguments")
		h.apPolicy("normal approvers=" + apBenM + "," + apCatM + " required=any")
		first, _ := h.apNew(ana, "billing", "2.0.0", 3, "10:00", "")
		second, _ := h.apNew(ana, "search", "1.4.0", 4, "10:00", "")
		third, _ := h.apNew(dan, "search", "1.5.0", 5, "10:00", "")

		// The list, with a row of buttons for each.
		list := h.apListApprovals(ben, releases)
		apContain(t, list.Content(), "You have 3 pending decisions",
			fmt.Sprintf("`R-%d` *billing* 2.0.0", first), fmt.Sprintf("`R-%d` *search* 1.4.0", second), fmt.Sprintf("`R-%d` *search* 1.5.0", third),
			"0 of 1 approval: waiting for <@U0BEN>, <@U0CAT>")
		if n := len(list.Buttons()); n != 6 {
			t.Fatalf("the list has %d buttons, want Approve and Reject for each of 3", n)
		}
		if got := h.apListApprovals(ana, releases).Content(); !strings.Contains(got, "no pending approval decisions") {
			t.Fatalf("the owner has decisions pending on her own releases:\n%s", got)
		}

		// A button in the list decides; each names its release.
		if _, err := h.slack.As(ben).Click(h.ctx(), list, fmt.Sprintf("Approve R-%d", first)); err != nil {
			t.Fatal(err)
		}
		h.apStatus(first, "approved")
		h.apEphemeral(ben, releases, fmt.Sprintf("You approved *R-%d* billing 2.0.0", first), "That completes the approval")
		apContain(t, h.apListApprovals(ben, releases).Content(), "You have 2 pending decisions")

		// cat decides the third; the Home then offers ben only the second.
		h.apApprove(cat, third)
		h.apStatus(third, "approved")
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		var home string
		h.waitFor("ben's App Home", func() bool {
			v, ok := h.slack.As(ben).Home()
			home = v.Content()
			return ok && strings.Contains(home, "Waiting for your decision* (1)")
		})
		apContain(t, home, fmt.Sprintf("`R-%d` *search* 1.4.0", second), fmt.Sprintf("Approve R-%d", second), fmt.Sprintf("Reject R-%d", second))

		// Approve in the Home: the answer comes by DM, the Home is refreshed.
		dms := len(h.slack.As(ben).DMs())
		if _, err := h.slack.As(ben).ClickInHome(h.ctx(), fmt.Sprintf("Approve R-%d", second)); err != nil {
			t.Fatal(err)
		}
		h.apStatus(second, "approved")
		h.waitFor("the answer by DM", func() bool {
			for _, m := range h.slack.As(ben).DMs()[dms:] {
				if strings.Contains(m.Content(), fmt.Sprintf("You approved *R-%d* search 1.4.0", second)) {
					return true
				}
			}
			return false
		})
		h.waitFor("the Home without the decision", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)") && strings.Contains(v.Content(), "Nothing to decide")
		})

		// Reject from the Home: the modal, then the Home is refreshed.
		fourth, _ := h.apNew(ana, "billing", "2.1.0", 6, "10:00", "")
		h.apRequest(ben, fourth)
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
		h.apStatus(fourth, "rejected")
		h.dmContaining(ben, fmt.Sprintf("You rejected *R-%d* billing 2.1.0", fourth))
		h.dmContaining(ana, fmt.Sprintf("*R-%d* billing 2.1.0 was rejected by <@U0BEN>", fourth), "Clashes with the billing freeze")
		h.waitFor("the Home without the rejected release", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)")
		})

		// A stale Home: the round closes elsewhere; the click is refused by
		// DM and the Home is refreshed.
		fifth, _ := h.apNew(ana, "billing", "2.2.0", 7, "10:00", "")
		h.apRequest(ben, fifth)
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the Home with the fifth", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), fmt.Sprintf("`R-%d`", fifth)) && strings.Contains(v.Content(), "Waiting for your decision* (1)")
		})
		h.apApprove(cat, fifth)
		h.apStatus(fifth, "approved")
		before := h.apSnapshot()
		if _, err := h.slack.As(ben).ClickInHome(h.ctx(), fmt.Sprintf("Approve R-%d", fifth)); err != nil {
			t.Fatal(err)
		}
		h.dmContaining(ben, fmt.Sprintf("This approval request for *R-%d* billing 2.2.0 is outdated", fifth), "already approved")
		h.waitFor("the refreshed Home", func() bool {
			v, _ := h.slack.As(ben).Home()
			return strings.Contains(v.Content(), "Waiting for your decision* (0)")
		})
		if after := h.apSnapshot(); after != before {
			t.Fatalf("a stale Home click changed the database")
		}
	})
}
