package release

import (
	"errors"
	"fmt"
	"time"
)

// Stakeholder surveys and post-release reviews: who may answer, until
// when, which releases need a review and when people are reminded.

// Surveyed are the outcomes after which stakeholders are surveyed: the
// release ended, for better or worse.
var Surveyed = []Status{StatusCompleted, StatusFailed, StatusRolledBack}

// SurveyReminderAfter is when those who have not answered are reminded.
const SurveyReminderAfter = 48 * time.Hour

// Survey refusals.
var (
	ErrSurveyClosed    = errors.New("the survey is closed")
	ErrSurveyCancelled = errors.New("the release was cancelled")
	ErrNotSurveyed     = errors.New("not asked in this survey")
	ErrNoFollowUp      = errors.New("no follow-up was asked")
)

// SurveyCheck is what deciding an answer needs.
type SurveyCheck struct {
	Status   Status
	ClosesAt time.Time
	Now      time.Time
	// Invited says the survey was sent to the person; Public that it was
	// posted in a channel, where anyone may answer.
	Invited, Public bool
}

// AnswerAllowed says whether a person may answer or change their answer.
func AnswerAllowed(c SurveyCheck) error {
	switch {
	case c.Status == StatusCancelled:
		return ErrSurveyCancelled
	case !c.Now.Before(c.ClosesAt):
		return ErrSurveyClosed
	case !c.Invited && !c.Public:
		return ErrNotSurveyed
	}
	return nil
}

// Adoption is the answer to "are you using what this release delivered?".
type Adoption string

// The adoption answers.
const (
	AdoptionYes    Adoption = "yes"
	AdoptionNotYet Adoption = "not_yet"
	AdoptionNo     Adoption = "no"
)

// Adoptions are the answers in the order they are shown.
var Adoptions = []Adoption{AdoptionYes, AdoptionNotYet, AdoptionNo}

// Label is the answer as people read it.
func (a Adoption) Label() string {
	switch a {
	case AdoptionYes:
		return "Yes"
	case AdoptionNotYet:
		return "Not yet"
	case AdoptionNo:
		return "No"
	}
	return "—"
}

// ParseAdoption reads an adoption answer.
func ParseAdoption(s string) (Adoption, error) {
	for _, a := range Adoptions {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown adoption answer %q", s)
}

// ParseScore reads a satisfaction score, 1 to 5.
func ParseScore(s string) (int, error) {
	if len(s) == 1 && s[0] >= '1' && s[0] <= '5' {
		return int(s[0] - '0'), nil
	}
	return 0, fmt.Errorf("a score is 1 to 5, not %q", s)
}

// FollowUpAllowed says whether a person may answer the adoption
// follow-up: only those who answered "not yet", once the release was not
// cancelled.
func FollowUpAllowed(st Status, adoption Adoption) error {
	if st == StatusCancelled {
		return ErrSurveyCancelled
	}
	if adoption != AdoptionNotYet {
		return ErrNoFollowUp
	}
	return nil
}

// Criteria is how far a release met its success criteria.
type Criteria string

// The answers.
const (
	CriteriaYes    Criteria = "yes"
	CriteriaPartly Criteria = "partly"
	CriteriaNo     Criteria = "no"
)

// ParseCriteria reads a success-criteria answer.
func ParseCriteria(s string) (Criteria, error) {
	switch c := Criteria(s); c {
	case CriteriaYes, CriteriaPartly, CriteriaNo:
		return c, nil
	}
	return "", fmt.Errorf("met its success criteria: yes, partly or no, not %q", s)
}

// ReviewInputs are the facts that make a review required.
type ReviewInputs struct {
	Status Status
	Type   Type
	// IntoFreeze: an emergency allowed into a freeze, flagged for a
	// retroactive review.
	IntoFreeze bool
	// HasIncident: an incident is linked to the release.
	HasIncident bool
}

// ReviewRequired says whether a release must have a post-release review:
// failed, rolled-back and emergency releases, releases planned into a
// freeze and releases with a linked incident.
func ReviewRequired(in ReviewInputs) bool {
	return in.Status == StatusFailed || in.Status == StatusRolledBack || in.Type == TypeEmergency || in.IntoFreeze || in.HasIncident
}

// Review refusals.
var (
	ErrReviewFinal       = errors.New("the review is final")
	ErrNotReviewer       = errors.New("only the owner or an admin writes the review")
	ErrNotFinished       = errors.New("the release has not finished")
	ErrNotActionCloser   = errors.New("only the action's owner, the release's owner or an admin closes it")
	ErrActionAlreadyDone = errors.New("the action is already done")
)

// ReviewAllowed says whether user may write or change r's review.
func ReviewAllowed(st Status, final, mayManage bool) error {
	switch {
	case !st.Finished() || st == StatusCancelled:
		return ErrNotFinished
	case !mayManage:
		return ErrNotReviewer
	case final:
		return ErrReviewFinal
	}
	return nil
}

// ReviewReminderDue says whether the owner of a release that finished at
// finished, and whose review is required and missing, is reminded at now:
// once REVIEW_DUE passed, during the owner's working hours (local is now
// in their zone). The caller keys the reminder by the owner's day, so it
// comes once per working day.
func ReviewReminderDue(finished, now time.Time, due time.Duration, local time.Time) bool {
	return !now.Before(finished.Add(due)) && WorkingHours(local)
}

// ActionDueAt is when the owner of an action due on day (in loc) is
// reminded: the start of that working day.
func ActionDueAt(day string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("due date %q: %w", day, err)
	}
	return d.Add(WorkdayStart * time.Hour), nil
}

// CloseActionAllowed says whether user may close an action.
func CloseActionAllowed(done, isOwner, mayManage bool) error {
	switch {
	case done:
		return ErrActionAlreadyDone
	case !isOwner && !mayManage:
		return ErrNotActionCloser
	}
	return nil
}
