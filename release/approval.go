package release

import (
	"errors"
	"slices"
	"time"
)

// Refusals of an approval decision. Each is a rule of segregation of
// duties or of the round; the words users read are chosen at the edge.
var (
	// ErrOwnRelease: nobody approves their own release.
	ErrOwnRelease = errors.New("the decider owns the release")
	// ErrPlannedIt: nobody approves a release they planned.
	ErrPlannedIt = errors.New("the decider planned the release")
	// ErrChangedIt: nobody approves a change they made, nor a later one
	// that builds on it before a round decided.
	ErrChangedIt = errors.New("the decider changed the release since its last decision")
	// ErrNotApprover: the round does not ask the decider.
	ErrNotApprover = errors.New("the decider is not an approver of the round")
)

// AlreadyDecided refuses a second decision by the same approver: the
// first one stands.
type AlreadyDecided struct {
	Decision Decision
	At       time.Time
}

func (e *AlreadyDecided) Error() string { return "already " + e.Decision.PastTense() }

// OutdatedRound refuses a decision on a round that no longer decides the
// release: closed, or opened for an earlier revision or status.
type OutdatedRound struct {
	// RoundStatus is the round's status as stored (open, approved,
	// rejected, superseded, cancelled).
	RoundStatus string
	// Release is the release's status now.
	Release Status
}

func (e *OutdatedRound) Error() string {
	return "round is " + e.RoundStatus + ", release is " + string(e.Release)
}

// Decision is an approver's answer.
type Decision string

// The two decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// PastTense is "approved" or "rejected".
func (d Decision) PastTense() string {
	if d == Approve {
		return "approved"
	}
	return "rejected"
}

// Vote is one recorded decision of a round.
type Vote struct {
	Approver string
	Decision Decision
	At       time.Time
}

// RoundCurrent reports whether a round still decides its release: open,
// opened for the release as it is now, and the release still waiting for
// approval. Only such a round may approve or reject it.
func RoundCurrent(open bool, roundRevision, releaseRevision int64, st Status) bool {
	return open && roundRevision == releaseRevision && st == StatusPlanned
}

// DecisionCheck is what deciding a round depends on.
type DecisionCheck struct {
	User    string
	Owner   string
	Planner string
	// Changers is everyone who changed the release since its last decided
	// round (see Changers), the current round's requester included.
	Changers  []string
	Approvers []string // asked in the round
	Votes     []Vote
	// Current is RoundCurrent of the round; RoundStatus and Release say
	// why not when it is not.
	Current     bool
	RoundStatus string
	Release     Status
}

// DecisionAllowed is the rulebook of a click, in the order people meet
// it: segregation of duties first, then whether the round asks the user,
// whether they decided already, and whether the round still counts.
func DecisionAllowed(c DecisionCheck) error {
	switch {
	case c.User == c.Owner:
		return ErrOwnRelease
	case c.User == c.Planner:
		return ErrPlannedIt
	case slices.Contains(c.Changers, c.User):
		return ErrChangedIt
	case !slices.Contains(c.Approvers, c.User):
		return ErrNotApprover
	}
	for _, v := range c.Votes {
		if v.Approver == c.User {
			return &AlreadyDecided{Decision: v.Decision, At: v.At}
		}
	}
	if !c.Current {
		return &OutdatedRound{RoundStatus: c.RoundStatus, Release: c.Release}
	}
	return nil
}

// Change is one step of a release's history as segregation of duties
// reads it: a change someone made (planned it, edited, rescheduled or
// resubmitted it, opened a round), or a decision that closed a round.
type Change struct {
	Actor string
	// Decided: a round was decided here (approved or rejected); what came
	// before it has had its decision.
	Decided bool
}

// Changers lists who changed a release since its last decided round,
// oldest first, without repeats; history is the release's, oldest first.
// Segregation of duties excludes all of them from deciding, so that a
// change cannot slip through because someone else changed the release
// after it, whether or not that change opened a round of its own.
func Changers(history []Change) []string {
	from := 0
	for i, c := range history {
		if c.Decided {
			from = i + 1
		}
	}
	var out []string
	for _, c := range history[from:] {
		if c.Actor != "" && !slices.Contains(out, c.Actor) {
			out = append(out, c.Actor)
		}
	}
	return out
}

// Eligible is who may decide a round: the people a policy names, in
// order, without anyone excluded (the owner, the planner, the changers).
func Eligible(approvers []string, excluded ...string) []string {
	var out []string
	for _, u := range approvers {
		if !slices.Contains(excluded, u) {
			out = append(out, u)
		}
	}
	return out
}

// Tally counts a round's approvals and rejections.
func Tally(votes []Vote) (approvals, rejections int) {
	for _, v := range votes {
		if v.Decision == Approve {
			approvals++
		} else {
			rejections++
		}
	}
	return approvals, rejections
}

// Outcome is what a round's votes amount to under q, with asked approvers.
func (q Quorum) Outcome(asked int, votes []Vote) Outcome {
	approvals, rejections := Tally(votes)
	return q.Decide(asked, approvals, rejections)
}
