package release

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDecisionAllowed(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	base := DecisionCheck{Owner: "ana", Planner: "pia", Changers: []string{"ada"}, Approvers: []string{"ben", "cat", "ada"},
		Votes: []Vote{{Approver: "cat", Decision: Reject, At: at}}, Current: true, RoundStatus: "open", Release: StatusPlanned}
	cases := []struct {
		name string
		user string
		edit func(*DecisionCheck)
		want error
	}{
		{"an approver decides", "ben", nil, nil},
		{"the owner", "ana", nil, ErrOwnRelease},
		{"the owner even when named", "ana", func(c *DecisionCheck) { c.Approvers = append(c.Approvers, "ana") }, ErrOwnRelease},
		{"the planner", "pia", nil, ErrPlannedIt},
		{"a changer named by the policy", "ada", nil, ErrChangedIt},
		{"not asked", "dan", nil, ErrNotApprover},
		{"already decided", "cat", nil, &AlreadyDecided{Decision: Reject, At: at}},
		{"outdated", "ben", func(c *DecisionCheck) { c.Current, c.RoundStatus = false, "superseded" }, &OutdatedRound{RoundStatus: "superseded", Release: StatusPlanned}},
		{"segregation before staleness", "ada", func(c *DecisionCheck) { c.Current = false }, ErrChangedIt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check := base
			check.Approvers = slices.Clone(base.Approvers)
			check.User = c.user
			if c.edit != nil {
				c.edit(&check)
			}
			err := DecisionAllowed(check)
			switch want := c.want.(type) { //nolint:errorlint // switches on the expected refusal, not on the error under test
			case nil:
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			case *AlreadyDecided:
				var got *AlreadyDecided
				if !errors.As(err, &got) || *got != *want {
					t.Fatalf("got %v, want %v", err, want)
				}
			case *OutdatedRound:
				var got *OutdatedRound
				if !errors.As(err, &got) || *got != *want {
					t.Fatalf("got %v, want %v", err, want)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
		})
	}
}

func TestChangers(t *testing.T) {
	cases := []struct {
		name    string
		history []Change
		want    []string
	}{
		{"no history", nil, nil},
		{"planned only", []Change{{Actor: "ana"}}, []string{"ana"}},
		{"every change since planning", []Change{{Actor: "ana"}, {Actor: "ada"}, {Actor: "ana"}}, []string{"ana", "ada"}},
		{"only since the last decision", []Change{{Actor: "ada"}, {Decided: true}, {Actor: "ana"}}, []string{"ana"}},
		{"a change after a rejection, then a resubmission", []Change{{Actor: "ana"}, {Decided: true}, {Actor: "ada"}, {Actor: "ana"}}, []string{"ada", "ana"}},
		{"decided last", []Change{{Actor: "ada"}, {Decided: true}}, nil},
		{"steps without a person", []Change{{}, {Actor: "cat"}}, []string{"cat"}},
	}
	for _, c := range cases {
		if got := Changers(c.history); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEligible(t *testing.T) {
	cases := []struct {
		approvers, excluded, want []string
	}{
		{[]string{"ben", "cat"}, []string{"ana"}, []string{"ben", "cat"}},
		{[]string{"ana", "ben", "ada"}, []string{"ana", "ada"}, []string{"ben"}},
		{[]string{"ada"}, []string{"ana", "ada"}, nil},
		{nil, nil, nil},
	}
	for _, c := range cases {
		if got := Eligible(c.approvers, c.excluded...); !slices.Equal(got, c.want) {
			t.Errorf("Eligible(%v, %v) = %v, want %v", c.approvers, c.excluded, got, c.want)
		}
	}
}

func TestRoundCurrent(t *testing.T) {
	cases := []struct {
		open     bool
		rev, cur int64
		st       Status
		want     bool
	}{
		{true, 3, 3, StatusPlanned, true},
		{false, 3, 3, StatusPlanned, false},
		{true, 2, 3, StatusPlanned, false},
		{true, 3, 3, StatusApproved, false},
		{true, 3, 3, StatusCancelled, false},
	}
	for _, c := range cases {
		if got := RoundCurrent(c.open, c.rev, c.cur, c.st); got != c.want {
			t.Errorf("RoundCurrent(%v, %d, %d, %s) = %v", c.open, c.rev, c.cur, c.st, got)
		}
	}
}

func TestTallyAndOutcome(t *testing.T) {
	a := func(u string) Vote { return Vote{Approver: u, Decision: Approve} }
	r := func(u string) Vote { return Vote{Approver: u, Decision: Reject} }
	cases := []struct {
		q     string
		asked int
		votes []Vote
		want  Outcome
	}{
		{"any", 3, []Vote{a("ben")}, OutcomeApproved},
		{"any", 3, []Vote{r("ben")}, OutcomeRejected},
		{"all", 3, []Vote{a("ben"), a("cat")}, OutcomePending},
		{"2", 3, []Vote{a("ben"), a("cat")}, OutcomeApproved},
		{"majority", 4, []Vote{a("ben"), a("cat")}, OutcomePending},
		{"majority", 4, []Vote{a("ben"), a("cat"), a("dan")}, OutcomeApproved},
	}
	for _, c := range cases {
		q, err := ParseQuorum(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Outcome(c.asked, c.votes); got != c.want {
			t.Errorf("%s of %d with %v: %s, want %s", c.q, c.asked, c.votes, got, c.want)
		}
	}
	if ap, rj := Tally([]Vote{a("x"), r("y"), a("z")}); ap != 2 || rj != 1 {
		t.Errorf("Tally = %d, %d", ap, rj)
	}
}
