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
		apContain(t, show, "*standard* (default): pre-approved", "*normal* (default): one approval from the admins: <@U0ADMIN>, <@U0CAT>",
			"*emergency* (default): one approval from the admins (<@U0ADMIN>, <@U0CAT>), then a retroactive review", "Nobody approves their own release")

		// Standard: approved by policy, nobody asked.
		std, reply := h.apNew(ana, "docs", "1.0.0", 3, "10:00", "type=standard")
		apContain(t, reply, "pre-approved by policy")
		if r := h.release(std); r.Status != "approved" || r.RetroReview {
			t.Fatalf("standard release: status %s, retro review %v", r.Status, r.RetroReview)
		}
		if rs := h.apRounds(std); len(rs) != 0 {
			t.Fatalf("a pre-approved release has rounds: %+v", rs)
		}
		trail := strings.Join(h.apAudit(std), "\n")
		apContain(t, trail, "policy status:approved planned → approved: default policy: standard changes are pre-approved")
		apContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release start R-%d", std)), "Started")

		// Normal: one approval from the admins.
		normal, reply := h.apNew(ana, "billing", "2.0.0", 4, "10:00", "")
		apContain(t, reply, "waiting for 1 approval from <@U0ADMIN>, <@U0CAT>")
		h.apRequest(admin, normal)
		h.apRequest(cat, normal)
		rs := h.apRounds(normal)
		if len(rs) != 1 || rs[0].Required != "any" || !slices.Equal(apApprovers(rs[0]), []string{admin, cat}) {
			t.Fatalf("normal round: %+v", rs)
		}
		apContain(t, h.apApprove(cat, normal), "That completes the approval")
		h.apStatus(normal, "approved")
		if r := h.release(normal); r.RetroReview {
			t.Fatalf("a normal release is flagged for review")
		}
		h.waitFor("admin's request to be closed", func() bool {
			return strings.Contains(h.apCurrent(h.apLatestRequest(admin, normal)).Content(), "No decision needed any more")
		})

		// Emergency: one admin, then a retroactive review.
		em, reply := h.apNew(ana, "billing", "2.0.1", 1, "08:00", "type=emergency")
		apContain(t, reply, "waiting for 1 approval from <@U0ADMIN>, <@U0CAT>")
		if r := h.release(em); !r.RetroReview || r.Status != "planned" {
			t.Fatalf("emergency release: status %s, retro review %v", r.Status, r.RetroReview)
		}
		apContain(t, h.apAnnouncement(em).Content(), "needs a retroactive review")
		apContain(t, h.apApprove(admin, em), "That completes the approval")
		h.apStatus(em, "approved")

		// An admin's own normal release: only the other admin is asked.
		own, reply := h.apNew(cat, "search", "3.0.0", 5, "10:00", "")
		apContain(t, reply, "waiting for 1 approval from <@U0ADMIN>.")
		if rs := h.apRounds(own); !slices.Equal(apApprovers(rs[0]), []string{admin}) {
			t.Fatalf("cat's own release asks %v", apApprovers(rs[0]))
		}
	})
}

// The only admin plans a normal release: nobody can approve it, and the
// owner is told so when the round opens.
func TestApprovalDefaultPolicyWithoutApprovers(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		id, reply := h.apNew(admin, "billing", "2.0.0", 3, "10:00", "")
		apContain(t, reply, ":warning: Nobody can approve it", "/release policy set")
		h.dmContaining(admin, fmt.Sprintf("*R-%d* billing 2.0.0 needs approval, but", id), "Nobody can approve it")
		ann := h.apAnnouncement(id)
		h.apRefused(admin, ann, "Approve", "it is your own release")
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

		apContain(t, h.cmdAnswer(ben, releases, "/release policy set normal approvers="+apBenM+" required=any"), "Only admins can set approval policies")
		for line, want := range map[string]string{
			"normal approvers=" + apBenM:                                "I need a type, approvers= and required=",
			"sometimes approvers=" + apBenM + " required=any":           "is not a release type",
			"normal approvers=" + apBenM + " required=0":                "is not a quorum",
			"normal approvers=" + apBenM + " required=most":             "is not a quorum",
			"normal approvers=" + apBenM + " required=any env=moon":     "is not an environment here",
			"normal approvers=bob required=any":                         "is not a person",
			"normal approvers=" + apBenM + "," + apCatM + " required=3": "required=3 but only 2 approvers named",
			"normal approvers= required=any":                            "Name at least one approver",
			"normal approvers=" + apBenM + " required=any colour=blue":  "Unknown option `colour`",
		} {
			apContain(t, h.cmdAnswer(admin, releases, "/release policy set "+line), want)
		}
		if ps := policies(); len(ps) != 0 {
			t.Fatalf("refused policy commands stored %+v", ps)
		}

		reply := h.apPolicy("normal approvers=" + apBenM + "," + apCabM + " required=majority")
		apContain(t, reply, "normal releases in every environment need approvals from a majority of <!subteam^S0CAB>, <@U0BEN>")
		reply = h.apPolicy("normal approvers=" + apDanM + " required=1 env=staging")
		apContain(t, reply, "normal releases in staging need 1 approval of <@U0DAN>")
		// Setting it again replaces it.
		h.apPolicy("normal approvers=" + apBenM + "," + apCabM + " required=all")
		ps := policies()
		if len(ps) != 2 || ps[0].Environment != "" || ps[0].Required != "all" || ps[0].Approvers != "S0CAB,U0BEN" || ps[0].UpdatedBy != admin || ps[1].Environment != "staging" {
			t.Fatalf("policies: %+v", ps)
		}
		show := h.cmdAnswer(ana, releases, "/release policy show")
		apContain(t, show, "*normal* (all environments): required=all of <!subteam^S0CAB>, <@U0BEN>", "*normal* (staging only): required=1 of <@U0DAN>",
			"*standard* (default)", "*emergency* (default)")
		mustNotContain(t, show, "*normal* (default)")

		prod, _ := h.apNew(ana, "billing", "2.0.0", 3, "10:00", "")
		if got := apApprovers(h.apRounds(prod)[0]); !slices.Equal(got, []string{ben, cat}) {
			t.Fatalf("production asks %v", got)
		}
		stg, _ := h.apNew(ana, "billing", "2.0.0", 3, "12:00", "env=staging")
		if got := apApprovers(h.apRounds(stg)[0]); !slices.Equal(got, []string{dan}) {
			t.Fatalf("staging asks %v", got)
		}
		// A type with only an environment policy keeps its default elsewhere.
		h.apPolicy("standard approvers=" + apCatM + " required=any env=production")
		std, reply := h.apNew(ana, "docs", "1.0.0", 4, "10:00", "type=standard")
		apContain(t, reply, "waiting for 1 approval from <@U0CAT>")
		if r := h.release(std); r.Status != "planned" {
			t.Fatalf("standard release in production with a policy is %s", r.Status)
		}
		std2, reply := h.apNew(ana, "docs", "1.0.0", 4, "12:00", "type=standard env=development")
		apContain(t, reply, "pre-approved by policy")
		h.apStatus(std2, "approved")

		trail := auditActions(t, h, 0)
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
		h.apPolicy("normal approvers=" + apCabM + "," + apDanM + " required=all")
		calls := len(h.slack.Calls("usergroups.users.list"))
		first, reply := h.apNew(ana, "billing", "2.0.0", 3, "10:00", "")
		apContain(t, reply, "waiting for 3 approvals from <@U0BEN>, <@U0CAT>, <@U0DAN>")
		if n := len(h.slack.Calls("usergroups.users.list")) - calls; n != 1 {
			t.Fatalf("%d usergroups.users.list calls for one round", n)
		}
		for _, u := range []string{ben, cat, dan} {
			h.apRequest(u, first)
		}

		// ben leaves the group: he still decides in the open round.
		h.slack.SetUserGroupUsers("S0CAB", []string{cat, admin})
		apContain(t, h.apApprove(ben, first), "You approved")
		if got := apApprovers(h.apRounds(first)[0]); !slices.Equal(got, []string{ben, cat, dan}) {
			t.Fatalf("the open round changed with the group: %v", got)
		}

		// The next round asks the group as it is now; the owner is left
		// out even when the group holds her.
		h.slack.SetUserGroupUsers("S0CAB", []string{cat, admin, ana})
		second, reply := h.apNew(ana, "billing", "2.0.1", 4, "10:00", "")
		apContain(t, reply, "waiting for 3 approvals from <@U0CAT>, <@U0ADMIN>, <@U0DAN>")
		if got := sortedIDs(apApprovers(h.apRounds(second)[0])); !slices.Equal(got, []string{admin, cat, dan}) {
			t.Fatalf("second round asks %v", got)
		}
		if n := h.apCountDMs(ana, "asks for your approval"); n != 0 {
			t.Fatalf("the owner was asked to approve her own release")
		}
		if n := len(h.apRequests(ben, second)); n != 0 {
			t.Fatalf("ben, no longer in the group, was asked")
		}
		h.apRequest(admin, second)

		// Slack cannot list the group: nothing is planned, and the owner
		// is told why.
		h.slack.SetFault("usergroups.users.list", slackemu.Fault{SlackError: "no_such_subteam"})
		before := h.apSnapshot()
		apContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release new billing 2.0.2 %s 10:00", apDay(6))),
			"I couldn't read the members of the user group <!subteam^S0CAB>", "no_such_subteam", "was not opened")
		if after := h.apSnapshot(); after != before {
			t.Fatalf("a failed group lookup changed the database")
		}
		h.slack.ClearFaults()
	})
}

// Segregation of duties covers whoever asked for the change, not only its
// owner: an approver who plans a release for a colleague is not asked to
// approve it, and a click of theirs is refused and changes nothing.
func TestApprovalRequesterCannotApprove(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.apPolicy("normal approvers=" + apBenM + "," + apCatM + " required=all")
		id, reply := h.apNew(ben, "billing", "2.0.0", 3, "10:00", "owner=<@U0ANA|ana>")
		apContain(t, reply, "waiting for 1 approval from <@U0CAT>.")
		if rs := h.apRounds(id); !slices.Equal(apApprovers(rs[0]), []string{cat}) {
			t.Fatalf("the round asks %v", apApprovers(rs[0]))
		}
		h.apRefused(ben, h.apAnnouncement(id), "Approve", fmt.Sprintf("You can't approve or reject *R-%d*", id), "you planned it (for <@U0ANA>)")
		h.apApprove(cat, id)
		h.apStatus(id, "approved")
		if n := len(h.apRequests(ben, id)); n != 0 {
			t.Fatalf("ben was asked to approve the release he planned %d times", n)
		}

		// An admin who moves ana's release is not among those who approve
		// the move, though the policy names him.
		h.apPolicy("normal approvers=" + apAdminM + "," + apCatM + " required=any")
		moved, _ := h.apNew(ana, "ledger", "1.0.0", 3, "10:00", "")
		reply = h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule R-%d %s 11:00", moved, apDay(4)))
		apContain(t, reply, fmt.Sprintf("Rescheduled *R-%d*", moved), "waiting for 1 approval from <@U0CAT>.")
		rs := h.apRounds(moved)
		if last := rs[len(rs)-1]; !slices.Equal(apApprovers(last), []string{cat}) || last.RequestedBy != admin {
			t.Fatalf("the round after the admin's move: approvers %v, requested by %q", apApprovers(last), last.RequestedBy)
		}
		h.apRefused(admin, h.apAnnouncement(moved), "Approve", fmt.Sprintf("You can't approve or reject *R-%d*", moved), "you made the change this approval is for")
	})
}
