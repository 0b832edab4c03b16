package delivery

import (
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// The survey and review messages carry registered kinds, and their keys
// make one survey, one reminder and one follow-up per person and release.
func TestFeedbackConstructors(t *testing.T) {
	r := &storage.Release{ID: 7, Channel: "C1", OwnerID: "U1"}
	s := &storage.Survey{ID: 2, ReleaseID: 7, OpenedAt: time.Unix(0, 0), ClosesAt: time.Unix(3600, 0)}
	rv := &storage.Review{ID: 5, ReleaseID: 7, Revision: 2}
	a := &storage.ReviewAction{ID: 9, ReleaseID: 7, OwnerID: "U2", DueOn: "2026-12-01"}
	msgs := []*storage.OutboxMessage{
		AskStakeholder(r, s, "U2"), PostSurvey(r, s, "C2"), UpdateSurvey(7, 2, "U2", 1), RemindStakeholder(r, s, "U2"),
		FollowUpAdoption(r, s, "U2", time.Unix(7200, 0)), CloseSurveyDM(r, s, "U2"), PostReview(r, rv), RemindReview(r, "2026-12-01"), RemindAction(a, time.Unix(0, 0)),
	}
	msgs = append(msgs, SummarizeSurvey(r, s)...)
	keys := map[string]bool{}
	for _, m := range msgs {
		if _, ok := kinds[m.Kind]; !ok {
			t.Errorf("%s: kind %q is not registered", m.Key, m.Kind)
		}
		if keys[m.Key] {
			t.Errorf("key %s twice", m.Key)
		}
		keys[m.Key] = true
	}
	if AskStakeholder(r, s, "U2").Key != AskStakeholder(r, &storage.Survey{ID: 3}, "U2").Key {
		t.Error("a second survey of the same release would ask the same person again")
	}
	if got := RemindStakeholder(r, s, "U2").DueAt; !got.Equal(s.OpenedAt.Add(48 * time.Hour)) {
		t.Errorf("reminder due %s, want two days after opening", got)
	}
}
