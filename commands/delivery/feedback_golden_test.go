package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

var feedbackT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func feedbackFixture() (*storage.Release, *storage.Survey) {
	r := &storage.Release{ID: 17, Service: "payments", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "high",
		OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES", StartAt: feedbackT0, EndAt: feedbackT0.Add(time.Hour), Status: "completed"}
	s := &storage.Survey{ID: 3, ReleaseID: 17, OpenedAt: feedbackT0.Add(2 * time.Hour), ClosesAt: feedbackT0.Add(170 * time.Hour)}
	return r, s
}

func TestGoldenSurvey(t *testing.T) {
	r, s := feedbackFixture()
	golden.Compare(t, "survey_answered", SurveyMessage(r, s, true, &storage.SurveyResponse{Score: 4, Adoption: "not_yet", Comment: "ok"}, ""))
	closed := string(golden.Check(t, SurveyMessage(r, s, false, nil, "")))
	if strings.Contains(closed, ActionSurveyScore) || !strings.Contains(closed, "This survey is closed") {
		t.Errorf("a closed survey: %s", closed)
	}
	if msg := SurveyMessage(r, s, true, nil, ":wave: A reminder:"); !strings.HasPrefix(msg.Text, ":wave: A reminder: How satisfied are you with R-17 (payments 2.3.0)?") {
		t.Errorf("reminder text %q", msg.Text)
	}
	golden.Check(t, FollowUpMessage(r, s))
}

func TestGoldenSurveySummary(t *testing.T) {
	r, _ := feedbackFixture()
	answers := []storage.SurveyResponse{
		{UserID: "U0BEN", Score: 5, Adoption: "yes"},
		{UserID: "U0CAT", Score: 3, Adoption: "not_yet", Comment: "Slow <search>"},
		{UserID: "U0DAN", Adoption: "no"},
	}
	golden.Compare(t, "survey_summary", SurveySummary(r, 4, answers, true))
	named := string(golden.Check(t, SurveySummary(r, 4, answers, false)))
	if !strings.Contains(named, `\u003c@U0CAT\u003e`) {
		t.Errorf("SURVEY_ANONYMOUS=false hides the name: %s", named)
	}
	if none := SurveySummary(r, 2, nil, true); !strings.Contains(none.Text, "0 of 2 answered, no scores") {
		t.Errorf("no answers: %q", none.Text)
	}
}

func TestGoldenReview(t *testing.T) {
	r, _ := feedbackFixture()
	done := feedbackT0
	rv := &storage.Review{ID: 1, ReleaseID: 17, AuthorID: "U0ANA", Criteria: "partly", WentWell: "Fast", WentWrong: "Alerts late", Actions: []storage.ReviewAction{
		{ID: 1, Text: "Page on latency", OwnerID: "U0BEN", DueOn: "2026-03-05"},
		{ID: 2, Text: "Write runbook", OwnerID: "U0CAT", DueOn: "2026-03-06", DoneAt: &done},
	}}
	golden.Compare(t, "review", ReviewMessage(r, rv))
	golden.Check(t, ActionDueMessage(r, &rv.Actions[0]))
	golden.Check(t, ReviewReminderMessage(r))
	if note := OpenActionsNote("payments", rv.Actions); !strings.Contains(note, "payments has 2 open follow-up actions") {
		t.Errorf("planner's note: %q", note)
	}
}
