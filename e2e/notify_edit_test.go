package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// An edit in the form reaches subscribers like any other change, and the
// thread and the notification show what changed the way Slack shows it to
// each reader: times in their zone, people as mentions.
func TestSubscribersHearOfEdits(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(dan, general, "/release subscribe billing")
		rel := h.plan(ana, "billing 2.0.0", startIn(48*time.Hour), standardChange("billing"))
		ann := h.announcement(releases, rel.ID)
		h.waitForMessage(inChannel(general), rel.Ref()+" ", "was *planned*")

		to := rel.Start.Add(3 * time.Hour)
		h.cmd(ana, releases, "/release edit "+rel.Ref())
		res, err := h.slack.As(ana).Submit(context.Background(), map[string]string{"Start": pickerValue(to), "Owner": ben})
		if err != nil || !res.Closed {
			t.Fatalf("edit: %v closed=%v errors=%v", err, res.Closed, res.Errors)
		}
		change := fmt.Sprintf("start <!date^%d^{date_short_pretty} {time}|", rel.Start.Unix())
		moved := fmt.Sprintf("→ <!date^%d^{date_short_pretty} {time}|", to.Unix())
		n := h.waitForMessage(inChannel(general), rel.Ref()+" ", "was *edited* by <@U0ANA>", change, moved, "owner <@U0ANA> → <@U0BEN>")
		mustContain(t, n.Content(), "*Owner*\n<@U0BEN>")
		h.waitForMessage(inThread(releases, ann.TS), ":pencil2: Edited by <@U0ANA>", change, moved, "owner <@U0ANA> → <@U0BEN>")
		for _, m := range h.slack.Replies(releases, ann.TS) {
			if strings.Contains(m.Content(), "UTC →") {
				t.Fatalf("a time in the thread is not a date token: %s", m.Content())
			}
		}
		h.outboxIdle()
		exactlyOnce(t, "#general", h.slack.Messages(general), rel.Ref()+" ", "was *edited*")
	})
}

// Moving a release in the edit form is a milestone, as a reschedule is:
// a stakeholder at the milestones level hears it; an edit that leaves the
// window alone stays with those who follow everything.
func TestEditThatMovesIsAMilestone(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmd(dan, general, "/release subscribe billing me"), "(milestones)")
		rel := h.plan(ana, "billing 2.0.0", startIn(48*time.Hour), standardChange("billing"))
		h.waitForMessage(dmsTo(dan), rel.Ref()+" ", "was *planned*")

		edit := func(fields map[string]string) {
			t.Helper()
			h.cmd(ana, releases, "/release edit "+rel.Ref())
			res, err := h.slack.As(ana).Submit(context.Background(), fields)
			if err != nil || !res.Closed {
				t.Fatalf("edit: %v closed=%v errors=%v", err, res.Closed, res.Errors)
			}
		}
		edit(map[string]string{"Title": "Faster checkout"})
		h.outboxIdle()
		if n := count(h.slack.As(dan).DMs(), rel.Ref()+" ", "was *edited*"); n != 0 {
			t.Fatalf("a milestones subscriber heard a title edit %d times", n)
		}
		edit(map[string]string{"Start": pickerValue(rel.Start.Add(3 * time.Hour))})
		h.waitForMessage(dmsTo(dan), rel.Ref()+" ", "was *edited* by <@U0ANA>", "start <!date^")
		h.outboxIdle()
		exactlyOnce(t, "dan's DMs", h.slack.As(dan).DMs(), rel.Ref()+" ", "was *edited*")
	})
}
