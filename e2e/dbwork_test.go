package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/storage"
)

// planStandard is the command the load benchmark and the database-work
// test type, less the release and its time: one constant, so that a change
// to what a standard change needs on the command line is made once.
const planStandard = "/release new %s %s %s type=standard"

// Limits of the database work per command, including the delivery of what
// the command sends (issue 11). They are counted, not timed: a statement
// or a commit added to these paths fails the test on any machine.
var workLimits = map[string]dbWork{
	"new":     {Statements: 12, Commits: 3},
	"approve": {Statements: 16, Commits: 4},
	"help":    {Statements: 0, Commits: 0},
}

// TestDatabaseWorkPerCommand counts the statements and commits of a
// standard /release new (its announcement's delivery included), of a click
// on Approve (its updates included) and of /release help, which needs
// none: a read-only command keeps no delivery record.
func TestDatabaseWorkPerCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		counter := &dbCounter{}
		// Long intervals: the work counted is the command's and what it
		// wakes, not the loops' idle polling.
		h := start(t, options{dialect: dialect, store: []storage.Option{counter.option()},
			tuning: app.Tuning{OutboxPoll: time.Hour, MinuteJobs: "@every 1h"}})
		measure := func(what string, run func()) dbWork {
			h.outboxIdle()
			h.quiet(counter)
			counter.take()
			run()
			h.outboxIdle()
			h.quiet(counter)
			w, log := counter.take()
			t.Logf("%s: %s\n%s", what, w, summary(log))
			limit := workLimits[what]
			if w.Statements > limit.Statements || w.Commits > limit.Commits {
				t.Errorf("%s cost %s; at most %d statements and %d commits allowed:\n%s",
					what, w, limit.Statements, limit.Commits, strings.Join(log, "\n"))
			}
			return w
		}
		// A first release warms what the bot caches (ana's time zone).
		h.plan(ana, "warmup 1.0.0", daysAhead(3, "10:00"), with("type=standard"))
		measure("new", func() {
			line := fmt.Sprintf(planStandard, "billing", "2.3.0", h.day(ana, 4)+" 10:00")
			mustContain(t, h.cmdAnswer(ana, releases, line), "Planned", "approved")
			h.waitForMessage(inChannel(releases), "billing", "2.3.0")
		})
		mustContain(t, h.setPolicy("normal approvers=<@"+ben+"> required=any"), "normal")
		p := h.plan(ana, "payments 1.0.0", daysAhead(5, "11:00"), with("type=normal"))
		h.approvalRequest(ben, p.ID)
		measure("approve", func() {
			mustContain(t, h.approve(ben, p.ID), "approved")
			h.waitForStatus(p.ID, "approved")
		})
		measure("help", func() {
			mustContain(t, h.cmdAnswer(ana, releases, "/release help"), "/release new")
		})
	})
}

// quiet waits until the bot has touched no table for a moment after the
// outbox went idle: the loop claims once more after its last send, and
// that claim belongs to the work before it.
func (h *harness) quiet(c *dbCounter) {
	h.t.Helper()
	last, still := -1, 0
	h.eventually("the database to be quiet", func() bool {
		c.mu.Lock()
		n := len(c.log)
		c.mu.Unlock()
		if n == last {
			still++
		} else {
			still = 0
		}
		last = n
		return still >= 5
	})
}
