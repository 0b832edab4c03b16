package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const adoptionFollowUpName = "adoption_followup"

// adoptionFollowUpKind asks once more, ADOPTION_FOLLOWUP after they said
// so, those who were "not yet" using what a release delivered; dropped
// when their answer changed in the meantime.
type adoptionFollowUpKind struct{}

func (adoptionFollowUpKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: adoptionFollowUpName}
}

// FollowUpAdoption is the one follow-up of survey s to user, due at.
func FollowUpAdoption(r *storage.Release, s *storage.Survey, user string, at time.Time) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: fmt.Sprintf("adoption-followup:%d:%s", r.ID, user), Kind: adoptionFollowUpName,
		ReleaseID: ptr(r.ID), RefID: ptr(s.ID), Channel: user, Op: storage.OpPost, DueAt: at}
}

func (adoptionFollowUpKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	s, resp, err := rs.surveyAnswer(ctx, r.ID, m.Channel)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if resp == nil || release.Adoption(resp.Adoption) != release.AdoptionNotYet || resp.FollowUp != "" {
		return reminders.Delivery{Drop: "their adoption answer is no longer \"not yet\""}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: FollowUpMessage(r, s)}, nil
}
