package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
)

// A release planned by command with every option: the reply names it, the
// announcement lands in the channel it was planned in with what, when, who,
// type, risk, impact, components and status, and the database holds the
// typed values, with the time converted from the caller's zone to UTC.
func TestPlanningByCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		day := h.day(ana, 10)
		rel := h.plan(ana, "Billing v2.3.0-rc.1", on(day, "16:30"), from(general), with(`env=staging type=normal risk=high duration=1h30m `+
			`owner=<@U0BEN|ben> title=“Quarterly billing fix” impact="Checkout is read-only for 5 minutes &amp; nobody is paged" `+
			`rollback='Redeploy 2.2.9' components="api@2.3.0, worker@1.4.1"`))
		startAt := h.instant(ana, day, "16:30")
		mustContain(t, rel.Reply, fmt.Sprintf("Planned *R-%d* billing v2.3.0-rc.1 → staging", rel.ID), slackDate(startAt), slackDate(startAt.Add(90*time.Minute)),
			"(1h30m)", "waiting for 1 approval from <@U0ADMIN>")

		r := h.release(rel.ID)
		if r.Service != "billing" || r.Version != "v2.3.0-rc.1" || r.Environment != "staging" || r.Type != "normal" || r.Risk != "high" ||
			!r.StartAt.Equal(startAt) || !r.EndAt.Equal(startAt.Add(90*time.Minute)) || r.OwnerID != ben || r.CreatedBy != ana ||
			r.Channel != general || r.Title != "Quarterly billing fix" || r.Impact != "Checkout is read-only for 5 minutes & nobody is paged" ||
			r.RollbackPlan != "Redeploy 2.2.9" || r.Status != "planned" || len(r.Components) != 2 ||
			r.Components[0].Name != "api" || r.Components[1].Version != "1.4.1" {
			t.Fatalf("stored %+v", r)
		}
		if got := h.roundStates(rel.ID); got != "1:open" {
			t.Fatalf("rounds %s", got)
		}

		// The announcement is in #general, where it was planned, not in #releases.
		ann := h.announcement(general, rel.ID, "billing v2.3.0-rc.1 → staging")
		mustContain(t, ann.Content(), "Quarterly billing fix", "*When*", slackDate(startAt), "(1h30m)", "*Owner*\n<@U0BEN>",
			"*Type · Risk*\nnormal · high", "*Environment*\nstaging", "*Components*\napi@2.3.0, worker@1.4.1",
			"*Impact*\nCheckout is read-only for 5 minutes &amp; nobody is paged", "*Rollback plan*\nRedeploy 2.2.9",
			"*Status*\n:hourglass_flowing_sand: planned (awaiting approval)", "Planned by <@U0ANA>")
		if strings.TrimSpace(ann.Text) == "" {
			t.Fatalf("the announcement has no text fallback")
		}
		for _, m := range h.slack.Messages(releases) {
			if strings.Contains(m.Content(), rel.Ref()) {
				t.Fatalf("announced in #releases too: %s", m.Content())
			}
		}

		// Defaults: production, normal, medium, 1h, owned by the caller.
		rel2 := h.plan(dan, "search 1.0.0", daysAhead(12, "09:00"))
		mustContain(t, rel2.Reply, fmt.Sprintf("*R-%d* search 1.0.0 → production", rel2.ID), "(1h)")
		r2 := h.release(rel2.ID)
		if r2.Environment != "production" || r2.Type != "normal" || r2.Risk != "medium" || r2.EndAt.Sub(r2.StartAt) != time.Hour || r2.OwnerID != dan {
			t.Fatalf("defaults: %+v", r2)
		}

		// A standard change is pre-approved.
		rel3 := h.plan(dan, "docs 4.0", daysAhead(13, "09:00"), with("type=standard risk=low duration=45m"))
		mustContain(t, rel3.Reply, fmt.Sprintf("*R-%d* docs 4.0", rel3.ID), "pre-approved by policy", "(45m)")
		h.eventually("R-3 approved", func() bool { return h.release(rel3.ID).Status == "approved" })
		h.announcement(releases, rel3.ID, ":white_check_mark: approved")

		// /release show answers to R-17, r-17 and 17 alike.
		for _, typed := range []string{rel.Ref(), fmt.Sprintf("r-%d", rel.ID), fmt.Sprint(rel.ID)} {
			shown := h.cmdAnswer(dan, releases, "/release show "+typed)
			mustContain(t, shown, fmt.Sprintf("R-%d · billing v2.3.0-rc.1 → staging", rel.ID), slackDate(startAt), "Quarterly billing fix",
				"approval round 1: 0 of 1 approval", fmt.Sprintf("`/release audit R-%d`", rel.ID))
		}
		if audit := h.auditActions(rel.ID); !strings.HasPrefix(audit, "created,round opened") {
			t.Fatalf("audit %s", audit)
		}
	})
}

// Times are typed in each user's own Slack time zone and stored in UTC;
// messages carry Slack's date syntax so every reader sees their own time.
func TestPlanningTimeZones(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		day := h.day(ben, 9)
		anaRel := h.plan(ana, "billing 1.0", on(day, "10:00"))
		benRel := h.plan(ben, "search 1.0", on(day, "10:00"))
		anaAt, benAt := h.instant(ana, day, "10:00"), h.instant(ben, day, "10:00")
		if d := benAt.Sub(anaAt); d < 5*time.Hour || d > 7*time.Hour {
			t.Fatalf("10:00 in New York is %v after 10:00 in Berlin?", d)
		}
		if got := h.release(anaRel.ID).StartAt; !got.Equal(anaAt) {
			t.Fatalf("ana's 10:00 stored as %v, want %v", got, anaAt)
		}
		if got := h.release(benRel.ID).StartAt; !got.Equal(benAt) {
			t.Fatalf("ben's 10:00 stored as %v, want %v", got, benAt)
		}
		mustContain(t, anaRel.Reply, slackDate(anaAt), anaAt.Format("15:04 UTC"))
		mustContain(t, benRel.Reply, slackDate(benAt), benAt.Format("15:04 UTC"))
		// Both releases are production releases an ocean apart: no conflict.
		mustNotContain(t, benRel.Reply, "overlaps")

		// ben moves his release to 08:00 his time: stored as 08:00 in New York.
		benMoved := h.instant(ben, day, "08:00")
		mustContain(t, h.cmdAnswer(ben, releases, fmt.Sprintf("/release reschedule R-%d %s 08:00", benRel.ID, day)),
			fmt.Sprintf("Rescheduled *R-%d* search 1.0", benRel.ID), slackDate(benMoved))
		if got := h.release(benRel.ID).StartAt; !got.Equal(benMoved) {
			t.Fatalf("ben's 08:00 stored as %v, want %v", got, benMoved)
		}

		// The calendar's days are the reader's days.
		mustContain(t, h.cmdAnswer(ana, releases, "/release calendar days=14"), "(Europe/Berlin)", slackDate(anaAt))
		mustContain(t, h.cmdAnswer(ben, releases, "/release calendar days=14"), "(America/New_York)", slackDate(benMoved))

		// The zone is read once from users.info and then cached.
		for range 3 {
			h.cmdAnswer(ana, releases, "/release suggest billing")
		}
		n := 0
		for _, c := range h.slack.Calls("users.info") {
			if c.Params["user"] == ana {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("users.info for ana called %d times", n)
		}

		// A wall-clock time that does not exist in ana's zone is refused.
		gap := nextClockGap(t, zoneOf(t, ana), h.clock.Now())
		h.refused(h.typing(ana, releases, "/release new billing 1.1 "+gap.Format("2006-01-02 15:04")), "I couldn't plan that release:", gap.Format("2006-01-02 15:04")+" does not exist in Europe/Berlin (the clocks change that night); pick another time.")
	})
}

// nextClockGap finds the next clock change forward in loc and returns a
// wall-clock minute that does not exist there (its fields are that minute).
func nextClockGap(t *testing.T, loc *time.Location, after time.Time) time.Time {
	t.Helper()
	for at := after.Add(24 * time.Hour).Truncate(time.Hour); at.Before(after.AddDate(1, 1, 0)); at = at.Add(time.Hour) {
		next := at.Add(time.Hour)
		_, before := at.In(loc).Zone()
		_, now := next.In(loc).Zone()
		if now > before {
			// At the change the clocks jump from next+before to next+now.
			return next.In(time.FixedZone("", before)).Add(30 * time.Minute)
		}
	}
	t.Fatalf("no clock change in %s within a year", loc)
	return time.Time{}
}

// Every documented mistake gets a precise message, and nothing changes.
func TestPlanningErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		// Something in the database, so "unchanged" means something.
		id := h.plan(ana, "billing 2.3.0", daysAhead(10, "10:00")).ID
		h.announcement(releases, id)
		day := h.day(ana, 11)
		yesterday := h.day(ana, -1)
		farAhead := h.day(ana, 2*365+2)
		ok := "billing 2.4.0 " + day + " 10:00"
		intro := "I couldn't plan that release: "
		for _, tc := range []struct {
			line  string
			parts []string
		}{
			{"/release new " + "billing 2.4.0 " + yesterday + " 10:00", []string{intro + "The start (", ") is in the past; pick a time after now."}},
			{"/release new " + ok + " colour=red", []string{intro + "Unknown option `colour`; valid options are `env`, `type`, `risk`, `duration`, `owner`, `title`, `impact`, `rollback`, `components`, `reason`, `fixes`."}},
			{"/release new " + ok + " env=staging env=production", []string{intro + "Option `env` is given twice."}},
			{"/release new " + ok + " duration=90", []string{intro + `"90" is not a duration; write it like 45m, 2h or 1h30m.`}},
			{"/release new " + ok + " duration=0m", []string{intro + `"0m" is too short; a release takes at least 1m.`}},
			{"/release new " + ok + " duration=80h", []string{intro + `"80h" is longer than 72h; split the work into several releases.`}},
			{"/release new " + ok + " env=qa", []string{intro + `"qa" is not an environment here; use production, staging, development.`}},
			{"/release new " + ok + " type=urgent", []string{intro + `"urgent" is not a release type; use standard, normal or emergency.`}},
			{"/release new " + ok + " risk=extreme", []string{intro + `"extreme" is not a risk level; use low, medium or high.`}},
			{"/release new bill$ing 2.4.0 " + day + " 10:00", []string{intro + `"bill$ing" is not a valid service name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'.`}},
			{`/release new "billing api" 2.4.0 ` + day + " 10:00", []string{intro + `"billing api" is not a valid service name`}},
			{"/release new " + strings.Repeat("b", 65) + " 2.4.0 " + day + " 10:00", []string{intro, `is not a valid service name: use 1 to 64`}},
			{"/release new billing 2.4.0/beta " + day + " 10:00", []string{intro + `"2.4.0/beta" is not a valid version`}},
			{"/release new " + ok + ` title="` + strings.Repeat("t", 151) + `"`, []string{intro + "The title is 151 characters long; keep it within 150."}},
			{"/release new " + ok + ` impact="` + strings.Repeat("i", 2001) + `"`, []string{intro + "The impact is 2001 characters long; keep it within 2000."}},
			{"/release new " + ok + ` rollback="` + strings.Repeat("r", 2001) + `"`, []string{intro + "The rollback plan is 2001 characters long; keep it within 2000."}},
			{"/release new " + ok + ` components="api"`, []string{intro + `"api" is not a component; write components as name@version`}},
			{"/release new " + ok + " owner=@ben", []string{intro + `owner: "@ben" is not a person; mention them, like @ana.`}},
			{"/release new " + ok + ` title="unclosed`, []string{intro + "A quote is not closed"}},
			{"/release new billing 2.4.0 " + day, []string{intro + "I need a service, a version, a date and a time, in that order: `/release new <service> <version> <YYYY-MM-DD> <HH:MM>"}},
			{"/release new billing 2.4.0 12/03/2030 10:00", []string{intro + `"12/03/2030" is not a date; write dates as YYYY-MM-DD, e.g. 2026-12-03.`}},
			// The year 9999 would end in 10000, which SQLite's text times cannot hold.
			{"/release new billing 2.4.0 9999-12-31 23:30 duration=2h", []string{intro + "The start (", ") is more than two years ahead; plan within the next two years."}},
			{"/release new billing 2.4.0 " + farAhead + " 10:00", []string{intro + "The start (", "is more than two years ahead"}},
			{"/release reschedule R-1 " + farAhead + " 10:00", []string{"The new start (", ") is more than two years ahead"}},
			{"/release new billing 2.4.0 " + day + " 10am", []string{intro + `"10am" is not a time; write times as HH:MM on a 24-hour clock, e.g. 14:30.`}},
			{"/release new bill$ing 2.4.0 " + yesterday + " 10:00 type=big env=qa", []string{"I couldn't plan that release:\n• ", `"big" is not a release type`, `"bill$ing"`, `"qa"`, "is in the past"}},
			{"/release show R-999", []string{"There is no release R-999. `/release list` shows the upcoming ones."}},
			{"/release show R-x", []string{`"R-x" is not a release id; release ids look like R-17.`}},
			{"/release show", []string{"Tell me which release: `/release show R-17`."}},
			{"/release edit R-999", []string{"There is no release R-999."}},
			{"/release edit", []string{"Tell me which release: `/release edit R-17`."}},
			{"/release reschedule R-999 " + day + " 10:00", []string{"There is no release R-999."}},
			{"/release reschedule R-1 " + day, []string{"I need the release, a date and a time: `/release reschedule R-17 2026-12-03 14:30 [duration=2h]`"}},
			{"/release reschedule R-1 " + day + " 10:00 env=staging", []string{"Unknown option `env`; valid options are `duration`. Usage: `/release reschedule"}},
			{"/release reschedule R-1 " + yesterday + " 10:00", []string{"The new start (", ") is in the past; pick a time after now."}},
			{"/release reschedule R-1 " + day + " 10:00 duration=1d", []string{`"1d" is not a duration; write it like 45m, 2h or 1h30m.`}},
			{"/release cancel R-999", []string{"There is no release R-999."}},
			{"/release cancel 0", []string{`"0" is not a release id; release ids look like R-17.`}},
			{"/release cancel R-1 " + strings.Repeat("r", 501), []string{"The reason is 501 characters long; keep it within 500."}},
			{"/release list soon", []string{`"soon" is not a list; use upcoming, recent or all.`}},
			{"/release list env=qa", []string{`"qa" is not an environment here; use production, staging, development.`}},
			{"/release list service=Bill$", []string{`"bill$" is not a valid service name`}},
			{"/release list colour=red", []string{"Unknown option `colour`; valid options are `service`, `env`."}},
			{"/release calendar days=0", []string{"days=0: give a number of days from 1 to 90."}},
			{"/release calendar days=91", []string{"days=91: give a number of days from 1 to 90."}},
			{"/release suggest", []string{"Tell me the service: `/release suggest <service> [env=<e>] [duration=<d>]`"}},
			{"/release suggest bill$ing", []string{`"bill$ing" is not a valid service name`}},
			{"/release suggest billing env=qa", []string{`"qa" is not an environment here`}},
			{"/release suggest billing duration=soon", []string{`"soon" is not a duration`}},
			{"/release freeze add " + day + " 10:00 " + day + " 09:00 reason=\"x\"", []string{"Only admins can add freeze windows."}},
			{"/release freeze remove F-1", []string{"Only admins can remove freeze windows."}},
		} {
			reply := h.refused(h.typing(ana, releases, tc.line), tc.parts...)
			mustNotContain(t, reply, "Planned")
		}
		// The owner must be a person who is still here.
		h.slack.AddUser(slackemu.User{ID: "U0GONE", Name: "gone", RealName: "Gone Away", TZ: "UTC", Deleted: true})
		h.refused(h.typing(ana, releases, "/release new "+ok+" owner=<@U0NOBODY|ghost>"), intro+"the owner <@U0NOBODY> is not in this workspace; mention a colleague, like @ana.")
		h.refused(h.typing(ana, releases, "/release new "+ok+" owner=<@U0GONE|gone>"), intro+"the owner <@U0GONE> is deactivated; choose someone who is still here.")
		h.refused(h.typing(ana, releases, "/release new "+ok+" owner=<@UBOT|releasebot>"), intro+"the owner <@UBOT> is a bot; a release needs a person who can be reminded and asked.")
		// A private channel the bot is not in could never see the announcement.
		h.refused(h.typing(ana, secret, "/release new "+ok), "I couldn't plan that release: I can't post in this channel, so nobody here would see its announcement. Invite me with `/invite @releasebot` and try again, or plan it in a channel I'm in.")
		// The admin's own freeze mistakes.
		for _, tc := range []struct {
			line  string
			parts []string
		}{
			{"/release freeze add " + day + " 10:00 " + day + " 09:00 reason=\"Backwards\"", []string{"The freeze ends (", ") before it starts ("}},
			{"/release freeze add " + day + " 10:00 " + day + " 10:00 reason=\"Empty\"", []string{"before it starts"}},
			{"/release freeze add " + yesterday + " 10:00 " + yesterday + " 11:00 reason=\"Old\"", []string{"The freeze ends in the past"}},
			{"/release freeze add " + day + " 10:00 9999-12-31 23:59 reason=\"Forever\"", []string{"The freeze's end (", ") is more than two years ahead"}},
			{"/release freeze add " + day + " 10:00 " + day + " 11:00", []string{"Say why there is a freeze with reason=\"…\""}},
			{"/release freeze add " + day + " 10:00 " + day + " 11:00 env=qa reason=\"x\"", []string{`"qa" is not an environment here; use production, staging, development, or leave env= out to freeze all of them.`}},
			{"/release freeze add " + day + " 10:00 reason=\"x\"", []string{"I need a start date and time and an end date and time"}},
			{"/release freeze add " + day + " 25:00 " + day + " 11:00 reason=\"x\"", []string{`Start: "25:00" is not a time`}},
			{"/release freeze add " + day + " 10:00 " + day + " 11:00 reason=\"" + strings.Repeat("r", 501) + "\"", []string{"The reason is 501 characters long; keep it within 500."}},
			{"/release freeze remove F-42", []string{"There is no freeze F-42. `/release freeze list` shows them."}},
			{"/release freeze remove soon", []string{`"soon" is not a freeze id; they look like F-3.`}},
		} {
			h.refused(h.typing(admin, releases, tc.line), tc.parts...)
		}
	})
}
