package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/metricstest"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// metricsNow is the moment the seeded history is measured at.
var metricsNow = time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMetricsCountsOfASeededHistory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, err := storage.Open(ctx, url)
		must(t, err)
		defer s.Close()
		metricstest.Seed(t, s, metricsNow, 0)
		// The period's edges given in another zone are the same instants.
		ny, err := time.LoadLocation("America/New_York")
		must(t, err)
		scope := storage.MetricsScope{Service: "payments", From: metricsNow.AddDate(0, 0, -30).In(ny), To: metricsNow.In(ny), Window: 7 * 24 * time.Hour}
		c, err := s.MetricsCounts(ctx, scope)
		must(t, err)
		day := float64(24 * 3600)
		if c.Finished != 6 || c.Completed != 5 || c.Succeeded != 2 || c.Emergency != 1 || c.DowntimeMinutes != 40 || c.WorstDowntime != 30 {
			t.Errorf("releases: %+v", c)
		}
		if c.Scores != [5]int{0, 1, 1, 0, 1} || c.Invited != 5 || c.AdoptionYes != 2 || c.AdoptionAnswers != 3 {
			t.Errorf("surveys: scores %v invited %d adoption %d/%d", c.Scores, c.Invited, c.AdoptionYes, c.AdoptionAnswers)
		}
		if c.ReviewsRequired != 4 || c.ReviewsDone != 2 || c.OpenActions != 1 {
			t.Errorf("reviews: %d/%d, open actions %d", c.ReviewsDone, c.ReviewsRequired, c.OpenActions)
		}
		if !near(c.ApprovalSeconds, []float64{1800, 7200}) || !near(c.LeadSeconds, []float64{day / 4, day, day, day, 2 * day}) {
			t.Errorf("durations: %v %v", c.ApprovalSeconds, c.LeadSeconds)
		}

		scope.Service = ""
		all, err := s.MetricsCounts(ctx, scope)
		must(t, err)
		if all.Finished != 7 || all.Succeeded != 3 || all.Scores != c.Scores || len(all.LeadSeconds) != 6 {
			t.Errorf("all services: %+v", all)
		}
		scope.Service = "search"
		search, err := s.MetricsCounts(ctx, scope)
		must(t, err)
		if search.Finished != 1 || search.Succeeded != 1 || search.Invited != 0 || search.Scores != [5]int{} || search.OpenActions != 0 {
			t.Errorf("search, without surveys: %+v", search)
		}
		scope.Service, scope.From, scope.To = "payments", metricsNow.AddDate(0, 0, -60), metricsNow.AddDate(0, 0, -30)
		prev, err := s.MetricsCounts(ctx, scope)
		must(t, err)
		if prev.Finished != 1 || prev.Succeeded != 1 || prev.Invited != 0 {
			t.Errorf("previous period: %+v", prev)
		}
		scope.From, scope.To = metricsNow.AddDate(0, 0, -400), metricsNow.AddDate(0, 0, -300)
		empty, err := s.MetricsCounts(ctx, scope)
		must(t, err)
		if empty.Finished != 0 || empty.DowntimeMinutes != 0 || len(empty.LeadSeconds) != 0 || empty.OpenActions != 1 {
			t.Errorf("empty period: %+v", empty)
		}
	})
}

func near(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] - want[i]; d > 0.01 || d < -0.01 {
			return false
		}
	}
	return true
}
