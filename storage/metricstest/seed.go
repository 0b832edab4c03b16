// Package metricstest seeds a release history with known figures, for the
// tests of every surface that shows them.
package metricstest

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// Seed writes a known history measured at metricsNow; the tests compute
// every figure of it by hand. Days are counted back from metricsNow. The
// two releases at the 30-day edge finish edge after and 1s+edge before
// it: 0 for a query at exactly metricsNow, more for a bot whose clock
// moves on while the test runs.
//
// Of payments in the 30 days: 6 finished (5 completed, 1 failed), 2
// succeeded (R2 and the edge one), 1 emergency, 40 min downtime (worst
// 30), scores 5, 3, 2 of 5 invited, adoption 2 yes of 3 answers, reviews
// 2 of 4 required, 1 open action, approval rounds of 30 min and 2 h, lead
// times 6 h, 1 d, 1 d, 1 d, 2 d. Search: 1 finished, succeeded, no survey.
// The 30 days before: 1 finished payments release, succeeded.
func Seed(t testing.TB, s *storage.Store, metricsNow time.Time, edge time.Duration) {
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
	rel("payments", "normal", "completed", ago(31*day), ago(30*day-edge), 0)                // exactly at the period's start: counted
	rel("payments", "normal", "completed", ago(31*day), ago(30*day+time.Second+edge), 0)    // a second before: previous period
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

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
