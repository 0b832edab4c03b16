package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// zones are the workspace's users' time zones: /release new reads the date
// and time in the caller's own zone.
var zones = map[string]string{ana: "Europe/Berlin", ben: "America/New_York", cat: "UTC", dan: "UTC", admin: "UTC"}

// at is a start time d from the bot's now, rounded up to the next minute
// (commands take HH:MM), as the caller types it: "YYYY-MM-DD HH:MM".
func (h *harness) at(user string, d time.Duration) (string, time.Time) {
	loc, err := time.LoadLocation(zones[user])
	if err != nil {
		h.t.Fatal(err)
	}
	t := h.clock.Now().Add(d).Truncate(time.Minute).Add(time.Minute)
	return t.In(loc).Format("2006-01-02 15:04"), t
}

var releaseID = regexp.MustCompile(`R-[0-9]+`)

// plan plans a release starting d from now and returns its id (R-n) and
// start. extra holds more key=value options.
func (h *harness) plan(user, service, version string, d time.Duration, extra string) (string, time.Time) {
	h.t.Helper()
	when, start := h.at(user, d)
	reply := h.cmd(user, releases, fmt.Sprintf("/release new %s %s %s %s", service, version, when, extra))
	if !strings.Contains(reply, "Planned") {
		h.t.Fatalf("planning %s %s: %s", service, version, reply)
	}
	return releaseID.FindString(reply), start
}

// announcement waits for the release's announcement in #releases.
func (h *harness) announcement(id string) slackemu.Message {
	h.t.Helper()
	return h.channelMessage(releases, id+" · ")
}

// count counts the messages containing every part.
func count(msgs []slackemu.Message, parts ...string) int {
	n := 0
	for _, m := range msgs {
		if containsAll(m.Content(), parts) {
			n++
		}
	}
	return n
}

// exactlyOnce fails unless exactly one of msgs contains every part.
func exactlyOnce(t *testing.T, where string, msgs []slackemu.Message, parts ...string) {
	t.Helper()
	if n := count(msgs, parts...); n != 1 {
		var all []string
		for _, m := range msgs {
			all = append(all, m.Text)
		}
		t.Fatalf("%s: %d messages with %q, want 1; messages:\n%s", where, n, parts, strings.Join(all, "\n"))
	}
}

// outboxRows lists a release's outbox rows of the given kinds.
func (h *harness) outboxRows(id string, kinds ...string) []storage.OutboxMessage {
	h.t.Helper()
	var n int64
	if id != "" {
		if _, err := fmt.Sscanf(id, "R-%d", &n); err != nil {
			h.t.Fatalf("release id %q: %v", id, err)
		}
	}
	rows, err := h.store.OutboxMessages(context.Background(), n, kinds...)
	if err != nil {
		h.t.Fatal(err)
	}
	return rows
}

// postsTo counts the successful chat.postMessage calls to channel (a user
// id for DMs) whose text contains text.
func postsTo(s *slackemu.Server, channel, text string) int {
	n := 0
	for _, c := range s.Calls("chat.postMessage") {
		if c.Error == "" && c.HTTPStatus == 200 && c.Params["channel"] == channel && strings.Contains(c.Params["text"], text) {
			n++
		}
	}
	return n
}

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

		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing <@U0BEN|ben> <@U0CAT|cat>"), "Added <@U0BEN>, <@U0CAT> as stakeholders of billing")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing <@U0BEN|ben>"), "<@U0BEN> was already")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list billing"), "Stakeholders of billing (2): <@U0BEN>, <@U0CAT>")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders remove billing <@U0CAT|cat> <@U0DAN|dan>"), "Removed <@U0CAT>", "<@U0DAN> was not stakeholder of billing")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list billing"), "Stakeholders of billing (1): <@U0BEN>")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders list payments"), "payments has no stakeholders yet")
		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing"), "I need a service and at least one person")
		if trail := auditActions(t, h, 0); trail != "subscribed,subscribed,subscribed,unsubscribed,stakeholders add,stakeholders remove" {
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
		id, _ := h.plan(ana, "billing", "2.0.0", 48*time.Hour, `type=standard impact="Invoices paused for 5 minutes"`)
		ann := h.announcement(id)
		planned := h.channelMessage(general, id, "was *planned*")
		mustContain(t, planned.Content(), "billing 2.0.0", "<!date^", "<@U0ANA>", "Invoices paused for 5 minutes", "Open the release thread", "standard · medium")
		mustContain(t, string(planned.Blocks), "https://")
		h.dmContaining(dan, id, "was *planned*", "Open the release thread")

		newWhen, _ := h.at(ana, 72*time.Hour)
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+id+" "+newWhen), "Rescheduled")
		h.channelMessage(general, id, "was *rescheduled*", "start ")
		h.threadReply(releases, ann.TS, "Rescheduled by <@U0ANA>")
		mustContain(t, h.cmd(ana, releases, "/release start "+id), "Started")
		h.channelMessage(general, id, "was *started* by <@U0ANA>")
		mustContain(t, h.cmd(ana, releases, "/release complete "+id+" all good"), "Completed")
		h.channelMessage(general, id, "was *completed* by <@U0ANA>: all good")

		// cancelled, failed, rolled back
		c, _ := h.plan(ana, "billing", "2.0.1", 48*time.Hour, "type=standard")
		h.cmd(ana, releases, "/release cancel "+c+" not needed, ask <@U0BEN|ben> & co")
		h.channelMessage(general, c, "was *cancelled*", "not needed, ask <@U0BEN> &amp; co")
		f, _ := h.plan(ana, "billing", "2.0.2", 48*time.Hour, "type=standard")
		h.cmd(ana, releases, "/release start "+f)
		h.cmd(ana, releases, "/release fail "+f)
		h.channelMessage(general, f, "was *failed*")
		rb, _ := h.plan(ana, "billing", "2.0.3", 48*time.Hour, "type=standard")
		h.cmd(ana, releases, "/release start "+rb)
		h.cmd(ana, releases, "/release rollback "+rb+"\nerrors up") // the note on its own line
		h.channelMessage(general, rb, "was *rolled back*", "errors up")

		// approved, rejected: a normal release goes to the admins.
		ap, _ := h.plan(ana, "billing", "2.1.0", 48*time.Hour, "type=normal")
		req := h.dmContaining(admin, ap, "asks for your approval")
		if _, err := h.slack.As(admin).Click(h.ctx(), req, "Approve"); err != nil {
			t.Fatal(err)
		}
		h.channelMessage(general, ap, "was *approved*")
		rj, _ := h.plan(ana, "billing", "2.1.1", 48*time.Hour, "type=normal")
		req = h.dmContaining(admin, rj, "asks for your approval")
		if _, err := h.slack.As(admin).Click(h.ctx(), req, "Reject"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the reject form", func() bool { _, ok := h.slack.As(admin).Modal(); return ok })
		if _, err := h.slack.As(admin).Submit(h.ctx(), map[string]string{"reason": "no rollback plan"}); err != nil {
			t.Fatal(err)
		}
		h.channelMessage(general, rj, "was *rejected*", "no rollback plan")

		// Another environment is not heard about.
		other, _ := h.plan(ana, "billing", "3.0.0", 48*time.Hour, "type=standard env=staging")
		h.dmContaining(ben, other, "was *planned*")
		h.drained()

		all := h.slack.Messages(general)
		for _, c := range []struct{ id, ev string }{
			{id, "planned"}, {id, "rescheduled"}, {id, "started"}, {id, "completed"}, {c, "cancelled"}, {f, "failed"},
			{rb, "rolled back"}, {ap, "approved"}, {rj, "rejected"},
		} {
			exactlyOnce(t, "#general", all, c.id+" ", "was *"+c.ev+"*")
			exactlyOnce(t, "dan's DMs", h.slack.As(dan).DMs(), c.id+" ", "was *"+c.ev+"*")
		}
		// In the order things happened, though "planned" had to wait for
		// the announcement and the next changes came at once.
		for _, msgs := range [][]slackemu.Message{all, h.slack.As(dan).DMs()} {
			for rel, want := range map[string]string{
				id: "planned,rescheduled,started,completed", c: "planned,cancelled", f: "planned,started,failed",
				rb: "planned,started,rolled", ap: "planned,approved", rj: "planned,rejected",
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
		if n := count(all, other+" "); n != 0 {
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
		id, startAt := h.plan(ana, "billing", "4.0.0", 25*time.Hour, "type=standard duration=1h")
		ann := h.announcement(id)
		h.drained() // and so between jumps: sent_at is stamped with the bot's clock
		if n := count(h.slack.As(ana).DMs(), "Reminder"); n != 0 {
			t.Fatalf("a reminder went out %d times before its time", n)
		}

		h.clock.AdvanceTo(startAt.Add(-24 * time.Hour))
		h.dmContaining(ana, "Reminder: "+id+" billing 4.0.0 starts in 24h")
		h.threadReply(releases, ann.TS, "Reminder: "+id, "starts in 24h")

		h.drained()
		h.clock.AdvanceTo(startAt.Add(-time.Hour))
		h.dmContaining(ana, "Reminder: "+id+" billing 4.0.0 starts in 1h")
		h.threadReply(releases, ann.TS, "Reminder: "+id, "starts in 1h")

		h.drained()
		h.clock.AdvanceTo(startAt.Add(30 * time.Minute))
		h.dmContaining(ana, "Overdue: "+id, "has not started", "/release start "+id)

		h.cmd(ana, releases, "/release start "+id)
		h.drained()
		h.clock.AdvanceTo(startAt.Add(time.Hour))
		h.dmContaining(ana, "Overdue: "+id, "window ended", "still in progress")
		h.cmd(ana, releases, "/release complete "+id)
		h.drained()
		h.clock.Advance(2 * time.Hour)
		h.drained()

		dms := h.slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "starts in 24h")
		exactlyOnce(t, "ana's DMs", dms, "starts in 1h")
		exactlyOnce(t, "ana's DMs", dms, "has not started")
		exactlyOnce(t, "ana's DMs", dms, "window ended")
		replies := h.slack.Replies(releases, ann.TS)
		exactlyOnce(t, "the thread", replies, "starts in 24h")
		exactlyOnce(t, "the thread", replies, "starts in 1h")
		for _, m := range h.outboxRows(id, "reminder", "overdue") {
			if m.Status != storage.OutboxSent {
				continue
			}
			if late := m.SentAt.Sub(m.DueAt); late > time.Minute || late < 0 {
				t.Fatalf("%s sent %s after its time", m.Key, late)
			}
		}
	})
}

// lastCall is the newest chat.postMessage call.
func lastCall(s *slackemu.Server) slackemu.Call {
	calls := s.Calls("chat.postMessage")
	return calls[len(calls)-1]
}

// AdvanceTo jumps the bot's time to just after t (a second, so that
// whatever is due at t is due).
func (c *clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := time.Until(t) - c.offset + time.Second; d > 0 {
		c.offset += d
	}
}

// A release planned 50 minutes ahead gets its T-1h reminder at once and
// never its T-24h one; one planned 5 hours ahead gets the T-24h one at once
// (the nearest passed one) and the T-1h one on time.
func TestOnlyTheNearestPassedReminder(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		soon, _ := h.plan(ana, "billing", "5.0.0", 50*time.Minute, "type=standard")
		ann := h.announcement(soon)
		h.dmContaining(ana, "Reminder: "+soon, "starts in 5")
		h.threadReply(releases, ann.TS, "Reminder: "+soon)
		later, laterStart := h.plan(ana, "payments", "1.0.0", 5*time.Hour, "type=standard")
		h.dmContaining(ana, "Reminder: "+later, "starts in 5h")
		h.drained()
		h.clock.AdvanceTo(laterStart.Add(-time.Hour))
		h.dmContaining(ana, "Reminder: "+later, "starts in 1h")
		h.drained()
		dms := h.slack.As(ana).DMs()
		if n := count(dms, "Reminder: "+soon); n != 1 {
			t.Fatalf("%s: %d reminders, want only the T-1h one", soon, n)
		}
		if n := count(dms, "Reminder: "+later); n != 2 {
			t.Fatalf("%s: %d reminders, want 2", later, n)
		}
		for _, m := range h.outboxRows(soon, "reminder") {
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
		id, first := h.plan(ana, "billing", "6.0.0", 26*time.Hour, "type=standard")
		h.announcement(id)
		later, _ := h.at(ana, 50*time.Hour)
		h.cmd(ana, releases, "/release reschedule "+id+" "+later)
		// Back to the first time: its reminders must come back too.
		back := first.In(mustLoc(t, zones[ana])).Format("2006-01-02 15:04")
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+id+" "+back), "Rescheduled")
		// A change that keeps the time (a new duration) keeps them.
		mustContain(t, h.cmd(ana, releases, "/release reschedule "+id+" "+back+" duration=2h"), "Rescheduled")

		gone, goneStart := h.plan(ana, "payments", "2.0.0", 26*time.Hour, "type=standard")
		h.announcement(gone)
		h.cmd(ana, releases, "/release cancel "+gone)
		h.drained()
		for _, m := range h.outboxRows(gone, "reminder", "overdue") {
			if m.Status != storage.OutboxDropped {
				t.Fatalf("cancelled release's %s is %s", m.Key, m.Status)
			}
		}

		h.drained()
		h.clock.AdvanceTo(first.Add(-24 * time.Hour))
		h.dmContaining(ana, "Reminder: "+id, "starts in 24h")
		h.drained()
		h.clock.AdvanceTo(first.Add(-time.Hour))
		h.dmContaining(ana, "Reminder: "+id, "starts in 1h")
		h.drained()
		h.clock.AdvanceTo(goneStart.Add(31 * time.Minute))
		h.dmContaining(ana, "Overdue: "+id)
		h.drained()
		dms := h.slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+id, "starts in 24h")
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+id, "starts in 1h")
		if n := count(dms, gone+" "); n != 0 {
			t.Fatalf("the cancelled release still sent %d reminders", n)
		}
	})
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
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
		waiting, waitingStart := h.plan(ana, "billing", "7.0.0", 26*time.Hour, "type=standard")
		missed, missedStart := h.plan(ana, "payments", "7.0.0", 25*time.Hour, "type=standard")
		h.announcement(waiting)
		h.announcement(missed)
		h.drained()
		h.stop()

		// Down until after missed's start and its overdue check, but
		// before waiting's start.
		clk.AdvanceTo(missedStart.Add(40 * time.Minute))
		if !waitingStart.After(clk.Now()) {
			t.Fatal("test set-up: waiting's start has passed")
		}
		h2 := start(t, options{dialect: dialect, slack: slack, clock: clk, databaseURL: db})
		h2.dmContaining(ana, "Reminder: "+waiting, "starts in ")
		h2.dmContaining(ana, "Overdue: "+missed)
		h2.drained()
		dms := slack.As(ana).DMs()
		exactlyOnce(t, "ana's DMs", dms, "Reminder: "+waiting)
		if n := count(dms, "Reminder: "+missed); n != 0 {
			t.Fatalf("reminders of a release whose start passed went out late: %d", n)
		}
		mustContain(t, h2.log.String(), "outbox: message dropped", "the release's start has passed", "a nearer reminder is due too")
		if !strings.Contains(fmt.Sprint(h2.outboxRows(missed, "reminder")), storage.OutboxDropped) {
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
		ny := mustLoc(t, "America/New_York")
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
		id, _ := h.plan(ana, "billing", "8.0.0", 2*time.Hour+45*time.Minute, "type=normal")
		req := h.dmContaining(cat, id, "asks for your approval")
		h.dmContaining(ben, id, "asks for your approval")
		// Clicks are acked before they are handled: wait for the answer
		// cat sees, which comes once her decision is committed, or the
		// nudge run after the jump below could still find her undecided.
		h.apClick(cat, req, "Approve")
		h.drained()

		h.drained()
		h.clock.Advance(31 * time.Minute)
		nudge := h.dmContaining(ben, "A reminder:", id, "waits for your decision")
		if len(nudge.Buttons()) != 2 {
			t.Fatalf("the nudge has no decision buttons: %+v", nudge.Buttons())
		}
		h.drained()
		h.clock.Advance(30 * time.Minute) // second interval, and under 2h to the start
		h.waitFor("a second nudge", func() bool { return count(h.slack.As(ben).DMs(), "A reminder:", id) == 2 })
		h.dmContaining(admin, ":rotating_light:", id, "still not approved", "<@U0ANA>")
		h.drained()
		h.clock.Advance(5 * time.Minute) // within the same interval
		h.drained()
		if n := count(h.slack.As(cat).DMs(), "A reminder:"); n != 0 {
			t.Fatalf("cat decided and was still nudged %d times", n)
		}
		if n := count(h.slack.As(ben).DMs(), "A reminder:", id); n != 2 {
			t.Fatalf("ben: %d nudges, want 2", n)
		}
		exactlyOnce(t, "admin's DMs", h.slack.As(admin).DMs(), "still not approved")

		// A nudge held back by a 429 is not sent once ben has decided.
		// Slack keeps answering 429 (Times 0: until ClearFaults) until his
		// decision is committed: with a single 429 the held nudge would go
		// out when Retry-After ran out if his click had not been handled
		// by then, which a loaded machine can make take longer.
		h.drained()
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 429, RetryAfter: 2})
		h.clock.Advance(30 * time.Minute)
		h.waitFor("the third nudge's 429", func() bool { return len(h.slack.Calls("chat.postMessage")) > 0 && lastCall(h.slack).HTTPStatus == 429 })
		if _, err := h.slack.As(ben).Click(h.ctx(), h.dmContaining(ben, id, "asks for your approval"), "Approve"); err != nil {
			t.Fatal(err)
		}
		h.eventually(id+" to be approved", func() bool {
			var n int64
			fmt.Sscanf(id, "R-%d", &n)
			r, err := h.store.Release(context.Background(), n)
			return err == nil && r.Status == "approved"
		})
		h.slack.ClearFaults()
		h.eventually("the stale nudge to be dropped", func() bool {
			for _, m := range h.outboxRows(id, "approval_nudge") {
				if m.Status == storage.OutboxDropped {
					return true
				}
			}
			return false
		})
		h.drained()
		if n := count(h.slack.As(ben).DMs(), "A reminder:", id); n != 2 {
			t.Fatalf("ben: %d nudges, want 2 (the third was held back, then he decided)", n)
		}

		// Outside working hours (past 23:30 in New York, past 03:30 UTC)
		// nobody is nudged.
		late, _ := h.plan(ana, "payments", "8.0.0", 30*time.Hour, "type=normal")
		h.dmContaining(ben, late, "asks for your approval")
		h.dmContaining(cat, late, "asks for your approval")
		h.drained()
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
		h.drained()
		for _, who := range []string{ben, cat} {
			if n := count(h.slack.As(who).DMs(), "A reminder:", late); n != 0 {
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
		soon, _ := h.plan(ana, "billing", "9.0.0", 72*time.Hour, "type=standard")
		far, _ := h.plan(ana, "billing", "9.1.0", 9*24*time.Hour, "type=standard")
		stg, _ := h.plan(ana, "payments", "9.0.0", 48*time.Hour, "type=standard env=staging")
		h.drained()
		h.stop()
		h = start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: map[string]string{"DIGEST_CRON": "@every 1s"}})
		d := h.channelMessage(general, "Release digest")
		mustContain(t, d.Content(), soon, "billing")
		mustNotContain(t, d.Content(), far, stg)
		d2 := h.channelMessage(releases, "Release digest")
		mustContain(t, d2.Content(), stg)
		mustNotContain(t, d2.Content(), soon)
		h.eventually("a few digest runs", func() bool { return strings.Count(h.log.String(), "job=\"weekly digest\"") >= 3 })
		h.drained()
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
		soon, _ := h.plan(ana, "billing", "9.0.0", 72*time.Hour, "type=standard")
		h.drained()
		h.stop()
		// DEFAULT_TIMEZONE is UTC: the digest was due ten minutes ago.
		due := clk.Now().UTC().Add(-10 * time.Minute)
		env := map[string]string{"DIGEST_CRON": fmt.Sprintf("%d %d * * *", due.Minute(), due.Hour())}
		replicas := []*harness{
			start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: env}),
			start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk, env: env}),
		}
		d := replicas[0].channelMessage(general, "Release digest")
		mustContain(t, d.Content(), soon)
		for _, r := range replicas {
			r.drained()
			if !strings.Contains(r.log.String(), "catching up a scheduled run") {
				t.Fatal("a replica did not catch up the missed digest")
			}
		}
		exactlyOnce(t, "#general", slack.Messages(general), "Release digest")
	})
}
