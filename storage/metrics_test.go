package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// metricsNow is the moment the seeded history is measured at.
var metricsNow = time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)

// seedMetricsHistory writes a known history; the test computes every
// figure of it by hand. Days are counted back from metricsNow.
func seedMetricsHistory(t *testing.T, s *storage.Store) {
	t.Helper()
	db := s.Gorm(context.Background())
	day := 24 * time.Hour
	ago := func(d time.Duration) time.Time { return metricsNow.Add(-d) }
	rel := func(service, typ, status string, created, finished time.Time, downtime int) *storage.Release {
		f := finished
		r := &storage.Release{Service: service, Version: "1." + finished.Format("0102150405"), Environment: "production", Type: typ, Risk: "low",
			OwnerID: "U1", CreatedBy: "U1", Channel: "C1", StartAt: finished.Add(-time.Hour), EndAt: finished, Status: status,
			FinishedAt: &f, CreatedAt: created, UpdatedAt: finished, DowntimeMinutes: downtime}
		must(t, db.Create(r).Error)
		return r
	}
	// The current 30-day period of payments.
	r1 := rel("payments", "normal", "completed", ago(22*day), ago(20*day), 0)               // incident on day 6: failed
	r2 := rel("payments", "normal", "completed", ago(20*day), ago(19*day), 0)               // incident on day 8: succeeded
	r3 := rel("payments", "normal", "failed", ago(11*day), ago(10*day), 30)                 // failed
	r4 := rel("payments", "emergency", "completed", ago(5*day+6*time.Hour), ago(5*day), 10) // review: criteria not met
	r5 := rel("payments", "normal", "completed", ago(3*day), ago(2*day), 0)                 // hotfixed the next day
	rel("payments", "normal", "completed", ago(31*day), ago(30*day), 0)                     // exactly at the period's start: counted
	rel("payments", "normal", "completed", ago(31*day), ago(30*day+time.Second), 0)         // a second before: previous period
	rel("payments", "normal", "cancelled", ago(4*day), ago(3*day), 0)                       // cancelled: not a finished release
	rel("search", "normal", "completed", ago(4*day+12*time.Hour), ago(4*day), 0)            // no surveys, no incidents
	hotfix := &storage.Release{Service: "payments", Version: "9.9", Environment: "production", Type: "normal", Risk: "low",
		OwnerID: "U1", CreatedBy: "U1", Channel: "C1", StartAt: metricsNow.Add(day), EndAt: metricsNow.Add(day + time.Hour), Status: "planned",
		FixesID: &r5.ID, CreatedAt: r5.FinishedAt.Add(day), UpdatedAt: r5.FinishedAt.Add(day)}
	must(t, db.Create(hotfix).Error)
	must(t, db.Create(&storage.Incident{ReleaseID: r1.ID, Summary: "x", ReportedBy: "U2", CreatedAt: r1.FinishedAt.Add(6 * day)}).Error)
	must(t, db.Create(&storage.Incident{ReleaseID: r2.ID, Summary: "x", ReportedBy: "U2", CreatedAt: r2.FinishedAt.Add(8 * day)}).Error)
	must(t, db.Create(&storage.Review{ReleaseID: r2.ID, AuthorID: "U1", Criteria: "yes", CreatedAt: metricsNow, UpdatedAt: metricsNow}).Error)
	rv := &storage.Review{ReleaseID: r4.ID, AuthorID: "U1", Criteria: "no", CreatedAt: metricsNow, UpdatedAt: metricsNow}
	must(t, db.Create(rv).Error)
	must(t, db.Create(&storage.ReviewAction{ReviewID: rv.ID, ReleaseID: r4.ID, Service: "payments", Text: "x", OwnerID: "U2", DueOn: "2026-04-01"}).Error)
	done := metricsNow
	must(t, db.Create(&storage.ReviewAction{ReviewID: rv.ID, ReleaseID: r4.ID, Service: "payments", Text: "y", OwnerID: "U2", DueOn: "2026-04-01", DoneAt: &done}).Error)
	survey := func(r *storage.Release, invited []string, answers []storage.SurveyResponse) {
		sv := &storage.Survey{ReleaseID: r.ID, OpenedAt: *r.FinishedAt, ClosesAt: r.FinishedAt.Add(7 * day)}
		must(t, db.Create(sv).Error)
		for _, u := range invited {
			must(t, db.Create(&storage.SurveyInvite{SurveyID: sv.ID, UserID: u}).Error)
		}
		for _, a := range answers {
			a.SurveyID, a.AnsweredAt, a.UpdatedAt = sv.ID, metricsNow, metricsNow
			must(t, db.Create(&a).Error)
		}
	}
	survey(r1, []string{"U1", "U2", "U3"}, []storage.SurveyResponse{
		{UserID: "U1", Score: 5, Adoption: "yes"}, {UserID: "U2", Score: 3, Adoption: "not_yet", FollowUp: "yes"}})
	survey(r3, []string{"U1", "U2"}, []storage.SurveyResponse{
		{UserID: "U1", Score: 2, Adoption: "no"}, {UserID: "U2", Comment: "only a comment"}})
	round := func(r *storage.Release, n int, status string, opened time.Time, took time.Duration) {
		rd := &storage.ApprovalRound{ReleaseID: r.ID, Number: n, Revision: 1, Status: status, Required: "any", Needed: 1, PolicySource: "x", OpenedAt: opened}
		if took > 0 {
			closed := opened.Add(took)
			rd.ClosedAt = &closed
		}
		must(t, db.Create(rd).Error)
	}
	round(r4, 1, "approved", ago(6*day), 30*time.Minute)
	round(r5, 1, "superseded", ago(5*day), time.Hour)
	round(r5, 2, "approved", ago(4*day), 2*time.Hour)
	round(r3, 1, "open", ago(12*day), 0)
}

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
		seedMetricsHistory(t, s)
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
