package release

import (
	"strings"
	"testing"
)

func TestParseQuorum(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Quorum
		str  string
	}{
		{"any", Quorum{Kind: QuorumAny}, "any"},
		{"ALL", Quorum{Kind: QuorumAll}, "all"},
		{" Majority ", Quorum{Kind: QuorumMajority}, "majority"},
		{"1", Quorum{Kind: QuorumCount, N: 1}, "1"},
		{"2", Quorum{Kind: QuorumCount, N: 2}, "2"},
		{" 3 ", Quorum{Kind: QuorumCount, N: 3}, "3"},
		{"50", Quorum{Kind: QuorumCount, N: 50}, "50"},
	} {
		got, err := ParseQuorum(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseQuorum(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if got.String() != c.str {
			t.Errorf("ParseQuorum(%q).String() = %q, want %q", c.in, got.String(), c.str)
		}
		// What String writes, ParseQuorum reads back (rounds store it).
		if again, err := ParseQuorum(got.String()); err != nil || again != got {
			t.Errorf("round trip of %q: %+v, %v", c.in, again, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "51", "1000000000000000000000", "count", "two", "1.5", "2 of 3", "most"} {
		_, err := ParseQuorum(in)
		if err == nil {
			t.Errorf("ParseQuorum(%q) accepted", in)
			continue
		}
		if !strings.Contains(err.Error(), "use any, all, majority or a number from 1 to 50") {
			t.Errorf("ParseQuorum(%q): unhelpful error %q", in, err)
		}
	}
}

func TestQuorumNeeded(t *testing.T) {
	qAny, qAll, qMaj := Quorum{Kind: QuorumAny}, Quorum{Kind: QuorumAll}, Quorum{Kind: QuorumMajority}
	two := Quorum{Kind: QuorumCount, N: 2}
	for _, c := range []struct {
		q        Quorum
		eligible int
		want     int
	}{
		{qAny, 0, 1}, {qAny, 1, 1}, {qAny, 5, 1},
		{qAll, 0, 0}, {qAll, 1, 1}, {qAll, 3, 3},
		{qMaj, 0, 1}, {qMaj, 1, 1}, {qMaj, 2, 2}, {qMaj, 3, 2}, {qMaj, 4, 3}, {qMaj, 5, 3}, {qMaj, 400, 201},
		{two, 0, 2}, {two, 1, 2}, {two, 3, 2},
	} {
		if got := c.q.Needed(c.eligible); got != c.want {
			t.Errorf("%s.Needed(%d) = %d, want %d", c.q, c.eligible, got, c.want)
		}
	}
}

func TestQuorumReachable(t *testing.T) {
	qAny, qAll, qMaj := Quorum{Kind: QuorumAny}, Quorum{Kind: QuorumAll}, Quorum{Kind: QuorumMajority}
	three := Quorum{Kind: QuorumCount, N: 3}
	for _, c := range []struct {
		q        Quorum
		eligible int
		want     bool
	}{
		{qAny, 0, false}, {qAny, 1, true},
		{qAll, 0, false}, {qAll, 1, true}, {qAll, 4, true},
		{qMaj, 0, false}, {qMaj, 1, true}, {qMaj, 2, true},
		{three, 0, false}, {three, 2, false}, {three, 3, true}, {three, 10, true},
	} {
		if got := c.q.Reachable(c.eligible); got != c.want {
			t.Errorf("%s.Reachable(%d) = %v, want %v", c.q, c.eligible, got, c.want)
		}
	}
}

func TestQuorumDecide(t *testing.T) {
	qAny, qAll, qMaj := Quorum{Kind: QuorumAny}, Quorum{Kind: QuorumAll}, Quorum{Kind: QuorumMajority}
	two := Quorum{Kind: QuorumCount, N: 2}
	for _, c := range []struct {
		name                            string
		q                               Quorum
		eligible, approvals, rejections int
		want                            Outcome
	}{
		{"any: nobody yet", qAny, 3, 0, 0, OutcomePending},
		{"any: one approval", qAny, 3, 1, 0, OutcomeApproved},
		{"any: one rejection", qAny, 3, 0, 1, OutcomeRejected},
		{"any: a rejection outweighs approvals", qAny, 3, 2, 1, OutcomeRejected},
		{"any: nobody can approve", qAny, 0, 0, 0, OutcomePending},

		{"all: two of three", qAll, 3, 2, 0, OutcomePending},
		{"all: three of three", qAll, 3, 3, 0, OutcomeApproved},
		{"all: one of one", qAll, 1, 1, 0, OutcomeApproved},
		{"all: rejection", qAll, 3, 2, 1, OutcomeRejected},
		{"all: nobody eligible is never approved", qAll, 0, 0, 0, OutcomePending},

		{"majority: one of three", qMaj, 3, 1, 0, OutcomePending},
		{"majority: two of three", qMaj, 3, 2, 0, OutcomeApproved},
		{"majority: two of four", qMaj, 4, 2, 0, OutcomePending},
		{"majority: three of four", qMaj, 4, 3, 0, OutcomeApproved},
		{"majority: rejection", qMaj, 5, 1, 1, OutcomeRejected},

		{"2: one", two, 3, 1, 0, OutcomePending},
		{"2: two", two, 3, 2, 0, OutcomeApproved},
		{"2: three", two, 3, 3, 0, OutcomeApproved},
		{"2: one eligible can never reach it", two, 1, 1, 0, OutcomePending},
		{"2: rejection", two, 3, 1, 1, OutcomeRejected},
	} {
		if got := c.q.Decide(c.eligible, c.approvals, c.rejections); got != c.want {
			t.Errorf("%s: Decide(%d, %d, %d) = %s, want %s", c.name, c.eligible, c.approvals, c.rejections, got, c.want)
		}
	}
}
