package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

func TestSubscriptionCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmd(ana, releases, "/release subscriptions"), "Neither this channel nor you are subscribed")
		mustContain(t, h.cmd(ana, releases, "/release subscribe billing"), "Subscribed <#C0RELEASES> to releases of billing")
		mustContain(t, h.cmd(ben, releases, "/release subscribe billing here"), "already hear")
		mustContain(t, h.cmd(ana, releases, "/release subscribe all env=staging me"), "Subscribed you (by DM) to releases of all services in staging")
		mustContain(t, h.cmd(ana, releases, "/release subscribe billing env=qa"), `"qa" is not an environment here`)
		mustContain(t, h.cmd(ana, releases, "/release subscribe billing there"), `"there": say `+"`here`")
		mustContain(t, h.cmd(ana, releases, "/release subscribe"), "Usage: `/release subscribe <service|all> [env=<e>] [here|me]`")
		mustContain(t, h.cmd(ana, secret, "/release subscribe billing"), "private channel I am not in")

		list := h.cmd(ana, releases, "/release subscriptions")
		mustContain(t, list, "billing → <#C0RELEASES>", "all services in staging → you (by DM)")
		mustNotContain(t, list, "G0SECRET")
		mustNotContain(t, h.cmd(ben, general, "/release subscriptions"), "you (by DM)")

		mustContain(t, h.cmd(ana, releases, "/release unsubscribe all env=staging me"), "Unsubscribed you (by DM) from releases of all services in staging")
		mustContain(t, h.cmd(ana, releases, "/release unsubscribe all env=staging me"), "are not subscribed")
		subs, err := h.store.Subscriptions(h.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 2 {
			t.Fatalf("subscriptions: %+v", subs)
		}

		mustContain(t, h.cmd(admin, releases, "/release stakeholders add billing <@U0BEN|ben> <@U0CAT|cat>"), "Added <@U0BEN>, <@U0CAT> as stakeholders of billing")
		mustContain(t, h.cmd(admin, releases, "/release stakeholders add billing <@U0BEN|ben>"), "<@U0BEN> was already")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list billing"), "Stakeholders of billing (2): <@U0BEN>, <@U0CAT>")
		mustContain(t, h.cmd(admin, releases, "/release stakeholders remove billing <@U0CAT|cat> <@U0DAN|dan>"), "Removed <@U0CAT>", "<@U0DAN> was not stakeholder of billing")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list billing"), "Stakeholders of billing (1): <@U0BEN>")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list payments"), "payments has no stakeholders yet")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing"), "I need a service and at least one person")
		if trail := h.auditActions(0); trail != "subscribed,subscribed,subscribed,unsubscribed,stakeholders add,stakeholders remove" {
			t.Fatalf("audit: %s", trail)
		}
	})
}

// A subscribed channel and a person subscribed by DM hear about every
// change of a release once, with what, when, owner, impact and a link to
// the thread; a subscription to another environment hears nothing.
func TestSubscribersHearEveryChange(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, general, "/release subscribe billing env=production")
		h.cmd(dan, general, "/release subscribe all me")
		h.cmd(ben, general, "/release subscribe billing env=staging me")

		// planned, rescheduled, started, completed
		rel := h.plan(ana, "billing 2.0.0", startIn(48*time.Hour), with(`type=standard impact="Invoices paused for 5 minutes"`))
		ann := h.announcement(releases, rel.ID)
		heard := h.waitForMessage(inChannel(general), rel.Ref(), "was *planned*")
		mustContain(t, heard.Content(), "billing 2.0.0", "<!date^", "<@U0ANA>", "Invoices paused for 5 minutes", "Open the release thread", "standard · medium")
		mustContain(t, string(heard.Blocks), "https://")
		h.waitForMessage(dmsTo(dan), rel.Ref(), "was *planned*", "Open the release thread")

		newWhen, _ := h.fromNow(ana, 72*time.Hour)
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+rel.Ref()+" "+newWhen), "Rescheduled")
		h.waitForMessage(inChannel(general), rel.Ref(), "was *rescheduled*", "start ")
		h.waitForMessage(inThread(releases, ann.TS), "Rescheduled by <@U0ANA>")
		mustContain(t, h.cmd(ana, releases, "/release start "+rel.Ref()), "Started")
		h.waitForMessage(inChannel(general), rel.Ref(), "was *started* by <@U0ANA>")
		mustContain(t, h.cmd(ana, releases, "/release complete "+rel.Ref()+" all good"), "Completed")
		h.waitForMessage(inChannel(general), rel.Ref(), "was *completed* by <@U0ANA>: all good")

		// cancelled, failed, rolled back
		c := h.plan(ana, "billing 2.0.1", startIn(48*time.Hour), with("type=standard"))
		h.cmd(ana, releases, "/release cancel "+c.Ref()+" not needed, ask <@U0BEN|ben> & co")
		h.waitForMessage(inChannel(general), c.Ref(), "was *cancelled*", "not needed, ask <@U0BEN> &amp; co")
		f := h.plan(ana, "billing 2.0.2", startIn(48*time.Hour), with("type=standard"))
		h.cmd(ana, releases, "/release start "+f.Ref())
		h.cmd(ana, releases, "/release fail "+f.Ref())
		h.waitForMessage(inChannel(general), f.Ref(), "was *failed*")
		rb := h.plan(ana, "billing 2.0.3", startIn(48*time.Hour), with("type=standard"))
		h.cmd(ana, releases, "/release start "+rb.Ref())
		h.cmd(ana, releases, "/release rollback "+rb.Ref()+"\nerrors up") // the note on its own line
		h.waitForMessage(inChannel(general), rb.Ref(), "was *rolled back*", "errors up")

		// approved, rejected: a normal release goes to the admins.
		ap := h.plan(ana, "billing 2.1.0", startIn(48*time.Hour), with("type=normal"))
		req := h.waitForMessage(dmsTo(admin), ap.Ref(), "asks for your approval")
		if _, err := h.slack.As(admin).Click(h.ctx(), req, "Approve"); err != nil {
			t.Fatal(err)
		}
		h.waitForMessage(inChannel(general), ap.Ref(), "was *approved*")
		rj := h.plan(ana, "billing 2.1.1", startIn(48*time.Hour), with("type=normal"))
		req = h.waitForMessage(dmsTo(admin), rj.Ref(), "asks for your approval")
		if _, err := h.slack.As(admin).Click(h.ctx(), req, "Reject"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the reject form", func() bool { _, ok := h.slack.As(admin).Modal(); return ok })
		if _, err := h.slack.As(admin).Submit(h.ctx(), map[string]string{"reason": "no rollback plan"}); err != nil {
			t.Fatal(err)
		}
		h.waitForMessage(inChannel(general), rj.Ref(), "was *rejected*", "no rollback plan")

		// Another environment is not heard about.
		other := h.plan(ana, "billing 3.0.0", startIn(48*time.Hour), with("type=standard env=staging"))
		h.waitForMessage(dmsTo(ben), other.Ref(), "was *planned*")
		h.outboxIdle()

		all := h.slack.Messages(general)
		for _, c := range []struct{ id, ev string }{
			{rel.Ref(), "planned"}, {rel.Ref(), "rescheduled"}, {rel.Ref(), "started"}, {rel.Ref(), "completed"}, {c.Ref(), "cancelled"}, {f.Ref(), "failed"},
			{rb.Ref(), "rolled back"}, {ap.Ref(), "approved"}, {rj.Ref(), "rejected"},
		} {
			exactlyOnce(t, "#general", all, c.id+" ", "was *"+c.ev+"*")
			exactlyOnce(t, "dan's DMs", h.slack.As(dan).DMs(), c.id+" ", "was *"+c.ev+"*")
		}
		// In the order things happened, though "planned" had to wait for
		// the announcement and the next changes came at once.
		for _, msgs := range [][]slackemu.Message{all, h.slack.As(dan).DMs()} {
			for rel, want := range map[string]string{
				rel.Ref(): "planned,rescheduled,started,completed", c.Ref(): "planned,cancelled", f.Ref(): "planned,started,failed",
				rb.Ref(): "planned,started,rolled", ap.Ref(): "planned,approved", rj.Ref(): "planned,rejected",
			} {
				var order []string
				for _, m := range msgs {
					if strings.HasPrefix(m.Text, rel+" ") {
						order = append(order, strings.Fields(strings.SplitN(m.Text, " was ", 2)[1])[0])
					}
				}
				if got := strings.Join(order, ","); got != want {
					t.Fatalf("notifications of %s arrived as %s, want %s", rel, got, want)
				}
			}
		}
		if n := count(all, other.Ref()+" "); n != 0 {
			t.Fatalf("#general heard of a staging release it did not subscribe to")
		}
		if n := count(h.slack.As(ben).DMs(), "was *"); n != 1 {
			t.Fatalf("ben subscribed to staging only but got %d notifications", n)
		}
	})
}

// T-24h and T-1h reminders reach the owner and the release thread once
// each, within a minute of their time; then the overdue checks.
func TestRemindersAndOverdue(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		rel := h.plan(ana, "billing 4.0.0", startIn(25*time.Hour), with("type=standard duration=1h"))
		ann := h.announcement(releases, rel.ID)
		h.outboxIdle() // and so between jumps: sent_at is stamped with the bot's clock
		if n := count(h.slack.As(ana).DMs(), "Reminder"); n != 0 {
			t.Fatalf("a reminder went out %d times before its time", n)
		}

		h.clock.AdvanceTo(rel.Start.Add(-24 * time.Hour))
		h.waitForMessage(dmsTo(ana), "Reminder: "+rel.Ref()+" billing 4.0.0 starts in 24h")
		h.waitForMessage(inThread(releases, ann.TS), "Reminder: "+rel.Ref(), "starts in 24h")

		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start.Add(-time.Hour))
		h.waitForMessage(dmsTo(ana), "Reminder: "+rel.Ref()+" billing 4.0.0 starts in 1h")
		h.waitForMessage(inThread(releases, ann.TS), "Reminder: "+rel.Ref(), "starts in 1h")

		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start.Add(30 * time.Minute))
		h.waitForMessage(dmsTo(ana), "Overdue: "+rel.Ref(), "has not started", "/release start "+rel.Ref())

		h.cmd(ana, releases, "/release start "+rel.Ref())
		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start.Add(time.Hour))
		h.waitForMessage(dmsTo(ana), "Overdue: "+rel.Ref(), "window ended", "still in progress")
		h.cmd(ana, releases, "/release complete "+rel.Ref())
		h.outboxIdle()
		h.clock.Advance(2 * time.Hour)
		h.outboxIdle()

		dms := h.slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "starts in 24h")
		exactlyOnce(t, "ana's DMs", dms, "starts in 1h")
		exactlyOnce(t, "ana's DMs", dms, "has not started")
		exactlyOnce(t, "ana's DMs", dms, "window ended")
		replies := h.slack.Replies(releases, ann.TS)
		exactlyOnce(t, "the thread", replies, "starts in 24h")
		exactlyOnce(t, "the thread", replies, "starts in 1h")
		for _, m := range h.outboxRows(rel.ID, "reminder", "overdue") {
			if m.Status != storage.OutboxSent {
				continue
			}
			if late := m.SentAt.Sub(m.DueAt); late > time.Minute || late < 0 {
				t.Fatalf("%s sent %s after its time", m.Key, late)
			}
		}
	})
}

// A release planned 50 minutes ahead gets its T-1h reminder at once and
// never its T-24h one; one planned 5 hours ahead gets the T-24h one at once
// (the nearest passed one) and the T-1h one on time.
func TestOnlyTheNearestPassedReminder(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		soon := h.plan(ana, "billing 5.0.0", startIn(50*time.Minute), with("type=standard"))
		ann := h.announcement(releases, soon.ID)
		h.waitForMessage(dmsTo(ana), "Reminder: "+soon.Ref(), "starts in 5")
		h.waitForMessage(inThread(releases, ann.TS), "Reminder: "+soon.Ref())
		later := h.plan(ana, "payments 1.0.0", startIn(5*time.Hour), with("type=standard"))
		h.waitForMessage(dmsTo(ana), "Reminder: "+later.Ref(), "starts in 5h")
		h.outboxIdle()
		h.clock.AdvanceTo(later.Start.Add(-time.Hour))
		h.waitForMessage(dmsTo(ana), "Reminder: "+later.Ref(), "starts in 1h")
		h.outboxIdle()
		dms := h.slack.As(ana).DMs()
		if n := count(dms, "Reminder: "+soon.Ref()); n != 1 {
			t.Fatalf("%s: %d reminders, want only the T-1h one", soon.Ref(), n)
		}
		if n := count(dms, "Reminder: "+later.Ref()); n != 2 {
			t.Fatalf("%s: %d reminders, want 2", later.Ref(), n)
		}
		for _, m := range h.outboxRows(soon.ID, "reminder") {
			if strings.Contains(m.Key, ":24h:") {
				t.Fatalf("a T-24h reminder was planned for a release 50 minutes ahead: %s", m.Key)
			}
		}
	})
}

// Rescheduling moves the reminders (also back to the first time); an
// edit that keeps the time keeps them; cancelling removes them.
func TestRescheduleAndCancelMoveReminders(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		rel := h.plan(ana, "billing 6.0.0", startIn(26*time.Hour), with("type=standard"))
		h.announcement(releases, rel.ID)
		later, _ := h.fromNow(ana, 50*time.Hour)
		h.cmd(ana, releases, "/release reschedule "+rel.Ref()+" "+later)
		// Back to the first time: its reminders must come back too.
		back := typedAt(t, ana, rel.Start)
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+rel.Ref()+" "+back), "Rescheduled")
		// A change that keeps the time (a new duration) keeps them.
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+rel.Ref()+" "+back+" duration=2h"), "Rescheduled")

		gone := h.plan(ana, "payments 2.0.0", startIn(26*time.Hour), with("type=standard"))
		h.announcement(releases, gone.ID)
		h.cmd(ana, releases, "/release cancel "+gone.Ref())
		h.outboxIdle()
		for _, m := range h.outboxRows(gone.ID, "reminder", "overdue") {
			if m.Status != storage.OutboxDropped {
				t.Fatalf("cancelled release's %s is %s", m.Key, m.Status)
			}
		}

		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start.Add(-24 * time.Hour))
		h.waitForMessage(dmsTo(ana), "Reminder: "+rel.Ref(), "starts in 24h")
		h.outboxIdle()
		h.clock.AdvanceTo(rel.Start.Add(-time.Hour))
		h.waitForMessage(dmsTo(ana), "Reminder: "+rel.Ref(), "starts in 1h")
		h.outboxIdle()
		h.clock.AdvanceTo(gone.Start.Add(31 * time.Minute))
		h.waitForMessage(dmsTo(ana), "Overdue: "+rel.Ref())
		h.outboxIdle()
		dms := h.slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+rel.Ref(), "starts in 24h")
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+rel.Ref(), "starts in 1h")
		if n := count(dms, gone.Ref()+" "); n != 0 {
			t.Fatalf("the cancelled release still sent %d reminders", n)
		}
	})
}

// Reminders that fell due while the bot was down go out late when the
// release has not started yet (only the nearest), and are dropped and
// logged when it has.
func TestRemindersAfterDowntime(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		slack := newSlack(t)
		clk := &clock{}
		db := storagetest.Fresh(t, dialect)
		h := start(t, options{dialect: dialect, slack: slack, clock: clk, databaseURL: db})
		waiting := h.plan(ana, "billing 7.0.0", startIn(26*time.Hour), with("type=standard"))
		missed := h.plan(ana, "payments 7.0.0", startIn(25*time.Hour), with("type=standard"))
		h.announcement(releases, waiting.ID)
		h.announcement(releases, missed.ID)
		h.outboxIdle()
		h.stop()

		// Down until after missed's start and its overdue check, but
		// before waiting's start.
		clk.AdvanceTo(missed.Start.Add(40 * time.Minute))
		if !waiting.Start.After(clk.Now()) {
			t.Fatal("test set-up: waiting's start has passed")
		}
		h2 := start(t, options{dialect: dialect, slack: slack, clock: clk, databaseURL: db})
		h2.waitForMessage(dmsTo(ana), "Reminder: "+waiting.Ref(), "starts in ")
		h2.waitForMessage(dmsTo(ana), "Overdue: "+missed.Ref())
		h2.outboxIdle()
		dms := slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+waiting.Ref())
		if n := count(dms, "Reminder: "+missed.Ref()); n != 0 {
			t.Fatalf("reminders of a release whose start passed went out late: %d", n)
		}
		mustContain(t, h2.log.String(), "outbox: message dropped", "the release's start has passed", "a nearer reminder is due too")
		if !strings.Contains(fmt.Sprint(h2.outboxRows(missed.ID, "reminder")), storage.OutboxDropped) {
			t.Fatal("missed reminders are not marked dropped")
		}
	})
}

// Approvers who have not decided are nudged every interval during their
// working hours; the admins hear when the start is under 2 hours away
// without approval. Each once.
func TestNudgesAndEscalation(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		clk := &clock{}
		// Move to the next weekday 10:00 in New York (16:00 in Berlin,
		// 15:00 UTC): everyone's working hours.
		ny := zoneOf(t, ben)
		next := time.Now().In(ny)
		for {
			next = time.Date(next.Year(), next.Month(), next.Day(), 10, 0, 0, 0, ny)
			if next.After(time.Now()) && next.Weekday() != time.Saturday && next.Weekday() != time.Sunday {
				break
			}
			next = next.AddDate(0, 0, 1)
		}
		clk.Advance(time.Until(next))
		h := start(t, options{dialect: dialect, clock: clk, env: map[string]string{"APPROVAL_NUDGE_INTERVAL": "30m"}})
		mustContain(t, h.cmd(admin, releases, "/release policy set normal approvers=<@U0BEN|ben>,<@U0CAT|cat> required=all"), "normal")
		rel := h.plan(ana, "billing 8.0.0", startIn(2*time.Hour+45*time.Minute), with("type=normal"))
		req := h.waitForMessage(dmsTo(cat), rel.Ref(), "asks for your approval")
		h.waitForMessage(dmsTo(ben), rel.Ref(), "asks for your approval")
		// Clicks are acked before they are handled: wait for the answer
		// cat sees, which comes once her decision is committed, or the
		// nudge run after the jump below could still find her undecided.
		h.click(cat, req, "Approve")
		h.outboxIdle()

		h.outboxIdle()
		h.clock.Advance(31 * time.Minute)
		nudge := h.waitForMessage(dmsTo(ben), "A reminder:", rel.Ref(), "waits for your decision")
		if len(nudge.Buttons()) != 2 {
			t.Fatalf("the nudge has no decision buttons: %+v", nudge.Buttons())
		}
		h.outboxIdle()
		h.clock.Advance(30 * time.Minute) // second interval, and under 2h to the start
		h.waitFor("a second nudge", func() bool { return count(h.slack.As(ben).DMs(), "A reminder:", rel.Ref()) == 2 })
		h.waitForMessage(dmsTo(admin), ":rotating_light:", rel.Ref(), "still not approved", "<@U0ANA>")
		h.outboxIdle()
		h.clock.Advance(5 * time.Minute) // within the same interval
		h.outboxIdle()
		if n := count(h.slack.As(cat).DMs(), "A reminder:"); n != 0 {
			t.Fatalf("cat decided and was still nudged %d times", n)
		}
		if n := count(h.slack.As(ben).DMs(), "A reminder:", rel.Ref()); n != 2 {
			t.Fatalf("ben: %d nudges, want 2", n)
		}
		exactlyOnce(t, "admin's DMs", h.slack.As(admin).DMs(), "still not approved")

		// A nudge held back by a 429 is not sent once ben has decided.
		// Slack keeps answering 429 (Times 0: until ClearFaults) until his
		// decision is committed: with a single 429 the held nudge would go
		// out when Retry-After ran out if his click had not been handled
		// by then, which a loaded machine can make take longer.
		h.outboxIdle()
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 429, RetryAfter: 2})
		h.clock.Advance(30 * time.Minute)
		h.waitFor("the third nudge's 429", func() bool { return len(h.slack.Calls("chat.postMessage")) > 0 && lastCall(h.slack).HTTPStatus == 429 })
		if _, err := h.slack.As(ben).Click(h.ctx(), h.waitForMessage(dmsTo(ben), rel.Ref(), "asks for your approval"), "Approve"); err != nil {
			t.Fatal(err)
		}
		h.waitForStatus(rel.ID, "approved")
		h.slack.ClearFaults()
		h.eventually("the stale nudge to be dropped", func() bool {
			for _, m := range h.outboxRows(rel.ID, "approval_nudge") {
				if m.Status == storage.OutboxDropped {
					return true
				}
			}
			return false
		})
		h.outboxIdle()
		if n := count(h.slack.As(ben).DMs(), "A reminder:", rel.Ref()); n != 2 {
			t.Fatalf("ben: %d nudges, want 2 (the third was held back, then he decided)", n)
		}

		// Outside working hours (past 23:30 in New York, past 03:30 UTC)
		// nobody is nudged.
		late := h.plan(ana, "payments 8.0.0", startIn(30*time.Hour), with("type=normal"))
		h.waitForMessage(dmsTo(ben), late.Ref(), "asks for your approval")
		h.waitForMessage(dmsTo(cat), late.Ref(), "asks for your approval")
		h.outboxIdle()
		h.clock.Advance(12 * time.Hour)
		// Only a run that began after the jump proves anything: the count
		// is taken after it, the run logged next may have begun before it,
		// and runs do not overlap, so the one logged after that began later.
		// A run is logged when it ends; a failed one does not count.
		runs := func() int {
			n := 0
			for _, line := range strings.Split(h.log.String(), "\n") {
				if strings.Contains(line, `msg="scheduled job done"`) && strings.Contains(line, `job="approval nudges"`) {
					n++
				}
			}
			return n
		}
		before := runs()
		h.eventually("a nudge run that began after the jump", func() bool { return runs() >= before+2 })
		h.outboxIdle()
		for _, who := range []string{ben, cat} {
			if n := count(h.slack.As(who).DMs(), "A reminder:", late.Ref()); n != 0 {
				t.Fatalf("%s was nudged %d times outside working hours", who, n)
			}
		}
	})
}

// The weekly digest goes to every subscribed channel once, listing the
// releases of its subscriptions in the next 7 days.
func TestWeeklyDigest(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		slack, db, clk := newSlack(t), storagetest.Fresh(t, dialect), &clock{}
		// Set up with the default schedule (Monday 09:00), then run a bot
		// whose digest job fires every second: one digest per channel and
		// day all the same.
		h := start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk})
		h.cmd(ana, general, "/release subscribe billing")
		h.cmd(ana, releases, "/release subscribe all env=staging")
		h.cmd(ana, releases, "/release subscribe all me") // people get no digest
		soon := h.plan(ana, "billing 9.0.0", startIn(72*time.Hour), with("type=standard"))
		far := h.plan(ana, "billing 9.1.0", startIn(9*24*time.Hour), with("type=standard"))
		stg := h.plan(ana, "payments 9.0.0", startIn(48*time.Hour), with("type=standard env=staging"))
		h.outboxIdle()
		h.stop()
		h = start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: map[string]string{"DIGEST_CRON": "@every 1s"}})
		d := h.waitForMessage(inChannel(general), "Release digest")
		mustContain(t, d.Content(), soon.Ref(), "billing")
		mustNotContain(t, d.Content(), far.Ref(), stg.Ref())
		d2 := h.waitForMessage(inChannel(releases), "Release digest")
		mustContain(t, d2.Content(), stg.Ref())
		mustNotContain(t, d2.Content(), soon.Ref())
		h.eventually("a few digest runs", func() bool { return strings.Count(h.log.String(), "job=\"weekly digest\"") >= 3 })
		h.outboxIdle()
		exactlyOnce(t, "#general", h.slack.Messages(general), "Release digest")
		exactlyOnce(t, "#releases", h.slack.Messages(releases), "Release digest")
		if n := count(h.slack.As(ana).DMs(), "Release digest"); n != 0 {
			t.Fatal("a person got the channel digest")
		}
	})
}

// A digest whose time came while no bot ran goes out when the bots come
// back the same day: once, though two replicas start at the same moment.
func TestMissedDigestIsSentLate(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		slack, db, clk := newSlack(t), storagetest.Fresh(t, dialect), &clock{}
		if now := clk.Now().UTC(); now.Hour() == 0 && now.Minute() < 30 {
			// A digest missed before midnight is not caught up: keep the
			// missed time on the same day.
			clk.Advance(30 * time.Minute)
		}
		h := start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk})
		h.cmd(ana, general, "/release subscribe billing")
		soon := h.plan(ana, "billing 9.0.0", startIn(72*time.Hour), with("type=standard"))
		h.outboxIdle()
		h.stop()
		// DEFAULT_TIMEZONE is UTC: the digest was due ten minutes ago.
		due := clk.Now().UTC().Add(-10 * time.Minute)
		env := map[string]string{"DIGEST_CRON": fmt.Sprintf("%d %d * * *", due.Minute(), due.Hour())}
		replicas := []*harness{
			start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: env}),
			start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: env}),
		}
		d := replicas[0].waitForMessage(inChannel(general), "Release digest")
		mustContain(t, d.Content(), soon.Ref())
		for _, r := range replicas {
			r.outboxIdle()
			if !strings.Contains(r.log.String(), "catching up a scheduled run") {
				t.Fatal("a replica did not catch up the missed digest")
			}
		}
		exactlyOnce(t, "#general", slack.Messages(general), "Release digest")
	})
}
