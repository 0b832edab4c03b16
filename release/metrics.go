package release

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Counts are what the database aggregates for one period: sums and counts
// only, so that the figures below are computed the same way whatever
// shows them (/release metrics, the report, the App Home, /metrics, the
// JSON and CSV endpoints).
type Counts struct {
	// Finished releases: completed, failed or rolled back in the period.
	Finished, Completed, Succeeded, Emergency int
	// DowntimeMinutes is the total reported downtime, WorstDowntime the
	// largest of one release.
	DowntimeMinutes, WorstDowntime int
	// Scores counts the survey scores 1…5 (index 0 is score 1); Invited
	// counts the people asked.
	Scores  [5]int
	Invited int
	// AdoptionYes among AdoptionAnswers; a follow-up answer replaces the
	// first one.
	AdoptionYes, AdoptionAnswers int
	// ReviewsRequired of the finished releases, ReviewsDone of those.
	ReviewsRequired, ReviewsDone int
	// OpenActions are follow-up actions not done, whatever their age.
	OpenActions int
	// ApprovalSeconds (round opened → decided) and LeadSeconds (planned →
	// completed), sorted ascending, for the percentiles.
	ApprovalSeconds, LeadSeconds []float64
}

// Figures are the key figures of one period.
type Figures struct {
	Days int
	// Rates are shares in [0,1]; NaN when nothing was there to count.
	SuccessRate, ChangeFailureRate float64
	DowntimeTotal, DowntimeWorst   int
	DowntimeAverage                float64
	Satisfaction, ResponseRate     float64
	Responses                      int
	Distribution                   [5]int
	AdoptionRate                   float64
	ApprovalMedian, ApprovalP90    time.Duration
	LeadMedian, LeadP90            time.Duration
	PerWeek, EmergencyShare        float64
	ReviewsDoneShare               float64
	OpenActions, Finished          int
}

// Definitions say what each figure means; views show them next to the
// number.
var Definitions = map[string]string{
	"success":      "finished releases that completed, met their success criteria where a review says so, and had no incident or hotfix linked within the success window",
	"failure":      "finished releases that did not succeed",
	"downtime":     "downtime reported when releases finished: total, average per finished release, worst release",
	"satisfaction": "average survey score (1–5) of the finished releases; response rate is scores given per person asked",
	"adoption":     "share of \"yes\" among adoption answers, a follow-up answer replacing the first",
	"approval":     "approval round opened → decided, median and 90th percentile",
	"lead":         "planned → completed, median and 90th percentile",
	"frequency":    "completed releases per week",
	"emergency":    "share of finished releases that were emergencies",
	"reviews":      "share of required post-release reviews written",
	"actions":      "follow-up actions from reviews not done yet",
}

// Compute turns one period's counts into its figures.
func Compute(c Counts, days int) Figures {
	f := Figures{Days: days, Finished: c.Finished, OpenActions: c.OpenActions,
		DowntimeTotal: c.DowntimeMinutes, DowntimeWorst: c.WorstDowntime, Distribution: c.Scores}
	f.SuccessRate = Share(c.Succeeded, c.Finished)
	f.ChangeFailureRate = Share(c.Finished-c.Succeeded, c.Finished)
	f.DowntimeAverage = ratio(float64(c.DowntimeMinutes), c.Finished)
	sum := 0
	for i, n := range c.Scores {
		f.Responses += n
		sum += (i + 1) * n
	}
	f.Satisfaction = ratio(float64(sum), f.Responses)
	f.ResponseRate = Share(f.Responses, c.Invited)
	f.AdoptionRate = Share(c.AdoptionYes, c.AdoptionAnswers)
	f.ApprovalMedian, f.ApprovalP90 = seconds(Percentile(c.ApprovalSeconds, 50)), seconds(Percentile(c.ApprovalSeconds, 90))
	f.LeadMedian, f.LeadP90 = seconds(Percentile(c.LeadSeconds, 50)), seconds(Percentile(c.LeadSeconds, 90))
	if days > 0 {
		f.PerWeek = float64(c.Completed) * 7 / float64(days)
	}
	f.EmergencyShare = Share(c.Emergency, c.Finished)
	f.ReviewsDoneShare = Share(c.ReviewsDone, c.ReviewsRequired)
	return f
}

// Share is n out of of, NaN when of is zero: "no data" is not 0 %.
func Share(n, of int) float64 { return ratio(float64(n), of) }

func ratio(x float64, of int) float64 {
	if of <= 0 {
		return math.NaN()
	}
	return x / float64(of)
}

func seconds(s float64) time.Duration {
	if math.IsNaN(s) {
		return -1
	}
	return time.Duration(math.Round(s)) * time.Second
}

// Percentile is the p-th percentile (0…100) of sorted values, interpolated
// linearly between the closest ranks as PostgreSQL's percentile_cont does;
// NaN for no values.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	if !slices.IsSorted(sorted) {
		sorted = slices.Sorted(slices.Values(sorted))
	}
	pos := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// Trend compares a figure with the previous period's.
type Trend int

// The trends.
const (
	TrendUnknown Trend = iota
	TrendSame
	TrendUp
	TrendDown
)

// Compare says whether now is up or down from before; unknown when either
// has no data.
func Compare(now, before float64) Trend {
	switch {
	case math.IsNaN(now) || math.IsNaN(before):
		return TrendUnknown
	case math.Abs(now-before) < 1e-9:
		return TrendSame
	case now > before:
		return TrendUp
	default:
		return TrendDown
	}
}

// Arrow is the trend as users read it.
func (t Trend) Arrow() string {
	switch t {
	case TrendUp:
		return "↑"
	case TrendDown:
		return "↓"
	case TrendSame:
		return "="
	default:
		return ""
	}
}

// Period is the span [From, To) of the last days days before now, and
// the one before it of the same length.
type Period struct{ From, To time.Time }

// Periods are the current period and the previous one.
func Periods(now time.Time, days int) (cur, prev Period) {
	span := time.Duration(days) * 24 * time.Hour
	cur = Period{From: now.Add(-span), To: now}
	return cur, Period{From: cur.From.Add(-span), To: cur.From}
}

// MaxMetricsDays bounds days= so a query stays a period, not the history.
const MaxMetricsDays = 730

// ParseDays reads days= for metrics: 1…MaxMetricsDays, def when empty.
func ParseDays(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s || n < 1 || n > MaxMetricsDays {
		return 0, fmt.Errorf("days must be a whole number from 1 to %d", MaxMetricsDays)
	}
	return n, nil
}
