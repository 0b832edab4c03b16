package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// Freeze windows: only admins add and remove them; everyone lists them;
// planning or moving a release into one is refused with its reason, by
// command and in the form, except an emergency with a reason, which is
// allowed, recorded in the audit trail and marked for a retroactive review.
func TestPlanningFreezes(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		// Admin types in UTC; ana in Berlin.
		fromDay, toDay := h.day(admin, 20), h.day(admin, 22)
		freezeStart, freezeEnd := h.instant(admin, fromDay, "18:00"), h.instant(admin, toDay, "08:00")
		inside := freezeStart.Add(24 * time.Hour).In(zoneOf(t, ana)) // a day into the freeze, as ana types it
		insideDay, insideTime := inside.Format("2006-01-02"), inside.Format("15:04")

		already := h.plan(ana, "billing 2.3.0", on(insideDay, insideTime)).ID
		h.refused(h.typing(ana, releases, fmt.Sprintf(`/release freeze add %s 18:00 %s 08:00 reason="Holiday freeze"`, fromDay, toDay)), "Only admins can add freeze windows. `/release freeze list` shows the current ones.")
		reply := h.cmdAnswer(admin, releases, fmt.Sprintf(`/release freeze add %s 18:00 %s 08:00 reason=“Holiday freeze”`, fromDay, toDay))
		mustContain(t, reply, ":snowflake: Added freeze *F-1* for all environments: ", slackDate(freezeStart), slackDate(freezeEnd), "“Holiday freeze”",
			fmt.Sprintf(":warning: 1 planned release overlaps it and was not changed: *R-%d* billing 2.3.0. Its owner should reschedule it.", already))
		stagingDay := h.day(admin, 25)
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf(`/release freeze add %s 00:00 %s 23:00 env=staging reason="Staging rebuild"`, stagingDay, stagingDay)),
			"Added freeze *F-2* for staging")
		var freezes []storage.FreezeWindow
		if err := h.store.Gorm(ctx).Order("id").Find(&freezes).Error; err != nil || len(freezes) != 2 ||
			!freezes[0].StartAt.Equal(freezeStart) || !freezes[0].EndAt.Equal(freezeEnd) || freezes[0].Environment != "" ||
			freezes[0].Reason != "Holiday freeze" || freezes[0].CreatedBy != admin || freezes[1].Environment != "staging" {
			t.Fatalf("freezes %+v, %v", freezes, err)
		}
		if !strings.Contains(h.auditActions(0), "freeze added") {
			t.Fatalf("the freeze is not in the audit trail")
		}
		list := h.cmdAnswer(dan, releases, "/release freeze list")
		mustContain(t, list, "*Freeze windows* (2)", "`F-1` "+slackDate(freezeStart), "all environments · “Holiday freeze” · added by <@U0ADMIN>",
			"`F-2` ", "staging · “Staging rebuild”")

		// Refused by command, with the freeze's reason, and nothing changes.
		refusal := "It overlaps the freeze F-1 “Holiday freeze” ("
		h.refused(h.typing(ana, releases, "/release new billing 2.4.0 "+insideDay+" "+insideTime), "I couldn't plan that release: "+refusal, "all environments). Pick another time, or plan it as type=emergency with reason=\"…\" if it cannot wait.")
		h.refused(h.typing(ana, releases, "/release new billing 2.4.0 "+insideDay+" "+insideTime+" type=emergency"),
			"A reason is missing: an emergency release may run during the freeze F-1 “Holiday freeze”", `Add reason="…"`)
		h.refused(h.typing(ana, releases, "/release new billing 2.4.0 "+insideDay+" "+insideTime+" reason=\"urgent\""), refusal)
		h.refused(h.typing(ana, releases, "/release new search 1.0 "+stagingDay+" 12:00 env=staging"), "It overlaps the freeze F-2 “Staging rebuild” (", "staging). Pick another time")
		// The staging freeze does not hold production back.
		h.plan(ana, "search 1.0", on(stagingDay, "12:00"))

		movable := h.plan(ana, "ledger 1.0", daysAhead(10, "10:00")).ID
		h.refused(h.typing(ana, releases, fmt.Sprintf("/release reschedule R-%d %s %s", movable, insideDay, insideTime)), fmt.Sprintf("I couldn't reschedule *R-%d* ledger 1.0: %s", movable, refusal))

		// An emergency with a reason goes through, recorded and flagged.
		rel := h.plan(ana, "billing 2.4.1", on(insideDay, insideTime), with(`type=emergency reason="Card processor outage"`))
		mustContain(t, rel.Reply, fmt.Sprintf("Planned *R-%d* billing 2.4.1", rel.ID),
			":snowflake: It runs during the freeze “Holiday freeze”; allowed as an emergency, recorded, and marked for a retroactive review.")
		r := h.release(rel.ID)
		if r.FreezeReason != "Card processor outage" || !r.RetroReview || r.Type != "emergency" {
			t.Fatalf("stored %+v", r)
		}
		trail, err := h.store.AuditTrail(ctx, rel.ID)
		if err != nil {
			t.Fatal(err)
		}
		override := false
		for _, e := range trail {
			if e.Action == "freeze override" && strings.Contains(e.Details, "F-1") && strings.Contains(e.Details, "Card processor outage") {
				override = true
			}
		}
		if !override {
			t.Fatalf("no freeze override in the audit trail: %+v", trail)
		}
		ann := h.announcement(releases, rel.ID, ":snowflake: planned into a freeze: Card processor outage", ":mag: needs a retroactive review")

		// Moved within the freeze it keeps its override (recorded again);
		// moved out of it, the override no longer applies, the review stays.
		later := inside.Add(time.Hour)
		mustContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule R-%d %s", rel.ID, typedAt(t, ana, later))),
			fmt.Sprintf("Rescheduled *R-%d* billing 2.4.1", rel.ID), "It runs during the freeze “Holiday freeze”")
		if r := h.release(rel.ID); r.FreezeReason != "Card processor outage" || !r.StartAt.Equal(later.UTC()) {
			t.Fatalf("moved within the freeze: %+v", r)
		}
		if n := strings.Count(h.auditActions(rel.ID), "freeze override"); n != 2 {
			t.Fatalf("%d freeze overrides recorded: %s", n, h.auditActions(rel.ID))
		}
		outside := h.day(ana, 30)
		mustContain(t, h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule R-%d %s 10:00", rel.ID, outside)), fmt.Sprintf("Rescheduled *R-%d* billing 2.4.1", rel.ID))
		if r := h.release(rel.ID); r.FreezeReason != "" || !r.RetroReview {
			t.Fatalf("moved out of the freeze: %+v", r)
		}
		cur := h.waitUntilShows(ann, slackDate(h.instant(ana, outside, "10:00")))
		mustNotContain(t, cur.Content(), "planned into a freeze")
		mustContain(t, cur.Content(), ":mag: needs a retroactive review")

		// The form refuses the same slot on its Start field, and accepts the emergency.
		anaU := h.slack.As(ana)
		h.cmd(ana, releases, "/release new")
		insideAt := h.instant(ana, insideDay, insideTime)
		before := h.snapshot()
		res, err := anaU.Submit(ctx, map[string]string{"Service": "billing", "Version": "2.5.0", "Start": pickerValue(insideAt)})
		if err != nil {
			t.Fatal(err)
		}
		// Field errors are plain text: the freeze's time reads as text, not as a date token.
		if res.Closed || !strings.Contains(res.Errors["start"], refusal) || strings.ContainsAny(res.Errors["start"], "<>*") {
			t.Fatalf("form in a freeze: closed=%v errors=%v", res.Closed, res.Errors)
		}
		h.unchanged(before, "the form in a freeze")
		res, err = anaU.Submit(ctx, map[string]string{"Service": "billing", "Version": "2.5.0", "Start": pickerValue(insideAt),
			"Change type": "Emergency", "Freeze reason": "Fraud spike"})
		if err != nil || !res.Closed {
			t.Fatalf("emergency form: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		h.eventually("the emergency from the form", func() bool {
			var n int64
			h.store.Gorm(ctx).Model(&storage.Release{}).Where("freeze_reason = ? AND retro_review = ?", "Fraud spike", true).Count(&n)
			return n == 1
		})

		// The calendar shows the freeze on its days.
		mustContain(t, h.cmdAnswer(ana, releases, "/release calendar days=30"), ":snowflake: Freeze F-1 (all environments): Holiday freeze", ":snowflake: Freeze F-2 (staging): Staging rebuild")

		// Removing: admins only; then the slot is free again.
		h.refused(h.typing(ana, releases, "/release freeze remove F-1"), "Only admins can remove freeze windows.")
		mustContain(t, h.cmdAnswer(admin, releases, "/release freeze remove f-1"), "Removed freeze *F-1* (“Holiday freeze”, "+slackDate(freezeStart))
		h.refused(h.typing(admin, releases, "/release freeze remove F-1"), "There is no freeze F-1.")
		list = h.cmdAnswer(dan, releases, "/release freeze list")
		mustContain(t, list, "*Freeze windows* (1)", "`F-2`")
		mustNotContain(t, list, "`F-1`")
		h.plan(ana, "billing 2.6.0", on(insideDay, insideTime))
	})
}

var suggestLine = regexp.MustCompile("`/release new billing <version> (\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}) env=production duration=(\\S+)`")

// A freeze added over a planned release does not lock it: its owner may
// still fix the title or hand it over, but not move it or change its kind
// inside the freeze.
func TestPlanningEditUnderALaterFreeze(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		day := h.day(ana, 10)
		id := h.plan(ana, "billing 2.3.0", on(day, "10:00"), standardChange("billing")).ID
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf(`/release freeze add %s 00:00 %s 23:00 reason="Audit"`, day, day)), "F-1")

		anaU := h.slack.As(ana)
		h.cmd(ana, releases, fmt.Sprintf("/release edit R-%d", id))
		res, err := anaU.Submit(ctx, map[string]string{"Title": "Invoice rounding fix"})
		if err != nil || !res.Closed {
			t.Fatalf("title edit under the freeze: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		h.eventually("the new title", func() bool { return h.release(id).Title == "Invoice rounding fix" })

		h.cmd(ana, releases, fmt.Sprintf("/release edit R-%d", id))
		before := h.snapshot()
		res, err = anaU.Submit(ctx, map[string]string{"Duration": "2h"})
		if err != nil || res.Closed || !strings.Contains(res.Errors["start"], "It overlaps the freeze F-1 “Audit” (") {
			t.Fatalf("a longer window under the freeze: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		h.unchanged(before, "the longer window")
	})
}

// suggest offers the next three slots inside the release windows (read in
// DEFAULT_TIMEZONE) that avoid freezes, overlaps on the same service or
// environment and the day before a freeze, each with why, and the command
// to plan it in the caller's own zone.
func TestPlanningSuggest(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		berlin := zoneOf(t, ana)
		clk := &clock{}
		// Let the bot's today be a Sunday at noon in Berlin, at least an
		// hour from now, so the coming week is known.
		now := time.Now()
		sunday := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, berlin)
		for sunday.Weekday() != time.Sunday || sunday.Before(now.Add(time.Hour)) {
			sunday = time.Date(sunday.Year(), sunday.Month(), sunday.Day()+1, 12, 0, 0, 0, berlin)
		}
		clk.Advance(sunday.Sub(now))
		h := start(t, options{dialect: dialect, clock: clk, env: map[string]string{"DEFAULT_TIMEZONE": "Europe/Berlin"}})
		day := func(n int) string { return sunday.AddDate(0, 0, n).Format("2006-01-02") } // in Berlin
		at := func(n int, hhmm string) time.Time { return h.instant(ana, day(n), hhmm) }

		h.plan(ana, "billing 1.0", on(day(1), "09:00"), with("duration=2h env=staging"))  // Monday: the same service
		h.plan(ana, "search 1.0", on(day(2), "09:00"))                                    // Tuesday: the same environment
		h.plan(ana, "auth 1.0", on(day(2), "10:00"), with("duration=2h env=development")) // Tuesday: neither
		freezeFrom, freezeTo := at(4, "00:00").UTC(), at(8, "00:00").UTC()                // Thursday to Monday
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf(`/release freeze add %s %s reason="Quarter close"`,
			freezeFrom.Format("2006-01-02 15:04"), freezeTo.Format("2006-01-02 15:04"))), "Added freeze *F-1*")

		// Monday after the same-service release, Tuesday after the
		// production one, not Wednesday (the day before the freeze), not
		// Thursday (frozen), then the Monday after the freeze.
		want := []time.Time{at(1, "11:00"), at(2, "10:00"), at(8, "09:00")}
		reply := h.cmdAnswer(dan, releases, "/release suggest billing")
		mustContain(t, reply, "*Good slots for billing in production* (1h, release windows Mon-Thu 09:00-16:00 in Europe/Berlin):",
			"1. "+slackDate(want[0]), "— inside the Mon 09:00–16:00 release window, no freeze near, no other production release that day",
			"2. "+slackDate(want[1]), "— inside the Tue 09:00–16:00 release window, no freeze near, 1 other production release that day, not overlapping",
			"3. "+slackDate(want[2]), "— inside the Mon 09:00–16:00 release window")
		mustNotContain(t, reply, "4. ", slackDate(at(3, "09:00")))
		suggestedAt(t, reply, time.UTC, want, "1h") // dan reads UTC

		// ana reads the commands in her own time, and typing the first one
		// plans the release exactly there, with no conflict.
		reply = h.cmdAnswer(ana, releases, "/release suggest billing duration=2h")
		want2h := []time.Time{at(1, "11:00"), at(2, "10:00"), at(8, "09:00")}
		lines := suggestedAt(t, reply, berlin, want2h, "2h")
		rel := h.plan(ana, strings.Replace(strings.TrimPrefix(lines[0], "/release new "), "<version>", "2.0", 1))
		mustNotContain(t, rel.Reply, "overlaps")
		if r := h.release(rel.ID); !r.StartAt.Equal(want2h[0]) || r.EndAt.Sub(r.StartAt) != 2*time.Hour {
			t.Fatalf("planned from the suggestion: %+v", r)
		}
		// That Monday slot is now taken by billing itself.
		reply = h.cmdAnswer(ben, releases, "/release suggest billing")
		suggestedAt(t, reply, zoneOf(t, ben), []time.Time{at(1, "13:00"), at(2, "10:00"), at(8, "09:00")}, "1h")
	})
}

// suggestedAt checks the suggested commands: in loc, at the wanted
// instants, with the duration; it returns the commands.
func suggestedAt(t *testing.T, reply string, loc *time.Location, want []time.Time, duration string) []string {
	t.Helper()
	found := suggestLine.FindAllStringSubmatch(reply, -1)
	if len(found) != len(want) {
		t.Fatalf("%d suggested commands, want %d:\n%s", len(found), len(want), reply)
	}
	var out []string
	for i, m := range found {
		at, err := time.ParseInLocation("2006-01-02 15:04", m[1]+" "+m[2], loc)
		if err != nil || !at.Equal(want[i]) || m[3] != duration {
			t.Fatalf("suggestion %d is %s %s (%s) in %s, want %v:\n%s", i+1, m[1], m[2], m[3], loc, want[i].In(loc), reply)
		}
		out = append(out, strings.Trim(m[0], "`"))
	}
	return out
}

// With hundreds of releases, list pages through them with a "More" button
// and filters, and the calendar summarises, always inside Block Kit's
// limits (the emulator refuses anything else and the harness fails on it).
func TestPlanningListAndCalendarAtScale(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ctx := context.Background()
		now := h.clock.Now().UTC().Truncate(time.Hour)
		var rows []storage.Release
		for i := range 300 {
			r := storage.Release{Service: fmt.Sprintf("svc-%02d", i%30), Version: fmt.Sprintf("1.%d.0", i), Environment: []string{"production", "staging", "development"}[i%3],
				Type: "normal", Risk: "medium", OwnerID: ana, CreatedBy: ana, Channel: releases, Status: "planned", Revision: 1,
				StartAt: now.Add(time.Duration(i+2) * 3 * time.Hour), CreatedAt: now, UpdatedAt: now}
			if i >= 250 { // 50 in the past
				r.StartAt = now.Add(-time.Duration(i-249) * 5 * time.Hour)
				r.Status = "completed"
			}
			r.EndAt = r.StartAt.Add(time.Hour)
			rows = append(rows, r)
		}
		if err := h.store.Gorm(ctx).CreateInBatches(rows, 100).Error; err != nil {
			t.Fatal(err)
		}

		page := h.cmdAnswer(ana, releases, "/release list")
		mustContain(t, page, "*Upcoming releases* — 1–20 of 250", "`R-1` *svc-00* 1.0.0 → production", "`R-20` ", "More (230 left)")
		mustNotContain(t, page, "`R-21` ")
		anaU := h.slack.As(ana)
		eph := anaU.Ephemerals(releases)
		before := len(eph)
		if _, err := anaU.Click(ctx, eph[len(eph)-1], "More (230 left)"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the second page", func() bool { return len(anaU.Ephemerals(releases)) > before })
		eph = anaU.Ephemerals(releases)
		second := eph[len(eph)-1].Content()
		mustContain(t, second, "*Upcoming releases* — 21–40 of 250", "`R-21` ", "`R-40` ", "More (210 left)")
		mustNotContain(t, second, "`R-20` ")

		mustContain(t, h.cmdAnswer(ana, releases, "/release list recent"), "*Recent releases* — 1–20 of 50", "`R-251` ", ":tada: completed")
		mustContain(t, h.cmdAnswer(ana, releases, "/release list all service=SVC-03 env=production"), "*All releases (service svc-03, env production)* — 1–10 of 10")
		mustContain(t, h.cmdAnswer(ana, releases, "/release list upcoming env=staging"), "(env staging)* — 1–20 of 83")
		mustContain(t, h.cmdAnswer(ana, releases, "/release list service=nothing"), "No upcoming releases (service nothing). Plan one with `/release new`.")

		cal := h.cmdAnswer(ana, releases, "/release calendar")
		mustContain(t, cal, "*Release calendar* — ", "(Europe/Berlin)")
		quarter := h.cmdAnswer(ben, releases, "/release calendar days=90")
		mustContain(t, quarter, "(America/New_York)", "more days with releases or freezes; ask for fewer days, e.g. `/release calendar days=7`.")
		if !regexp.MustCompile(`, 25\d releases; \d+ quiet days not shown`).MatchString(quarter) {
			t.Fatalf("the quarter's heading does not count the releases:\n%.300s", quarter)
		}
		if errs := h.slack.ProtocolErrors(); len(errs) > 0 {
			t.Fatalf("Slack refused a surface:\n%s", strings.Join(errs, "\n"))
		}
	})
}
