package release

import (
	"fmt"
	"strconv"
	"strings"
)

// QuorumKind says how many approvals a round needs.
type QuorumKind string

// The quorum kinds: one approval, all, a majority, or a count.
const (
	QuorumAny      QuorumKind = "any"
	QuorumAll      QuorumKind = "all"
	QuorumMajority QuorumKind = "majority"
	QuorumCount    QuorumKind = "count"
)

// Quorum is a policy's "required=" rule.
type Quorum struct {
	Kind QuorumKind
	N    int // for QuorumCount
}

// ParseQuorum reads any, all, majority or a positive number.
func ParseQuorum(s string) (Quorum, error) {
	switch k := QuorumKind(strings.ToLower(strings.TrimSpace(s))); k {
	case QuorumAny, QuorumAll, QuorumMajority:
		return Quorum{Kind: k}, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 50 {
		return Quorum{}, fmt.Errorf("%q is not a quorum; use any, all, majority or a number from 1 to 50", s)
	}
	return Quorum{Kind: QuorumCount, N: n}, nil
}

func (q Quorum) String() string {
	if q.Kind == QuorumCount {
		return strconv.Itoa(q.N)
	}
	return string(q.Kind)
}

// Needed is how many approvals a round with eligible approvers needs.
func (q Quorum) Needed(eligible int) int {
	switch q.Kind {
	case QuorumAll:
		return eligible
	case QuorumMajority:
		return eligible/2 + 1
	case QuorumCount:
		return q.N
	}
	return 1
}

// Reachable reports whether eligible approvers can reach the quorum at all.
func (q Quorum) Reachable(eligible int) bool {
	return eligible > 0 && q.Needed(eligible) <= eligible
}

// Outcome is where an approval round stands.
type Outcome string

// The outcomes: still open, approved, rejected.
const (
	OutcomePending  Outcome = "pending"
	OutcomeApproved Outcome = "approved"
	OutcomeRejected Outcome = "rejected"
)

// Decide applies the quorum: one rejection rejects the round (a change with a
// standing objection must be revisited), otherwise the round is approved once
// enough approvals are in.
func (q Quorum) Decide(eligible, approvals, rejections int) Outcome {
	if rejections > 0 {
		return OutcomeRejected
	}
	if eligible > 0 && approvals >= q.Needed(eligible) {
		return OutcomeApproved
	}
	return OutcomePending
}
