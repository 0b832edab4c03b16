package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const surveyReminderName = "survey_reminder"

// surveyReminderKind reminds a stakeholder who has not answered, once,
// two days after the survey opened; dropped when they answered or the
// survey closed.
type surveyReminderKind struct{}

func (surveyReminderKind) Spec() storage.KindSpec { return storage.KindSpec{Name: surveyReminderName} }

// RemindStakeholder is the one reminder of survey s to user.
func RemindStakeholder(r *storage.Release, s *storage.Survey, user string) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("survey-reminder:%d:%s", r.ID, user), Kind: surveyReminderName,
		ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Channel: user, Op: storage.OpPost, DueAt: s.OpenedAt.Add(release.SurveyReminderAfter)}
}

func (surveyReminderKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	s, resp, err := rs.surveyAnswer(ctx, r.ID, m.Channel)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if !rs.d.Now().Before(s.ClosesAt) {
		return reminders.Delivery{Drop: "the survey closed"}, nil
	}
	if resp != nil {
		return reminders.Delivery{Drop: "they answered"}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: SurveyMessage(r, s, true, nil, ":wave: A reminder:")}, nil
}
