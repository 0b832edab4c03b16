package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// With no policy set: standard changes are pre-approved by policy at
// creation, normal and emergency ones need one admin, and emergencies are
// flagged for a retroactive review.
func TestApprovalDefaultPolicies(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, env: map[string]string{"ADMINS": admin + "," + cat}})
		show := h.cmdAnswer(dan, releases, "/release policy show")
		mustContain(t, show, "*standard · any environment · any risk* (default) → pre-approved when it fits a template",
			"*normal · any environment · any risk* (default) → one approval from the admins: <@U0ADMIN>, <@U0CAT>",
			"*emergency · any environment · any risk* (default) → one approval from the admins (<@U0ADMIN>, <@U0CAT>), then a retroactive review", "Nobody approves their own release")

		// Standard: approved by policy, nobody asked.
		std := h.plan(ana, "docs 1.0.0", daysAhead(3, "10:00"), standardChange("docs"))
		mustContain(t, std.Reply, "pre-approved by policy")
		if r := h.release(std.ID); r.Status != "approved" || r.RetroReview {
			t.Fatalf("standard release: status %s, retro review %v", r.Status, r.RetroReview)
		}
		if rs := h.rounds(std.ID); len(rs) != 0 {
			t.Fatalf("a pre-approved release has rounds: %+v", rs)
		}
		trail := strings.Join(h.auditLines(std.ID), "\n")
		mustContain(t, trail, "policy status:approved planned → approved: default policy: standard changes are pre-approved")
		mustContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release start R-%d", std.ID)), "Started")

		// Normal: one approval from the admins.
		normal := h.plan(ana, "billing 2.0.0", daysAhead(4, "10:00"))
		mustContain(t, normal.Reply, "waiting for 1 approval from <@U0ADMIN>, <@U0CAT>")
		h.approvalRequest(admin, normal.ID)
		h.approvalRequest(cat, normal.ID)
		rs := h.rounds(normal.ID)
		if len(rs) != 1 || rs[0].Required != "any" || !slices.Equal(approverIDs(rs[0]), []string{admin, cat}) {
			t.Fatalf("normal round: %+v", rs)
		}
		mustContain(t, h.approve(cat, normal.ID), "That completes the approval")
		h.waitForStatus(normal.ID, "approved")
		if r := h.release(normal.ID); r.RetroReview {
			t.Fatalf("a normal release is flagged for review")
		}
		h.waitFor("admin's request to be closed", func() bool {
			return strings.Contains(h.current(h.latestRequest(admin, normal.ID)).Content(), "No decision needed any more")
		})

		// Emergency: one admin, then a retroactive review.
		em := h.plan(ana, "billing 2.0.1", daysAhead(1, "08:00"), with("type=emergency"))
		mustContain(t, em.Reply, "waiting for 1 approval from <@U0ADMIN>, <@U0CAT>")
		if r := h.release(em.ID); !r.RetroReview || r.Status != "planned" {
			t.Fatalf("emergency release: status %s, retro review %v", r.Status, r.RetroReview)
		}
		mustContain(t, h.announcement(releases, em.ID).Content(), "needs a retroactive review")
		mustContain(t, h.approve(admin, em.ID), "That completes the approval")
		h.waitForStatus(em.ID, "approved")

		// An admin's own normal release: only the other admin is asked.
		own := h.plan(cat, "search 3.0.0", daysAhead(5, "10:00"))
		mustContain(t, own.Reply, "waiting for 1 approval from <@U0ADMIN>.")
		if rs := h.rounds(own.ID); !slices.Equal(approverIDs(rs[0]), []string{admin}) {
			t.Fatalf("cat's own release asks %v", approverIDs(rs[0]))
		}
	})
}

// The only admin plans a normal release: nobody can approve it, and the
// owner is told so when the round opens.
func TestApprovalDefaultPolicyWithoutApprovers(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		rel := h.plan(admin, "billing 2.0.0", daysAhead(3, "10:00"))
		mustContain(t, rel.Reply, ":warning: Nobody can approve it", "/release policy set")
		h.waitForMessage(dmsTo(admin), fmt.Sprintf("*R-%d* billing 2.0.0 needs approval, but", rel.ID), "Nobody can approve it")
		ann := h.announcement(releases, rel.ID)
		h.refused(h.clicking(admin, ann, "Approve"), "it is your own release")
	})
}

// Policies: only admins set them; users and groups; an environment's own
// policy wins over its type's general one; bad input is explained and
// changes nothing.
func TestApprovalPolicies(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		policies := func() []storage.ApprovalPolicy {
			ps, err := h.store.Policies(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}

		mustContain(t, h.cmdAnswer(ben, releases, "/release policy set normal approvers="+benM+" required=any"), "Only admins can set approval policies")
		for line, want := range map[string]string{
			"normal approvers=" + benM:                               "I need a type, approvers= and required=",
			"sometimes approvers=" + benM + " required=any":          "is not a release type",
			"normal approvers=" + benM + " required=0":               "is not a quorum",
			"normal approvers=" + benM + " required=most":            "is not a quorum",
			"normal approvers=" + benM + " required=any env=moon":    "is not an environment here",
			"normal approvers=bob required=any":                      "is not a person",
			"normal approvers=" + benM + "," + catM + " required=3":  "required=3 but only 2 approvers named",
			"normal approvers= required=any":                         "Name at least one approver",
			"normal approvers=" + benM + " required=any colour=blue": "Unknown option `colour`",
		} {
			mustContain(t, h.cmdAnswer(admin, releases, "/release policy set "+line), want)
		}
		if ps := policies(); len(ps) != 0 {
			t.Fatalf("refused policy commands stored %+v", ps)
		}

		reply := h.setPolicy("normal approvers=" + benM + "," + cabM + " required=majority")
		mustContain(t, reply, "normal releases in every environment need approvals from a majority of <!subteam^S0CAB>, <@U0BEN>")
		reply = h.setPolicy("normal approvers=" + danM + " required=1 env=staging")
		mustContain(t, reply, "normal releases in staging need 1 approval of <@U0DAN>")
		// Setting it again replaces it.
		h.setPolicy("normal approvers=" + benM + "," + cabM + " required=all")
		ps := policies()
		if len(ps) != 2 || ps[0].Environment != "" || ps[0].Required != "all" || ps[0].Approvers != "S0CAB,U0BEN" || ps[0].UpdatedBy != admin || ps[1].Environment != "staging" {
			t.Fatalf("policies: %+v", ps)
		}
		show := h.cmdAnswer(ana, releases, "/release policy show")
		mustContain(t, show, "*normal · any environment · any risk* → approvals from all of <!subteam^S0CAB>, <@U0BEN>", "*normal · staging · any risk* → 1 approval of <@U0DAN>",
			"*standard · any environment · any risk* (default)", "*emergency · any environment · any risk* (default)")
		mustNotContain(t, show, "*normal · any environment · any risk* (default)")

		prod := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00")).ID
		if got := approverIDs(h.rounds(prod)[0]); !slices.Equal(got, []string{ben, cat}) {
			t.Fatalf("production asks %v", got)
		}
		stg := h.plan(ana, "billing 2.0.0", daysAhead(3, "12:00"), with("env=staging")).ID
		if got := approverIDs(h.rounds(stg)[0]); !slices.Equal(got, []string{dan}) {
			t.Fatalf("staging asks %v", got)
		}
		// A type with only an environment policy keeps its default elsewhere.
		h.setPolicy("standard approvers=" + catM + " required=any env=production")
		std := h.plan(ana, "docs 1.0.0", daysAhead(4, "10:00"), standardChange("docs"))
		mustContain(t, std.Reply, "waiting for 1 approval from <@U0CAT>")
		if r := h.release(std.ID); r.Status != "planned" {
			t.Fatalf("standard release in production with a policy is %s", r.Status)
		}
		std2 := h.plan(ana, "docs 1.0.0", daysAhead(4, "12:00"), with("env=development"), standardChange("docs"))
		mustContain(t, std2.Reply, "pre-approved by policy")
		h.waitForStatus(std2.ID, "approved")

		trail := h.auditActions(0)
		if n := strings.Count(trail, "policy set"); n != 4 {
			t.Fatalf("%d policy changes audited, want 4: %s", n, trail)
		}
	})
}

// User groups are resolved with usergroups.users.list when a round opens
// and the members are stored with the round: a later change of the group
// does not change an open round, but the next round sees it.
func TestApprovalUserGroups(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + cabM + "," + danM + " required=all")
		calls := len(h.slack.Calls("usergroups.users.list"))
		first := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00"))
		mustContain(t, first.Reply, "waiting for 3 approvals from <@U0BEN>, <@U0CAT>, <@U0DAN>")
		if n := len(h.slack.Calls("usergroups.users.list")) - calls; n != 1 {
			t.Fatalf("%d usergroups.users.list calls for one round", n)
		}
		for _, u := range []string{ben, cat, dan} {
			h.approvalRequest(u, first.ID)
		}

		// ben leaves the group: he still decides in the open round.
		h.slack.SetUserGroupUsers("S0CAB", []string{cat, admin})
		mustContain(t, h.approve(ben, first.ID), "You approved")
		if got := approverIDs(h.rounds(first.ID)[0]); !slices.Equal(got, []string{ben, cat, dan}) {
			t.Fatalf("the open round changed with the group: %v", got)
		}

		// The next round asks the group as it is now; the owner is left
		// out even when the group holds her.
		h.slack.SetUserGroupUsers("S0CAB", []string{cat, admin, ana})
		second := h.plan(ana, "billing 2.0.1", daysAhead(4, "10:00"))
		mustContain(t, second.Reply, "waiting for 3 approvals from <@U0CAT>, <@U0ADMIN>, <@U0DAN>")
		if got := sortedIDs(approverIDs(h.rounds(second.ID)[0])); !slices.Equal(got, []string{admin, cat, dan}) {
			t.Fatalf("second round asks %v", got)
		}
		if n := count(h.slack.As(ana).DMs(), "asks for your approval"); n != 0 {
			t.Fatalf("the owner was asked to approve her own release")
		}
		if n := len(h.approvalRequests(ben, second.ID)); n != 0 {
			t.Fatalf("ben, no longer in the group, was asked")
		}
		h.approvalRequest(admin, second.ID)

		// Slack cannot list the group: nothing is planned, and the owner
		// is told why.
		h.slack.SetFault("usergroups.users.list", slackemu.Fault{SlackError: "no_such_subteam"})
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release new billing 2.0.2 %s 10:00", h.day(ana, 6))),
			"I couldn't read the members of the user group <!subteam^S0CAB>", "no_such_subteam", "was not opened")
		h.slack.ClearFaults()
	})
}

// Segregation of duties covers whoever asked for the change, not only its
// owner: an approver who plans a release for a colleague is not asked to
// approve it, and a click of theirs is refused and changes nothing.
func TestApprovalRequesterCannotApprove(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal approvers=" + benM + "," + catM + " required=all")
		rel := h.plan(ben, "billing 2.0.0", daysAhead(3, "10:00"), with("owner=<@U0ANA|ana>"))
		mustContain(t, rel.Reply, "waiting for 1 approval from <@U0CAT>.")
		if rs := h.rounds(rel.ID); !slices.Equal(approverIDs(rs[0]), []string{cat}) {
			t.Fatalf("the round asks %v", approverIDs(rs[0]))
		}
		h.refused(h.clicking(ben, h.announcement(releases, rel.ID), "Approve"), fmt.Sprintf("You can't approve or reject *R-%d*", rel.ID), "you planned it (for <@U0ANA>)")
		h.approve(cat, rel.ID)
		h.waitForStatus(rel.ID, "approved")
		if n := len(h.approvalRequests(ben, rel.ID)); n != 0 {
			t.Fatalf("ben was asked to approve the release he planned %d times", n)
		}

		// An admin who moves ana's release is not among those who approve
		// the move, though the policy names him.
		h.setPolicy("normal approvers=" + adminM + "," + catM + " required=any")
		moved := h.plan(ana, "ledger 1.0.0", daysAhead(3, "10:00")).ID
		reply := h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule R-%d %s 11:00", moved, h.day(admin, 4)))
		mustContain(t, reply, fmt.Sprintf("Rescheduled *R-%d*", moved), "waiting for 1 approval from <@U0CAT>.")
		rs := h.rounds(moved)
		if last := rs[len(rs)-1]; !slices.Equal(approverIDs(last), []string{cat}) || last.RequestedBy != admin {
			t.Fatalf("the round after the admin's move: approvers %v, requested by %q", approverIDs(last), last.RequestedBy)
		}
		h.refused(h.clicking(admin, h.announcement(releases, moved), "Approve"), fmt.Sprintf("You can't approve or reject *R-%d*", moved), "you made the change this approval is for")
	})
}
