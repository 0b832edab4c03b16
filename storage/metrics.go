package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/releasebot/releasebot/release"
)

// MetricsScope is what a figure counts: the releases of a service and
// environment (empty: all) that finished in [From, To).
type MetricsScope struct {
	Service, Env string
	From, To     time.Time
	// Window is SUCCESS_WINDOW: an incident or hotfix linked within it
	// after a release finished means the release did not succeed.
	Window time.Duration
}

// finishedStatuses are the outcomes the figures count; a cancelled
// release never ran.
var finishedStatuses = []string{string(release.StatusCompleted), string(release.StatusFailed), string(release.StatusRolledBack)}

// where is the scope's filter on releases r and its arguments.
func (m MetricsScope) where() (string, []any) {
	q := "r.status IN ? AND r.finished_at >= ? AND r.finished_at < ?"
	args := []any{finishedStatuses, m.From.UTC(), m.To.UTC()}
	if m.Service != "" {
		q += " AND r.service = ?"
		args = append(args, m.Service)
	}
	if m.Env != "" {
		q += " AND r.environment = ?"
		args = append(args, m.Env)
	}
	return q, args
}

// notAfter is the SQL condition "at <= base + secs seconds" in this
// dialect: PostgreSQL adds an interval, SQLite compares Julian days.
func (s *Store) notAfter(at, base string, secs int64) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("%s <= %s + interval '%d seconds'", at, base, secs)
	}
	return fmt.Sprintf("julianday(%s) <= julianday(%s) + %d / 86400.0", at, base, secs)
}

// secondsBetween is the SQL expression of the seconds from a to b.
func (s *Store) secondsBetween(a, b string) string {
	if s.dialect == Postgres {
		return fmt.Sprintf("EXTRACT(EPOCH FROM (%s - %s))", b, a)
	}
	return fmt.Sprintf("(julianday(%s) - julianday(%s)) * 86400.0", b, a)
}

// MetricsCounts aggregates one period in SQL: a few GROUP-less scans
// returning sums and counts, and the two sorted duration columns the
// percentiles need.
func (s *Store) MetricsCounts(ctx context.Context, m MetricsScope) (release.Counts, error) {
	var c release.Counts
	run := func(db *gorm.DB) error {
		if err := s.releaseCounts(db, m, &c); err != nil {
			return err
		}
		if err := s.surveyCounts(db, m, &c); err != nil {
			return err
		}
		if err := s.openActions(db, m, &c); err != nil {
			return err
		}
		var err error
		if c.ApprovalSeconds, err = s.approvalSeconds(db, m); err != nil {
			return err
		}
		c.LeadSeconds, err = s.leadSeconds(db, m)
		return err
	}
	if s.dialect != Postgres {
		// SQLite: no transaction, which would take the write lock.
		return c, run(s.db.WithContext(ctx))
	}
	err := s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		// These queries look expensive to the planner, which then spends
		// more time compiling them (JIT) than running them.
		if err := db.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		return run(db)
	}, &sql.TxOptions{ReadOnly: true})
	return c, translate(err, "compute metrics")
}

func (s *Store) releaseCounts(db *gorm.DB, m MetricsScope, c *release.Counts) error {
	q, args := s.releaseCountsSQL(m)
	row := db.Raw(q, args...).Row()
	err := row.Scan(&c.Finished, &c.Completed, &c.Succeeded, &c.Emergency, &c.DowntimeMinutes, &c.WorstDowntime, &c.ReviewsRequired, &c.ReviewsDone)
	return translate(err, "count releases for metrics")
}

// releaseCountsSQL is one scan of the period's releases, with the
// problem and review lookups as index probes per release.
func (s *Store) releaseCountsSQL(m MetricsScope) (string, []any) {
	secs := int64(m.Window / time.Second)
	incident := "EXISTS (SELECT 1 FROM incidents i WHERE i.release_id = r.id)"
	problem := "EXISTS (SELECT 1 FROM incidents i WHERE i.release_id = r.id AND " + s.notAfter("i.created_at", "r.finished_at", secs) + ")" +
		" OR EXISTS (SELECT 1 FROM releases h WHERE h.fixes_id = r.id AND " + s.notAfter("h.created_at", "r.finished_at", secs) + ")" +
		" OR EXISTS (SELECT 1 FROM reviews v WHERE v.release_id = r.id AND v.criteria = 'no')"
	required := "r.status IN ('failed','rolled_back') OR r.type = 'emergency' OR r.retro_review OR r.freeze_reason <> '' OR " + incident
	q := `SELECT COUNT(*) AS finished,
	COALESCE(SUM(CASE WHEN r.status = 'completed' THEN 1 ELSE 0 END), 0) AS completed,
	COALESCE(SUM(CASE WHEN r.status = 'completed' AND NOT (` + problem + `) THEN 1 ELSE 0 END), 0) AS succeeded,
	COALESCE(SUM(CASE WHEN r.type = 'emergency' THEN 1 ELSE 0 END), 0) AS emergency,
	COALESCE(SUM(r.downtime_minutes), 0) AS downtime, COALESCE(MAX(r.downtime_minutes), 0) AS worst,
	COALESCE(SUM(CASE WHEN ` + required + ` THEN 1 ELSE 0 END), 0) AS required,
	COALESCE(SUM(CASE WHEN (` + required + `) AND EXISTS (SELECT 1 FROM reviews v WHERE v.release_id = r.id) THEN 1 ELSE 0 END), 0) AS reviewed
	FROM releases r WHERE `
	where, args := m.where()
	return q + where, args
}

func (s *Store) surveyCounts(db *gorm.DB, m MetricsScope, c *release.Counts) error {
	q, args := surveyCountsSQL(m)
	sc := &c.Scores
	err := db.Raw(q, args...).Row().Scan(&sc[0], &sc[1], &sc[2], &sc[3], &sc[4], &c.AdoptionYes, &c.AdoptionAnswers)
	if err != nil {
		return translate(err, "count survey answers for metrics")
	}
	where, args := m.where()
	q = "SELECT COUNT(*) FROM survey_invites si JOIN surveys sv ON sv.id = si.survey_id JOIN releases r ON r.id = sv.release_id WHERE " + where
	return translate(db.Raw(q, args...).Row().Scan(&c.Invited), "count survey invites for metrics")
}

// surveyCountsSQL counts the scores and adoption answers of the surveys
// of the period's releases in one pass.
func surveyCountsSQL(m MetricsScope) (string, []any) {
	where, args := m.where()
	var cols []string
	for score := 1; score <= 5; score++ {
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN sr.score = %d THEN 1 ELSE 0 END), 0)", score))
	}
	q := "SELECT " + strings.Join(cols, ", ") + `,
	COALESCE(SUM(CASE WHEN (CASE WHEN sr.follow_up <> '' THEN sr.follow_up ELSE sr.adoption END) = 'yes' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN sr.adoption <> '' THEN 1 ELSE 0 END), 0)
	FROM survey_responses sr JOIN surveys sv ON sv.id = sr.survey_id JOIN releases r ON r.id = sv.release_id WHERE ` + where
	return q, args
}

// openActions counts the follow-up actions not done of the scope's
// service and environment, whenever their release finished.
func (s *Store) openActions(db *gorm.DB, m MetricsScope, c *release.Counts) error {
	q := "SELECT COUNT(*) FROM review_actions a JOIN releases r ON r.id = a.release_id WHERE a.done_at IS NULL"
	var args []any
	if m.Service != "" {
		q += " AND r.service = ?"
		args = append(args, m.Service)
	}
	if m.Env != "" {
		q += " AND r.environment = ?"
		args = append(args, m.Env)
	}
	return translate(db.Raw(q, args...).Row().Scan(&c.OpenActions), "count open actions for metrics")
}

// approvalSeconds are the durations of the rounds decided in the period,
// of the scope's service and environment, sorted.
func (s *Store) approvalSeconds(db *gorm.DB, m MetricsScope) ([]float64, error) {
	q := "SELECT " + s.secondsBetween("ar.opened_at", "ar.closed_at") + ` AS d FROM approval_rounds ar JOIN releases r ON r.id = ar.release_id
	WHERE ar.status IN ('approved','rejected') AND ar.closed_at >= ? AND ar.closed_at < ?`
	args := []any{m.From.UTC(), m.To.UTC()}
	if m.Service != "" {
		q += " AND r.service = ?"
		args = append(args, m.Service)
	}
	if m.Env != "" {
		q += " AND r.environment = ?"
		args = append(args, m.Env)
	}
	return floats(db, q+" ORDER BY d", args, "approval lead times")
}

// leadSeconds are planned → completed of the releases completed in the
// period, sorted.
func (s *Store) leadSeconds(db *gorm.DB, m MetricsScope) ([]float64, error) {
	where, args := m.where()
	q := "SELECT " + s.secondsBetween("r.created_at", "r.finished_at") + " AS d FROM releases r WHERE r.status = 'completed' AND " + where
	return floats(db, q+" ORDER BY d", args, "lead times")
}

func floats(db *gorm.DB, q string, args []any, what string) ([]float64, error) {
	rows, err := db.Raw(q, args...).Rows()
	if err != nil {
		return nil, translate(err, "read "+what)
	}
	defer rows.Close()
	var out []float64
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			return nil, translate(err, "read "+what)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err(), "read "+what)
}

// ServiceEnv is one service in one environment.
type ServiceEnv struct{ Service, Environment string }

// MostActive lists the service and environment pairs with the most
// releases finished in [from, to), most first, at most limit: the label
// sets /metrics exports stay bounded however many services there are.
func (s *Store) MostActive(ctx context.Context, from, to time.Time, limit int) ([]ServiceEnv, error) {
	var out []ServiceEnv
	err := s.db.WithContext(ctx).Raw(`SELECT r.service, r.environment FROM releases r
	WHERE r.status IN ? AND r.finished_at >= ? AND r.finished_at < ?
	GROUP BY r.service, r.environment ORDER BY COUNT(*) DESC, r.service, r.environment LIMIT ?`,
		finishedStatuses, from.UTC(), to.UTC(), limit).Scan(&out).Error
	return out, translate(err, "list the most active services")
}
