package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/release"
)

func TestGoldenMetrics(t *testing.T) {
	now := release.Compute(release.Counts{Finished: 6, Completed: 5, Succeeded: 2, Emergency: 1, DowntimeMinutes: 40, WorstDowntime: 30,
		Scores: [5]int{0, 1, 1, 0, 1}, Invited: 5, AdoptionYes: 2, AdoptionAnswers: 3, ReviewsRequired: 4, ReviewsDone: 2, OpenActions: 1,
		ApprovalSeconds: []float64{1800, 7200}, LeadSeconds: []float64{21600, 86400, 86400, 86400, 172800}}, 30)
	before := release.Compute(release.Counts{Finished: 1, Completed: 1, Succeeded: 1, LeadSeconds: []float64{86400}}, 30)
	r := Result{Scope: Scope{Service: "payments", Days: 30}, Now: now, Before: before}
	golden.Compare(t, "metrics", bot.Message{Text: Summary(r), Blocks: View(r)})
	lines := strings.Join(Lines(r), "\n")
	for _, want := range []string{"*Success rate* 33% (↓ from 100%)", "*Downtime* 40 min total (↑ from 0) · 6.7 min per release · worst 30 min",
		"*Satisfaction* 3.3 / 5 ", "response rate 60%", "*Adoption* 67%", "median 1.2h · p90 1.9h", "median 24.0h (= from 24.0h) · p90 38.4h",
		"1.2 per week (↑ from 0.2)", "50% of required done", "1 open follow-up actions"} {
		if !strings.Contains(lines, want) {
			t.Errorf("lines lack %q:\n%s", want, lines)
		}
	}
	empty := Result{Scope: Scope{Days: 7}, Now: release.Compute(release.Counts{}, 7), Before: release.Compute(release.Counts{}, 7)}
	if got := strings.Join(Lines(empty), "\n"); strings.Count(got, "no data") != 12 || strings.Contains(got, "no data (") {
		t.Errorf("an empty period:\n%s", got)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{-1: "no data", 90 * time.Second: "2m", 90 * time.Minute: "1.5h", 72 * time.Hour: "3.0d"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
