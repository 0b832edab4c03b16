package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Rescheduling: only the owner or an admin; the time is typed in the
// caller's zone; the announcement is updated in place with a line in its
// thread; a release that needs approval gets a new round, an approved one
// goes back to waiting; cancelled, started and finished ones cannot move.
func TestPlanningReschedule(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		day := h.day(ana, 10)
		id := h.plan(ana, "billing 2.3.0", on(day, "10:00")).ID
		ann := h.announcement(releases, id, "billing 2.3.0")
		rev := h.release(id).Revision

		h.refused(h.typing(dan, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30", id, day)), fmt.Sprintf("Only the owner (<@U0ANA>) or an admin can reschedule *R-%d* billing 2.3.0.", id))

		// The owner moves it a day later, 14:30 her time, for two hours.
		next := h.day(ana, 11)
		moved := h.instant(ana, next, "14:30")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30 duration=2h", id, next))
		mustContain(t, reply, fmt.Sprintf(":white_check_mark: Rescheduled *R-%d* billing 2.3.0 → production for ", id), slackDate(moved),
			slackDate(moved.Add(2*time.Hour)), "(2h)", "waiting for 1 approval from <@U0ADMIN>")
		r := h.release(id)
		if !r.StartAt.Equal(moved) || !r.EndAt.Equal(moved.Add(2*time.Hour)) || r.Revision <= rev || r.Status != "planned" {
			t.Fatalf("stored %+v", r)
		}
		if got := h.roundStates(id); got != "1:superseded,2:open" {
			t.Fatalf("rounds %s", got)
		}
		cur := h.waitUntilShows(ann, slackDate(moved), "(2h)")
		if !cur.Edited {
			t.Fatalf("the announcement was not updated in place")
		}
		updated := false
		for _, c := range h.slack.Calls("chat.update") {
			if c.Params["ts"] == ann.TS && c.Error == "" {
				updated = true
			}
		}
		if !updated {
			t.Fatalf("no chat.update of the announcement")
		}
		h.waitForMessage(inThread(releases, ann.TS), ":calendar: Rescheduled by <@U0ANA> to "+slackDate(moved))
		if audit := h.auditActions(id); !strings.Contains(audit, "rescheduled") {
			t.Fatalf("audit %s", audit)
		}

		// Without duration= the length stays; the same time again changes nothing.
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30", id, next)), fmt.Sprintf("Nothing changed in *R-%d* billing 2.3.0.", id))
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", id, h.day(ana, -2))), "The new start (", "is in the past; pick a time after now.")

		// Approved, then moved by an admin: it waits for approval again.
		if _, err := h.slack.As(admin).Click(ctx, h.waitUntilShows(ann, "Approve"), "Approve"); err != nil {
			t.Fatal(err)
		}
		h.eventually("R-1 approved", func() bool { return h.release(id).Status == "approved" })
		adminDay := h.day(admin, 12)
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule r-%d %s 09:00", id, adminDay)),
			fmt.Sprintf("Rescheduled *R-%d* billing 2.3.0", id), slackDate(h.instant(admin, adminDay, "09:00")), "(2h)")
		r = h.release(id)
		if r.Status != "planned" || !r.StartAt.Equal(h.instant(admin, adminDay, "09:00")) {
			t.Fatalf("after the admin's move: %+v", r)
		}
		if got := h.roundStates(id); got != "1:superseded,2:approved,3:open" {
			t.Fatalf("rounds %s", got)
		}
		h.waitUntilShows(ann, ":hourglass_flowing_sand: planned (awaiting approval)", slackDate(r.StartAt))

		// Started, finished or cancelled releases stay where they are.
		std := h.plan(dan, "docs 1.0", daysAhead(5, "10:00"), standardChange("docs")).ID
		h.eventually("the standard change approved", func() bool { return h.release(std).Status == "approved" })
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release start R-%d", std)), fmt.Sprintf("Started *R-%d* docs 1.0", std))
		h.refused(h.typing(dan, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", std, h.day(dan, 6))), fmt.Sprintf("*R-%d* docs 1.0 is in progress; a cancelled, started or finished release can't be rescheduled.", std))
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release complete R-%d", std)), fmt.Sprintf("Completed *R-%d* docs 1.0", std))
		h.refused(h.typing(dan, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", std, h.day(dan, 6))), fmt.Sprintf("*R-%d* docs 1.0 is completed; a cancelled, started or finished release can't be rescheduled.", std))
		h.refused(h.typing(dan, releases, fmt.Sprintf("/release edit R-%d", std)), fmt.Sprintf("*R-%d* docs 1.0 is completed; only releases that have not started can be edited.", std))
	})
}

// Cancelling: only the owner or an admin, with an optional reason; the
// announcement says so and its thread tells why; a cancelled release cannot
// be cancelled again, moved or edited, and leaves the upcoming list.
func TestPlanningCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		id := h.plan(ana, "billing 2.3.0", daysAhead(10, "10:00")).ID
		other := h.plan(ben, "search 1.0", daysAhead(10, "10:00")).ID
		ann := h.announcement(releases, id, "billing 2.3.0")

		h.refused(h.typing(dan, releases, fmt.Sprintf("/release cancel R-%d", id)), fmt.Sprintf("Only the owner (<@U0ANA>) or an admin can cancel *R-%d* billing 2.3.0.", id))

		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release cancel r-%d\nsupplier &amp; vendor delayed", id))
		mustContain(t, reply, fmt.Sprintf(":heavy_multiplication_x: Cancelled *R-%d* billing 2.3.0. Subscribers are told and its reminders are off.", id))
		r := h.release(id)
		if r.Status != "cancelled" || r.FinishedAt == nil {
			t.Fatalf("stored %+v", r)
		}
		if got := h.roundStates(id); got != "1:superseded" {
			t.Fatalf("rounds %s", got)
		}
		if audit := h.auditActions(id); !strings.Contains(audit, "status:cancelled") {
			t.Fatalf("audit %s", audit)
		}
		h.waitUntilShows(ann, ":heavy_multiplication_x: cancelled")
		h.waitForMessage(inThread(releases, ann.TS), ":heavy_multiplication_x: Cancelled by <@U0ANA>: supplier &amp; vendor delayed")

		h.refused(h.typing(ana, releases, fmt.Sprintf("/release cancel R-%d", id)), fmt.Sprintf("*R-%d* billing 2.3.0 — it is already cancelled. Nothing was changed.", id))
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", id, h.day(ana, 12))), fmt.Sprintf("*R-%d* billing 2.3.0 is cancelled; a cancelled, started or finished release can't be rescheduled.", id))
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release edit R-%d", id)), fmt.Sprintf("*R-%d* billing 2.3.0 is cancelled; only releases that have not started can be edited.", id))

		upcoming := h.cmdAnswer(ana, releases, "/release list")
		mustContain(t, upcoming, "Upcoming releases* — 1–1 of 1", fmt.Sprintf("`R-%d` *search* 1.0", other))
		mustNotContain(t, upcoming, fmt.Sprintf("`R-%d`", id))
		mustContain(t, h.cmdAnswer(ana, releases, "/release list all"), fmt.Sprintf("`R-%d` *billing* 2.3.0", id), ":heavy_multiplication_x: cancelled", "1–2 of 2")

		// Planning a release for someone else makes them its owner: the
		// planner may no longer cancel it, the new owner may.
		forBen := h.plan(ana, "ledger 1.0", daysAhead(11, "10:00"), with("owner=<@U0BEN|ben>")).ID
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release cancel R-%d", forBen)), fmt.Sprintf("Only the owner (<@U0BEN>) or an admin can cancel *R-%d* ledger 1.0.", forBen))
		mustContain(t, h.cmdAnswer(ben, releases, fmt.Sprintf("/release cancel R-%d", forBen)), fmt.Sprintf("Cancelled *R-%d* ledger 1.0", forBen))

		// An admin may cancel anyone's release.
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release cancel %d", other)), fmt.Sprintf("Cancelled *R-%d* search 1.0", other))
	})
}

// Another active release overlapping in time on the same service or the
// same environment is a warning that names it; back-to-back releases, other
// services in other environments and cancelled releases are not.
func TestPlanningConflicts(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		day := h.day(dan, 10)
		base := h.plan(dan, "billing 2.3.0", on(day, "10:00"), with("duration=2h")).ID

		reply := h.plan(dan, "billing 2.4.0", on(day, "11:00"), with("env=staging")).Reply
		mustContain(t, reply, fmt.Sprintf(":warning: It overlaps *R-%d* billing 2.3.0 → production (", base), "the same service).")

		reply = h.plan(dan, "search 1.0", on(day, "11:30")).Reply
		mustContain(t, reply, fmt.Sprintf(":warning: It overlaps *R-%d* billing 2.3.0 → production (", base), "the same environment).")

		reply = h.plan(dan, "billing 2.5.0", on(day, "11:45"), with("duration=10m")).Reply
		mustContain(t, reply, fmt.Sprintf("*R-%d* billing 2.3.0 → production", base), "the same service and environment).",
			"R-2* billing 2.4.0 → staging", "R-3* search 1.0 → production")

		for _, quiet := range []string{
			"billing 2.6.0 " + day + " 12:00",            // starts as the first one ends
			"billing 2.6.1 " + day + " 09:00",            // ends as it starts
			"auth 1.0 " + day + " 10:30 env=development", // another service, another environment
		} {
			reply = h.plan(dan, quiet).Reply
			if strings.Contains(reply, fmt.Sprintf("R-%d* billing 2.3.0", base)) {
				t.Fatalf("%q conflicts:\n%s", quiet, reply)
			}
		}
		h.cmdAnswer(dan, releases, fmt.Sprintf("/release cancel R-%d", base))
		reply = h.plan(dan, "payments 1.0", on(day, "10:15"), with("duration=30m")).Reply // only the cancelled one is there
		mustNotContain(t, reply, "overlaps")

		// Moving a release onto another one warns too.
		id := h.plan(dan, "ledger 1.0", daysAhead(11, "10:00")).ID
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release reschedule R-%d %s 11:40", id, day)), "Rescheduled", ":warning: It overlaps", "R-3* search 1.0 → production")
	})
}
