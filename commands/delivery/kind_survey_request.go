package delivery

import (
	"context"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const surveyRequestName = "survey_request"

// surveyRequestKind is the survey about a finished release, by DM to a
// stakeholder or posted in a channel. It is rendered when it goes out,
// with the person's current answer; one closed before then is dropped.
type surveyRequestKind struct{}

func (surveyRequestKind) Spec() storage.KindSpec { return storage.KindSpec{Name: surveyRequestName} }

// AskStakeholder is the survey s of r sent to user: one per person and
// release, whoever enqueues it.
func AskStakeholder(r *storage.Release, s *storage.Survey, user string) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("survey:%d:%s", r.ID, user), Kind: surveyRequestName,
		ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Channel: user, Op: storage.OpPost, DueAt: s.OpenedAt}
}

// PostSurvey is the survey s of r posted in channel, where anyone may
// answer.
func PostSurvey(r *storage.Release, s *storage.Survey, channel string) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("survey-post:%d:%s", r.ID, channel), Kind: surveyRequestName,
		ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Channel: channel, Op: storage.OpPost}
}

func (surveyRequestKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	s, err := rs.d.Store.SurveyOf(ctx, r.ID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if !rs.d.Now().Before(s.ClosesAt) {
		return reminders.Delivery{Drop: "the survey closed before it went out"}, nil
	}
	var resp *storage.SurveyResponse
	if personal(m.Channel) {
		if resp, err = rs.d.Store.SurveyResponse(ctx, s.ID, m.Channel); err != nil {
			return reminders.Delivery{}, err
		}
	}
	return reminders.Delivery{Channel: m.Channel, Message: SurveyMessage(r, s, true, resp, "")}, nil
}

// personal reports whether an outbox destination is a person.
func personal(channel string) bool {
	return strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W")
}

// surveyAnswer reads a release's survey and user's answer to it (nil
// before they answered).
func (rs *Resolver) surveyAnswer(ctx context.Context, releaseID int64, user string) (*storage.Survey, *storage.SurveyResponse, error) {
	s, err := rs.d.Store.SurveyOf(ctx, releaseID)
	if err != nil {
		return nil, nil, err
	}
	resp, err := rs.d.Store.SurveyResponse(ctx, s.ID, user)
	return s, resp, err
}
