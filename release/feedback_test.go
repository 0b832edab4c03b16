package release

import (
	"errors"
	"testing"
	"time"
)

func TestAnswerAllowed(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	open, closed := now.Add(time.Hour), now
	for _, c := range []struct {
		name string
		in   SurveyCheck
		want error
	}{
		{"invited, open", SurveyCheck{StatusCompleted, open, now, true, false}, nil},
		{"anyone, posted in a channel", SurveyCheck{StatusFailed, open, now, false, true}, nil},
		{"not invited, not posted", SurveyCheck{StatusCompleted, open, now, false, false}, ErrNotSurveyed},
		{"closed at its closing time", SurveyCheck{StatusCompleted, closed, now, true, true}, ErrSurveyClosed},
		{"cancelled", SurveyCheck{StatusCancelled, open, now, true, true}, ErrSurveyCancelled},
	} {
		if got := AnswerAllowed(c.in); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseAnswers(t *testing.T) {
	for s, want := range map[string]int{"1": 1, "5": 5} {
		if got, err := ParseScore(s); err != nil || got != want {
			t.Errorf("ParseScore(%q) = %d, %v", s, got, err)
		}
	}
	for _, bad := range []string{"0", "6", "", "10", "a"} {
		if _, err := ParseScore(bad); err == nil {
			t.Errorf("ParseScore(%q) accepted", bad)
		}
	}
	if a, err := ParseAdoption("not_yet"); err != nil || a != AdoptionNotYet || a.Label() != "Not yet" {
		t.Errorf("ParseAdoption(not_yet) = %q, %v", a, err)
	}
	if _, err := ParseAdoption("maybe"); err == nil {
		t.Error("ParseAdoption accepted maybe")
	}
	if _, err := ParseCriteria("partly"); err != nil {
		t.Error(err)
	}
	if _, err := ParseCriteria("mostly"); err == nil {
		t.Error("ParseCriteria accepted mostly")
	}
}

func TestFollowUpAllowed(t *testing.T) {
	if err := FollowUpAllowed(StatusCompleted, AdoptionNotYet); err != nil {
		t.Errorf("not yet: %v", err)
	}
	for _, a := range []Adoption{"", AdoptionYes, AdoptionNo} {
		if err := FollowUpAllowed(StatusCompleted, a); !errors.Is(err, ErrNoFollowUp) {
			t.Errorf("%q: %v", a, err)
		}
	}
	if err := FollowUpAllowed(StatusCancelled, AdoptionNotYet); !errors.Is(err, ErrSurveyCancelled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestReviewRequired(t *testing.T) {
	for _, c := range []struct {
		in   ReviewInputs
		want bool
	}{
		{ReviewInputs{Status: StatusCompleted, Type: TypeStandard}, false},
		{ReviewInputs{Status: StatusCompleted, Type: TypeNormal}, false},
		{ReviewInputs{Status: StatusFailed, Type: TypeStandard}, true},
		{ReviewInputs{Status: StatusRolledBack, Type: TypeNormal}, true},
		{ReviewInputs{Status: StatusCompleted, Type: TypeEmergency}, true},
		{ReviewInputs{Status: StatusCompleted, Type: TypeNormal, IntoFreeze: true}, true},
		{ReviewInputs{Status: StatusCompleted, Type: TypeStandard, HasIncident: true}, true},
	} {
		if got := ReviewRequired(c.in); got != c.want {
			t.Errorf("%+v: %v, want %v", c.in, got, c.want)
		}
	}
}

func TestReviewAllowed(t *testing.T) {
	for _, c := range []struct {
		st           Status
		final, owner bool
		want         error
	}{
		{StatusCompleted, false, true, nil},
		{StatusFailed, false, true, nil},
		{StatusCompleted, false, false, ErrNotReviewer},
		{StatusCompleted, true, true, ErrReviewFinal},
		{StatusInProgress, false, true, ErrNotFinished},
		{StatusCancelled, false, true, ErrNotFinished},
	} {
		if got := ReviewAllowed(c.st, c.final, c.owner); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s final=%v owner=%v: %v, want %v", c.st, c.final, c.owner, got, c.want)
		}
	}
}

// The required review reminds from REVIEW_DUE on, in the owner's working
// hours only.
func TestReviewReminderDue(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	finished := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	due := 72 * time.Hour
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{finished.Add(due - time.Minute), false},
		{finished.Add(due), true},                              // Thursday 10:00 in Berlin
		{time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), false}, // Thursday 18:00 in Berlin
		{time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), false}, // Saturday
		{time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC), true},  // Monday 9:30 in Berlin
	} {
		if got := ReviewReminderDue(finished, c.now, due, c.now.In(berlin)); got != c.want {
			t.Errorf("at %s: %v, want %v", c.now, got, c.want)
		}
	}
}

func TestActionDueAtAndClosing(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	at, err := ActionDueAt("2026-12-02", ny)
	if err != nil || !at.Equal(time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("ActionDueAt = %s, %v; want 09:00 in New York", at, err)
	}
	if _, err := ActionDueAt("tomorrow", ny); err == nil {
		t.Error("ActionDueAt accepted tomorrow")
	}
	for _, c := range []struct {
		done, owner, manager bool
		want                 error
	}{
		{false, true, false, nil}, {false, false, true, nil},
		{false, false, false, ErrNotActionCloser}, {true, true, true, ErrActionAlreadyDone},
	} {
		if got := CloseActionAllowed(c.done, c.owner, c.manager); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%+v: %v", c, got)
		}
	}
}
