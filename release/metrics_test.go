package release

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		p    float64
		want float64
	}{
		{nil, 50, math.NaN()},
		{[]float64{7}, 90, 7},
		{[]float64{1, 2, 3, 4}, 50, 2.5},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 90, 91},
		{[]float64{3, 1, 2}, 50, 2},
		{[]float64{1, 2, 3}, 100, 3},
	} {
		got := Percentile(tc.in, tc.p)
		if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.in, tc.p, got, tc.want)
		}
	}
}

func TestCompute(t *testing.T) {
	c := Counts{Finished: 4, Completed: 3, Succeeded: 2, Emergency: 1, DowntimeMinutes: 30, WorstDowntime: 20,
		Scores: [5]int{0, 0, 1, 1, 2}, Invited: 8, AdoptionYes: 1, AdoptionAnswers: 4, ReviewsRequired: 2, ReviewsDone: 1,
		OpenActions: 3, ApprovalSeconds: []float64{60, 120, 600}, LeadSeconds: []float64{3600}}
	f := Compute(c, 14)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"success", f.SuccessRate, 0.5},
		{"failure", f.ChangeFailureRate, 0.5},
		{"downtime avg", f.DowntimeAverage, 7.5},
		{"satisfaction", f.Satisfaction, 4.25}, // (3+4+5+5)/4
		{"response rate", f.ResponseRate, 0.5},
		{"adoption", f.AdoptionRate, 0.25},
		{"per week", f.PerWeek, 1.5},
		{"emergency", f.EmergencyShare, 0.25},
		{"reviews", f.ReviewsDoneShare, 0.5},
	}
	for _, ch := range checks {
		if math.Abs(ch.got-ch.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if f.ApprovalMedian != 2*time.Minute || f.ApprovalP90 != 504*time.Second || f.LeadMedian != time.Hour {
		t.Errorf("durations %v %v %v", f.ApprovalMedian, f.ApprovalP90, f.LeadMedian)
	}
	empty := Compute(Counts{}, 7)
	if !math.IsNaN(empty.SuccessRate) || !math.IsNaN(empty.Satisfaction) || empty.ApprovalMedian != -1 || empty.PerWeek != 0 {
		t.Errorf("empty period: %+v", empty)
	}
}

func TestCompareAndDays(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		now, before float64
		want        Trend
	}{{0.5, 0.4, TrendUp}, {0.4, 0.5, TrendDown}, {0.5, 0.5, TrendSame}, {nan, 0.5, TrendUnknown}, {0.5, nan, TrendUnknown}} {
		if got := Compare(tc.now, tc.before); got != tc.want {
			t.Errorf("Compare(%v,%v) = %v", tc.now, tc.before, got)
		}
	}
	for in, want := range map[string]int{"": 90, "1": 1, "730": 730, "0": 0, "731": 0, "7d": 0, "-3": 0, "+3": 0} {
		got, err := ParseDays(in, 90)
		if got != want || (err != nil) != (want == 0) {
			t.Errorf("ParseDays(%q) = %d, %v", in, got, err)
		}
	}
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	cur, prev := Periods(now, 7)
	if !cur.To.Equal(now) || !cur.From.Equal(now.AddDate(0, 0, -7)) || !prev.To.Equal(cur.From) || !prev.From.Equal(now.AddDate(0, 0, -14)) {
		t.Errorf("periods %v %v", cur, prev)
	}
}
