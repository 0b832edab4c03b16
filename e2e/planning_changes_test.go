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
		day := plDate(t, h, ana, 10)
		id, _ := plNew(t, h, ana, releases, "billing 2.3.0 "+day+" 10:00")
		ann := plAnnouncement(t, h, releases, id, "billing 2.3.0")
		rev := h.release(id).Revision

		plRefused(t, h, dan, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30", id, day),
			fmt.Sprintf("Only the owner (<@U0ANA>) or an admin can reschedule *R-%d* billing 2.3.0.", id))

		// The owner moves it a day later, 14:30 her time, for two hours.
		next := plDate(t, h, ana, 11)
		moved := plAt(t, ana, next, "14:30")
		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30 duration=2h", id, next))
		mustContain(t, reply, fmt.Sprintf(":white_check_mark: Rescheduled *R-%d* billing 2.3.0 → production for ", id), plSlackDate(moved),
			plSlackDate(moved.Add(2*time.Hour)), "(2h)", "waiting for 1 approval from <@U0ADMIN>")
		r := h.release(id)
		if !r.StartAt.Equal(moved) || !r.EndAt.Equal(moved.Add(2*time.Hour)) || r.Revision <= rev || r.Status != "planned" {
			t.Fatalf("stored %+v", r)
		}
		if got := plRounds(t, h, id); got != "1:superseded,2:open" {
			t.Fatalf("rounds %s", got)
		}
		cur := plCurrent(t, h, ann, plSlackDate(moved), "(2h)")
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
		h.threadReply(releases, ann.TS, ":calendar: Rescheduled by <@U0ANA> to "+plSlackDate(moved))
		if audit := plAudit(t, h, id); !strings.Contains(audit, "rescheduled") {
			t.Fatalf("audit %s", audit)
		}

		// Without duration= the length stays; the same time again changes nothing.
		plRefused(t, h, ana, releases, fmt.Sprintf("/release reschedule R-%d %s 14:30", id, next), fmt.Sprintf("Nothing changed in *R-%d* billing 2.3.0.", id))
		plRefused(t, h, ana, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", id, plDate(t, h, ana, -2)), "The new start (", "is in the past; pick a time after now.")

		// Approved, then moved by an admin: it waits for approval again.
		if _, err := h.slack.As(admin).Click(ctx, plCurrent(t, h, ann, "Approve"), "Approve"); err != nil {
			t.Fatal(err)
		}
		h.eventually("R-1 approved", func() bool { return h.release(id).Status == "approved" })
		adminDay := plDate(t, h, admin, 12)
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release reschedule r-%d %s 09:00", id, adminDay)),
			fmt.Sprintf("Rescheduled *R-%d* billing 2.3.0", id), plSlackDate(plAt(t, admin, adminDay, "09:00")), "(2h)")
		r = h.release(id)
		if r.Status != "planned" || !r.StartAt.Equal(plAt(t, admin, adminDay, "09:00")) {
			t.Fatalf("after the admin's move: %+v", r)
		}
		if got := plRounds(t, h, id); got != "1:superseded,2:approved,3:open" {
			t.Fatalf("rounds %s", got)
		}
		plCurrent(t, h, ann, ":hourglass_flowing_sand: planned (awaiting approval)", plSlackDate(r.StartAt))

		// Started, finished or cancelled releases stay where they are.
		std, _ := plNew(t, h, dan, releases, "docs 1.0 "+plDate(t, h, dan, 5)+" 10:00 type=standard")
		h.eventually("the standard change approved", func() bool { return h.release(std).Status == "approved" })
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release start R-%d", std)), fmt.Sprintf("Started *R-%d* docs 1.0", std))
		plRefused(t, h, dan, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", std, plDate(t, h, dan, 6)),
			fmt.Sprintf("*R-%d* docs 1.0 is in progress; a cancelled, started or finished release can't be rescheduled.", std))
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release complete R-%d", std)), fmt.Sprintf("Completed *R-%d* docs 1.0", std))
		plRefused(t, h, dan, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", std, plDate(t, h, dan, 6)),
			fmt.Sprintf("*R-%d* docs 1.0 is completed; a cancelled, started or finished release can't be rescheduled.", std))
		plRefused(t, h, dan, releases, fmt.Sprintf("/release edit R-%d", std),
			fmt.Sprintf("*R-%d* docs 1.0 is completed; only releases that have not started can be edited.", std))
	})
}

// Cancelling: only the owner or an admin, with an optional reason; the
// announcement says so and its thread tells why; a cancelled release cannot
// be cancelled again, moved or edited, and leaves the upcoming list.
func TestPlanningCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		id, _ := plNew(t, h, ana, releases, "billing 2.3.0 "+plDate(t, h, ana, 10)+" 10:00")
		other, _ := plNew(t, h, ben, releases, "search 1.0 "+plDate(t, h, ben, 10)+" 10:00")
		ann := plAnnouncement(t, h, releases, id, "billing 2.3.0")

		plRefused(t, h, dan, releases, fmt.Sprintf("/release cancel R-%d", id),
			fmt.Sprintf("Only the owner (<@U0ANA>) or an admin can cancel *R-%d* billing 2.3.0.", id))

		reply := h.cmdAnswer(ana, releases, fmt.Sprintf("/release cancel r-%d\nsupplier &amp; vendor delayed", id))
		mustContain(t, reply, fmt.Sprintf(":heavy_multiplication_x: Cancelled *R-%d* billing 2.3.0. Subscribers are told and its reminders are off.", id))
		r := h.release(id)
		if r.Status != "cancelled" || r.FinishedAt == nil {
			t.Fatalf("stored %+v", r)
		}
		if got := plRounds(t, h, id); got != "1:superseded" {
			t.Fatalf("rounds %s", got)
		}
		if audit := plAudit(t, h, id); !strings.Contains(audit, "status:cancelled") {
			t.Fatalf("audit %s", audit)
		}
		plCurrent(t, h, ann, ":heavy_multiplication_x: cancelled")
		h.threadReply(releases, ann.TS, ":heavy_multiplication_x: Cancelled by <@U0ANA>: supplier &amp; vendor delayed")

		plRefused(t, h, ana, releases, fmt.Sprintf("/release cancel R-%d", id), fmt.Sprintf("*R-%d* billing 2.3.0 — it is already cancelled. Nothing was changed.", id))
		plRefused(t, h, ana, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", id, plDate(t, h, ana, 12)),
			fmt.Sprintf("*R-%d* billing 2.3.0 is cancelled; a cancelled, started or finished release can't be rescheduled.", id))
		plRefused(t, h, ana, releases, fmt.Sprintf("/release edit R-%d", id),
			fmt.Sprintf("*R-%d* billing 2.3.0 is cancelled; only releases that have not started can be edited.", id))

		upcoming := h.cmdAnswer(ana, releases, "/release list")
		mustContain(t, upcoming, "Upcoming releases* — 1–1 of 1", fmt.Sprintf("`R-%d` *search* 1.0", other))
		mustNotContain(t, upcoming, fmt.Sprintf("`R-%d`", id))
		mustContain(t, h.cmdAnswer(ana, releases, "/release list all"), fmt.Sprintf("`R-%d` *billing* 2.3.0", id), ":heavy_multiplication_x: cancelled", "1–2 of 2")

		// Planning a release for someone else makes them its owner: the
		// planner may no longer cancel it, the new owner may.
		forBen, _ := plNew(t, h, ana, releases, "ledger 1.0 "+plDate(t, h, ana, 11)+" 10:00 owner=<@U0BEN|ben>")
		plRefused(t, h, ana, releases, fmt.Sprintf("/release cancel R-%d", forBen), fmt.Sprintf("Only the owner (<@U0BEN>) or an admin can cancel *R-%d* ledger 1.0.", forBen))
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
		day := plDate(t, h, dan, 10)
		base, _ := plNew(t, h, dan, releases, "billing 2.3.0 "+day+" 10:00 duration=2h")

		_, reply := plNew(t, h, dan, releases, "billing 2.4.0 "+day+" 11:00 env=staging")
		mustContain(t, reply, fmt.Sprintf(":warning: It overlaps *R-%d* billing 2.3.0 → production (", base), "the same service).")

		_, reply = plNew(t, h, dan, releases, "search 1.0 "+day+" 11:30")
		mustContain(t, reply, fmt.Sprintf(":warning: It overlaps *R-%d* billing 2.3.0 → production (", base), "the same environment).")

		_, reply = plNew(t, h, dan, releases, "billing 2.5.0 "+day+" 11:45 duration=10m")
		mustContain(t, reply, fmt.Sprintf("*R-%d* billing 2.3.0 → production", base), "the same service and environment).",
			"R-2* billing 2.4.0 → staging", "R-3* search 1.0 → production")

		for _, quiet := range []string{
			"billing 2.6.0 " + day + " 12:00",            // starts as the first one ends
			"billing 2.6.1 " + day + " 09:00",            // ends as it starts
			"auth 1.0 " + day + " 10:30 env=development", // another service, another environment
		} {
			_, reply = plNew(t, h, dan, releases, quiet)
			if strings.Contains(reply, fmt.Sprintf("R-%d* billing 2.3.0", base)) {
				t.Fatalf("%q conflicts:\n%s", quiet, reply)
			}
		}
		h.cmdAnswer(dan, releases, fmt.Sprintf("/release cancel R-%d", base))
		_, reply = plNew(t, h, dan, releases, "payments 1.0 "+day+" 10:15 duration=30m") // only the cancelled one is there
		mustNotContain(t, reply, "overlaps")

		// Moving a release onto another one warns too.
		_, reply = plNew(t, h, dan, releases, "ledger 1.0 "+plDate(t, h, dan, 11)+" 10:00")
		id := plIDPattern.FindStringSubmatch(reply)[1]
		mustContain(t, h.cmdAnswer(dan, releases, fmt.Sprintf("/release reschedule R-%s %s 11:40", id, day)), "Rescheduled", ":warning: It overlaps", "R-3* search 1.0 → production")
	})
}
