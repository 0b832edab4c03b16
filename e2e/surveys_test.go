package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// finished plans a standard billing release as ana, starts it and ends
// it with verb (complete, fail, rollback).
func (h *harness) finished(version, verb string) planned {
	h.t.Helper()
	rel := h.plan(ana, "billing "+version, startIn(2*time.Hour), with("type=standard"))
	h.announcement(releases, rel.ID)
	mustContain(h.t, h.cmd(ana, releases, "/release start "+rel.Ref()), "Started")
	h.cmd(ana, releases, "/release "+verb+" "+rel.Ref())
	h.eventually(rel.Ref()+" to finish", func() bool { return h.release(rel.ID).FinishedAt != nil })
	return rel
}

// survey reads a release's survey.
func (h *harness) survey(id int64) *storage.Survey {
	h.t.Helper()
	var sv *storage.Survey
	h.eventually(fmt.Sprintf("the survey of R-%d", id), func() bool {
		var err error
		sv, err = h.store.SurveyOf(context.Background(), id)
		return err == nil
	})
	return sv
}

// surveyDM waits for the survey of release id in user's DMs.
func (h *harness) surveyDM(user string, id int64, version string) slackemu.Message {
	h.t.Helper()
	return h.waitForMessage(dmsTo(user), fmt.Sprintf("How satisfied are you with R-%d (billing %s)?", id, version))
}

// dueAt is when the one outbox row of kind about release id to user is
// due.
func (h *harness) dueAt(id int64, kind, user string) time.Time {
	h.t.Helper()
	var due []time.Time
	for _, m := range h.outboxRows(id, kind) {
		if m.Channel == user {
			due = append(due, m.DueAt)
		}
	}
	if len(due) != 1 {
		h.t.Fatalf("%d %s rows for R-%d to %s, want 1", len(due), kind, id, user)
	}
	return due[0]
}

// answers reads the survey's answers by person.
func (h *harness) answers(surveyID int64) map[string]storage.SurveyResponse {
	h.t.Helper()
	rows, err := h.store.SurveyResponses(context.Background(), surveyID)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]storage.SurveyResponse{}
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out
}

// The "done when": a release completes; three stakeholders answer
// (one changes their score, one says "not yet" and is asked again after
// 14 days, one does not answer and is reminded after 2 days); the summary
// in the thread has the right numbers; the review is saved with one
// action, whose owner is reminded on its due date and closes it with Done.
func TestSurveyAndReviewAfterARelease(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmd(admin, releases, "/release stakeholders add billing "+benM+" "+catM+" "+danM+" "+adminM), "Added")
		rel := h.finished("2.3.0", "complete")
		ann := h.announcement(releases, rel.ID)

		// Nobody is asked before SURVEY_DELAY.
		h.outboxIdle()
		if n := count(h.slack.As(ben).DMs(), "How satisfied"); n != 0 {
			t.Fatalf("%d surveys before the delay", n)
		}
		h.clock.Advance(time.Hour + time.Minute)
		benDM := h.surveyDM(ben, rel.ID, "2.3.0")
		catDM, danDM := h.surveyDM(cat, rel.ID, "2.3.0"), h.surveyDM(dan, rel.ID, "2.3.0")
		sv := h.survey(rel.ID)

		mustContain(t, h.click(ben, benDM, "4"), "Thank you!", "4/5")
		benDM = h.waitUntilShows(benDM, "Your answer: 4/5")
		mustContain(t, h.click(ben, benDM, "5"), "Changed", "5/5")
		h.waitUntilShows(benDM, "Your answer: 5/5")
		mustContain(t, h.click(cat, catDM, "3"), "3/5")
		mustContain(t, h.click(cat, h.current(catDM), "Not yet"), "3/5 · using it: Not yet")
		mustContain(t, h.click(dan, danDM, "2"), "2/5")
		mustContain(t, h.click(dan, h.current(danDM), "Yes"), "using it: Yes")
		if _, err := h.slack.As(dan).Click(h.ctx(), h.current(danDM), "Add a comment"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the comment form", func() bool { _, ok := h.slack.As(dan).Modal(); return ok })
		if res, err := h.slack.As(dan).Submit(h.ctx(), map[string]string{"Comment": "Checkout is <faster>"}); err != nil || !res.Closed {
			t.Fatalf("comment: %v %+v", err, res)
		}
		h.eventually("dan's comment", func() bool { return h.answers(sv.ID)[dan].Comment == "Checkout is <faster>" })
		if got := h.answers(sv.ID); len(got) != 3 || got[ben].Score != 5 || got[ben].Changes != 1 {
			t.Fatalf("answers: %+v", got)
		}

		// The one who did not answer is reminded once, two days later.
		h.outboxIdle()
		remindAt := h.dueAt(rel.ID, "survey_reminder", admin)
		if !remindAt.Equal(sv.OpenedAt.Add(48 * time.Hour)) {
			t.Fatalf("the reminder is due %s, want two days after %s", remindAt, sv.OpenedAt)
		}
		h.clock.AdvanceTo(remindAt)
		h.waitForMessage(dmsTo(admin), "A reminder:", "How satisfied are you with R-")
		h.outboxIdle()
		for _, u := range []string{ben, cat, dan} {
			if n := count(h.slack.As(u).DMs(), "A reminder:"); n != 0 {
				t.Fatalf("%s answered and was reminded %d times", u, n)
			}
		}

		// The survey closes: the summary goes to the thread and the owner.
		h.clock.AdvanceTo(sv.ClosesAt)
		summary := h.waitForMessage(inThread(releases, ann.TS), "Survey of", "closed")
		mustContain(t, summary.Content(), "3 of 4 invited answered", "average *3.3*/5", "5: 1 · 4: 0 · 3: 1 · 2: 1 · 1: 0",
			"Yes: 1 · Not yet: 1 · No: 0", "Checkout is &lt;faster&gt;")
		mustNotContain(t, summary.Content(), "<@U0DAN>")
		h.waitForMessage(dmsTo(ana), "Survey of", "3 of 4 invited answered")
		h.waitUntilShows(benDM, "This survey is closed", "Your answer: 5/5")
		h.refused(h.clicking(admin, h.waitForMessage(dmsTo(admin), "A reminder:"), "1"), "survey of", "is closed", "not recorded")

		// The review, with one action for ben due tomorrow in his zone.
		if _, err := h.slack.As(ana).Click(h.ctx(), h.current(ann), "Write review"); err != nil {
			t.Fatal(err)
		}
		h.waitFor("the review form", func() bool { _, ok := h.slack.As(ana).Modal(); return ok })
		due := h.day(ben, 1)
		res, err := h.slack.As(ana).Submit(h.ctx(), map[string]string{
			"Met its success criteria?": "Partly", "What went well": "Fast rollout", "What went wrong": "Alerts were late",
			"Follow-up action 1": "Page on checkout latency", "Owner of action 1": ben, "Due date of action 1": due,
		})
		if err != nil || !res.Closed {
			t.Fatalf("review: %v %+v", err, res)
		}
		note := h.waitForMessage(inThread(releases, ann.TS), "Post-release review")
		mustContain(t, note.Content(), "partly met its success criteria", "Fast rollout", "Alerts were late", "Page on checkout latency", "<@U0BEN>", "due "+due)
		mustContain(t, h.cmd(ben, releases, "/release actions mine"), "Page on checkout latency", "R-1 billing")
		mustContain(t, h.cmd(ana, releases, "/release lessons billing"), "Lessons learned: billing", "Alerts were late")
		mustContain(t, h.cmd(dan, releases, "/release show "+rel.Ref()), "Post-release review", "Page on checkout latency")
		next := h.plan(ana, "billing 2.4.0", startIn(48*time.Hour), with("type=standard"))
		mustContain(t, next.Reply, "billing has 1 open follow-up action from earlier reviews", "Page on checkout latency")

		h.outboxIdle()
		h.clock.AdvanceTo(h.dueAt(rel.ID, "action_due", ben))
		reminder := h.waitForMessage(dmsTo(ben), "is due today", "Page on checkout latency")
		h.refused(h.clicking(dan, reminder, "Done"), "Only the action's owner")
		mustContain(t, h.click(ben, reminder, "Done"), "Done: Page on checkout latency")
		mustContain(t, h.cmd(ben, releases, "/release actions mine"), "No your open follow-up actions")
		h.refused(h.clicking(ben, reminder, "Done"), "already done")

		// Cat, who was not yet using it, is asked again 14 days later.
		h.outboxIdle()
		followUp := h.dueAt(rel.ID, "adoption_followup", cat)
		if d := followUp.Sub(h.answers(sv.ID)[cat].AnsweredAt); d < 14*24*time.Hour || d > 14*24*time.Hour+time.Minute {
			t.Fatalf("follow-up %s after cat's answer", d)
		}
		h.clock.AdvanceTo(followUp)
		ask := h.waitForMessage(dmsTo(cat), "Are you using it now?")
		mustContain(t, h.click(cat, ask, "Yes"), "Using what", "Yes")
		h.eventually("cat's follow-up answer", func() bool { return h.answers(sv.ID)[cat].FollowUp == "yes" })
		h.outboxIdle()
		if n := count(h.slack.As(ben).DMs(), "Are you using it now?"); n != 0 {
			t.Fatalf("ben was asked again %d times", n)
		}
		exactlyOnce(t, "cat's DMs", h.slack.As(cat).DMs(), "How satisfied are you with R-1")
		if !strings.Contains(h.auditActions(rel.ID), "survey opened") || !strings.Contains(h.auditActions(rel.ID), "review written") {
			t.Fatalf("audit: %s", h.auditActions(rel.ID))
		}
	})
}

// Who may do what with surveys: stakeholders are changed by admins and
// owners of the service's releases; a survey is posted in a channel by the
// release's owner, once it finished, and there anyone may answer; after
// it closes every click is refused and changes nothing.
func TestSurveyRefusals(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.refused(h.typing(dan, releases, "/release stakeholders add billing "+danM), "Only admins and owners of billing's releases")
		running := h.plan(ana, "billing 4.0.0", startIn(2*time.Hour), with("type=standard"))
		mustContain(t, h.cmd(ana, releases, "/release stakeholders add billing "+benM), "Added <@U0BEN>")
		h.refused(h.typing(ana, releases, "/release survey "+running.Ref()+" here"), "a survey follows a release that completed")

		rel := h.finished("4.0.1", "rollback")
		h.refused(h.typing(dan, general, "/release survey "+rel.Ref()+" here"), "Only the owner (<@U0ANA>) or an admin")
		h.refused(h.typing(ana, general, "/release survey "+rel.Ref()), "`/release survey R-17 here`")
		// Posted before SURVEY_DELAY: the survey opens now, for everyone.
		mustContain(t, h.cmd(ana, general, "/release survey "+rel.Ref()+" here"), "on its way to this channel")
		post := h.waitForMessage(inChannel(general), "How satisfied are you with "+rel.Ref())
		h.surveyDM(ben, rel.ID, "4.0.1")
		mustContain(t, h.click(dan, post, "4"), "Thank you!", "4/5")
		mustContain(t, h.click(dan, post, "2"), "Changed", "2/5")
		sv := h.survey(rel.ID)
		if got := h.answers(sv.ID); len(got) != 1 || got[dan].Score != 2 {
			t.Fatalf("answers: %+v", got)
		}

		h.outboxIdle()
		h.clock.AdvanceTo(sv.ClosesAt)
		h.waitForMessage(dmsTo(ana), "Survey of", "1 of 1 invited answered", "average *2.0*/5")
		h.refused(h.clicking(dan, post, "5"), "is closed", "not recorded")
		h.refused(h.clicking(ben, post, "Not yet"), "is closed")
		h.refused(h.clicking(ben, post, "Add a comment"), "is closed")
		h.waitUntilShows(h.surveyDM(ben, rel.ID, "4.0.1"), "This survey is closed")
	})
}

// Two replicas on one PostgreSQL database open each survey once and ask
// each stakeholder once per release, whichever replica runs the job, and
// a replica's restart asks nobody again.
func TestTwoReplicasSurveyEachPersonOnce(t *testing.T) {
	if !storagetest.PostgresEnabled() {
		t.Skipf("%s is not set: several replicas need PostgreSQL", storagetest.PostgresEnv)
	}
	slack, db, clk := newSlack(t), storagetest.Fresh(t, "postgres"), &clock{}
	h := start(t, options{dialect: "postgres", slack: slack, databaseURL: db, clock: clk})
	second := start(t, options{dialect: "postgres", slack: slack, databaseURL: db, clock: clk})
	h.waitFor("two Socket Mode links", func() bool { return slack.Connections() == 2 })
	mustContain(t, h.cmd(admin, releases, "/release stakeholders add billing "+benM+" "+catM+" "+danM), "Added")
	var rels []planned
	for i, verb := range []string{"complete", "fail", "rollback"} {
		rels = append(rels, h.finished(fmt.Sprintf("5.%d.0", i), verb))
	}
	h.outboxIdle()
	clk.Advance(time.Hour + time.Minute)
	for _, rel := range rels {
		for _, u := range []string{ben, cat, dan} {
			h.waitForMessage(dmsTo(u), "How satisfied are you with "+rel.Ref()+" ")
		}
	}
	h.outboxIdle()
	// A replica restarts: the jobs run again and ask nobody twice.
	second.stop()
	start(t, options{dialect: "postgres", slack: slack, databaseURL: db, clock: clk})
	h.waitFor("two Socket Mode links again", func() bool { return slack.Connections() == 2 })
	clk.Advance(time.Minute)
	h.outboxIdle()
	for _, rel := range rels {
		for _, u := range []string{ben, cat, dan} {
			exactlyOnce(t, u+"'s DMs", slack.As(u).DMs(), "How satisfied are you with "+rel.Ref()+" ")
		}
		if n := len(h.outboxRows(rel.ID, "survey_request")); n != 3 {
			t.Fatalf("%d survey requests for %s, want 3", n, rel.Ref())
		}
		if trail := h.auditActions(rel.ID); strings.Count(trail, "survey opened") != 1 {
			t.Fatalf("%s: %s", rel.Ref(), trail)
		}
	}
}
