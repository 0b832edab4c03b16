package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const surveySummaryName = "survey_summary"

// surveySummaryKind is a closed survey's results, in the release's thread
// and to its owner, rendered from the answers when the survey closes.
type surveySummaryKind struct{}

func (surveySummaryKind) Spec() storage.KindSpec { return storage.KindSpec{Name: surveySummaryName} }

// SummarizeSurvey is the summary of survey s: in the thread and to the
// owner, when it closes.
func SummarizeSurvey(r *storage.Release, s *storage.Survey) []*storage.OutboxMessage {
	return []*storage.OutboxMessage{
		{Key: fmt.Sprintf("survey-summary:%d:thread", r.ID), Kind: surveySummaryName, ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Op: storage.OpThread, DueAt: s.ClosesAt},
		{Key: fmt.Sprintf("survey-summary:%d:owner", r.ID), Kind: surveySummaryName, ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Channel: r.OwnerID, Op: storage.OpPost, DueAt: s.ClosesAt},
	}
}

func (surveySummaryKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	s, err := rs.d.Store.SurveyOf(ctx, r.ID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	invited, err := rs.d.Store.SurveyInvites(ctx, s.ID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	answers, err := rs.d.Store.SurveyResponses(ctx, s.ID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	msg := SurveySummary(r, len(invited), answers, rs.d.Config.SurveyAnonymous)
	if m.Op == storage.OpThread {
		if r.AnnouncementTS == "" {
			return rs.waitForAnnouncement(ctx, r.ID)
		}
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
}
