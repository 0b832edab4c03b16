package storage

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/releasebot/releasebot/storage/storagetest"
)

// seedMetrics fills PostgreSQL with n releases finished over the last 180
// days across 200 services and two environments, each with an approval
// round, a survey with 10 invites and 10 answers (10 n survey answers),
// an incident for one in 50 and a review for one in 10.
func seedMetrics(b *testing.B, s *Store, n int) {
	b.Helper()
	stmts := []string{
		fmt.Sprintf(`INSERT INTO releases (service, version, environment, type, risk, owner_id, created_by, channel,
			start_at, end_at, status, created_at, updated_at, started_at, finished_at, downtime_minutes)
		SELECT 'svc' || (g %% 200), '1.' || g, CASE WHEN g %% 3 = 0 THEN 'staging' ELSE 'production' END,
			CASE WHEN g %% 20 = 0 THEN 'emergency' ELSE 'normal' END, 'low', 'U' || (g %% 50), 'U1', 'C0RELEASES',
			t - interval '1 hour', t, CASE WHEN g %% 17 = 0 THEN 'failed' WHEN g %% 29 = 0 THEN 'rolled_back' ELSE 'completed' END,
			t - interval '2 days', t, t - interval '1 hour', t, g %% 7
		FROM (SELECT g, now() - (g::bigint * 259200 / %d) * interval '1 minute' AS t FROM generate_series(1, %d) g) x`, n, n),
		`INSERT INTO approval_rounds (release_id, number, revision, status, required, needed, policy_source, opened_at, closed_at)
		SELECT id, 1, 1, 'approved', 'any', 1, 'bench', created_at, created_at + (id % 600) * interval '1 minute' FROM releases`,
		`INSERT INTO incidents (release_id, summary, reported_by, created_at) SELECT id, 'x', 'U1', finished_at + interval '3 days' FROM releases WHERE id % 50 = 0`,
		`INSERT INTO reviews (release_id, author_id, criteria, created_at, updated_at) SELECT id, 'U1', CASE WHEN id % 30 = 0 THEN 'no' ELSE 'yes' END, now(), now() FROM releases WHERE id % 10 = 0`,
		`INSERT INTO surveys (release_id, opened_at, closes_at) SELECT id, finished_at, finished_at + interval '7 days' FROM releases`,
		`INSERT INTO survey_invites (survey_id, user_id) SELECT sv.id, 'U' || u FROM surveys sv, generate_series(1, 10) u`,
		`INSERT INTO survey_responses (survey_id, user_id, score, adoption, follow_up, answered_at, updated_at)
		SELECT sv.id, 'U' || u, (sv.id + u) % 6, CASE (sv.id + u) % 4 WHEN 0 THEN '' WHEN 1 THEN 'yes' WHEN 2 THEN 'not_yet' ELSE 'no' END,
			CASE WHEN (sv.id + u) % 8 = 2 THEN 'yes' ELSE '' END, now(), now()
		FROM surveys sv, generate_series(1, 10) u`,
		`ANALYZE`,
	}
	db := s.Gorm(context.Background())
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// BenchmarkMetrics is /release metrics' database work over 100,000
// releases and 1,000,000 survey answers: the 90 days of every service
// (the default) and of one service, each with its previous period. With
// METRICS_EXPLAIN=file it writes the plans of the two heavy queries there.
func BenchmarkMetrics(b *testing.B) {
	if !storagetest.PostgresEnabled() {
		b.Skipf("%s is not set: this benchmark runs on PostgreSQL", storagetest.PostgresEnv)
	}
	s, err := Open(context.Background(), storagetest.Fresh(b, "postgres"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("METRICS_BENCH_RELEASES")); err == nil {
		n = v
	}
	seedMetrics(b, s, n)
	ctx := context.Background()
	now := time.Now()
	for _, service := range []string{"", "svc7"} {
		b.Run("service="+service, func(b *testing.B) {
			for b.Loop() {
				for _, from := range []time.Time{now.AddDate(0, 0, -90), now.AddDate(0, 0, -180)} {
					c, err := s.MetricsCounts(ctx, MetricsScope{Service: service, From: from, To: from.AddDate(0, 0, 90), Window: 7 * 24 * time.Hour})
					if err != nil || c.Finished == 0 {
						b.Fatalf("%d finished since %v, %v", c.Finished, from, err)
					}
				}
			}
		})
	}
	if out := os.Getenv("METRICS_EXPLAIN"); out != "" {
		explain(b, s, out, MetricsScope{From: now.AddDate(0, 0, -90), To: now, Window: 7 * 24 * time.Hour})
	}
}

func explain(b *testing.B, s *Store, out string, m MetricsScope) {
	var doc strings.Builder
	rq, rargs := s.releaseCountsSQL(m)
	sq, sargs := surveyCountsSQL(m)
	for _, q := range []struct {
		sql  string
		args []any
	}{{rq, rargs}, {sq, sargs}} {
		var lines []string
		err := s.Gorm(context.Background()).Transaction(func(db *gorm.DB) error {
			if err := db.Exec("SET LOCAL jit = off").Error; err != nil {
				return err
			}
			return db.Raw("EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...).Scan(&lines).Error
		})
		if err != nil {
			b.Fatal(err)
		}
		doc.WriteString(strings.Join(lines, "\n") + "\n\n")
	}
	if err := os.WriteFile(out, []byte(doc.String()), 0o600); err != nil {
		b.Fatal(err)
	}
}
