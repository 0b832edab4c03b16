package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const surveyCloseName = "survey_close"

// surveyCloseKind shows a stakeholder's survey DM closed, without its
// buttons, once the survey closed. It is a kind of its own rather than a
// survey_update due later: updates of one kind to one message go out in
// order, and the answers' updates must not wait for the close.
type surveyCloseKind struct{}

func (surveyCloseKind) Spec() storage.KindSpec { return storage.KindSpec{Name: surveyCloseName} }

// CloseSurveyDM closes user's survey DM when survey s closes.
func CloseSurveyDM(r *storage.Release, s *storage.Survey, user string) *storage.OutboxMessage {
	m := update(surveyCloseName, fmt.Sprintf("survey-close:%d:%s", s.ID, user), r.ID, ptr(s.ID))
	m.Channel, m.DueAt = user, s.ClosesAt
	return m
}

func (surveyCloseKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	return surveyUpdateKind{}.Render(ctx, rs, m, r)
}
