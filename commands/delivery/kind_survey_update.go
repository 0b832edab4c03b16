package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const surveyUpdateName = "survey_update"

// surveyUpdateKind shows a stakeholder's survey DM with their current
// answer, after they answered or changed it, and closed once the survey
// closed. It waits for the DM it updates.
type surveyUpdateKind struct{}

func (surveyUpdateKind) Spec() storage.KindSpec { return storage.KindSpec{Name: surveyUpdateName} }

// UpdateSurvey brings user's survey DM up to date after their answer
// number n.
func UpdateSurvey(releaseID, surveyID int64, user string, n int) *storage.OutboxMessage {
	m := update(surveyUpdateName, fmt.Sprintf("survey-update:%d:%s:%d", surveyID, user, n), releaseID, ptr(surveyID))
	m.Channel = user
	return m
}

func (surveyUpdateKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	sent, wait, err := rs.surveyDM(ctx, r.ID, m.Channel)
	if sent == nil {
		return wait, err
	}
	s, resp, err := rs.surveyAnswer(ctx, r.ID, m.Channel)
	if err != nil {
		return reminders.Delivery{}, err
	}
	open := rs.d.Now().Before(s.ClosesAt)
	return reminders.Delivery{Channel: sent.SentChannel, TargetTS: sent.SentTS, Message: SurveyMessage(r, s, open, resp, "")}, nil
}

// surveyDM finds the survey DM sent to user; while it is on its way, or
// when it will never arrive, wait says what to do instead.
func (rs *Resolver) surveyDM(ctx context.Context, releaseID int64, user string) (*storage.OutboxMessage, reminders.Delivery, error) {
	msgs, err := rs.d.Store.OutboxMessages(ctx, releaseID, surveyRequestName)
	if err != nil {
		return nil, reminders.Delivery{}, err
	}
	for i, o := range msgs {
		if o.Channel != user {
			continue
		}
		switch o.Status {
		case storage.OutboxSent:
			return &msgs[i], reminders.Delivery{}, nil
		case storage.OutboxPending, storage.OutboxSending:
			return nil, reminders.Delivery{Wait: notYetPosted}, nil
		}
	}
	return nil, reminders.Delivery{Drop: "the survey it updates was never sent"}, nil
}
