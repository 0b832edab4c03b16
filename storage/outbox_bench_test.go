package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// seed fills a PostgreSQL database with n releases as they look in a busy
// installation: each announced and notified (sent), with its T-24h and
// T-1h reminders to the owner and the thread and its overdue check
// planned (pending, due later), and an approval round that closed. On top
// come the things a tick or poll actually finds: 8 notifications due now
// and 20 rounds still open, whatever n is.
func seed(b *testing.B, s *storage.Store, n int) {
	b.Helper()
	db := s.Gorm(context.Background())
	stmts := []string{
		fmt.Sprintf(`INSERT INTO releases (service, version, environment, type, risk, owner_id, created_by, channel, announcement_ts,
			start_at, end_at, status, created_at, updated_at)
		SELECT 'svc' || (g %% 200), '1.' || g, 'production', 'normal', 'low', 'U' || (g %% 50), 'U1', 'C0RELEASES', '1700000000.' || g,
			now() + interval '2 days' + (g %% 43200) * interval '1 minute', now() + interval '2 days 1 hour' + (g %% 43200) * interval '1 minute',
			CASE WHEN g <= 20 THEN 'planned' ELSE 'approved' END, now(), now()
		FROM generate_series(1, %d) g`, n),
		`INSERT INTO approval_rounds (release_id, number, revision, status, required, needed, policy_source, opened_at, closed_at)
		SELECT id, 1, 1, CASE WHEN id <= 20 THEN 'open' ELSE 'approved' END, 'any', 1, 'bench', now() - interval '5 hours',
			CASE WHEN id <= 20 THEN NULL ELSE now() END FROM releases`,
		`INSERT INTO round_approvers (round_id, user_id) SELECT id, 'U0BEN' FROM approval_rounds`,
		`INSERT INTO round_approvers (round_id, user_id) SELECT id, 'U0CAT' FROM approval_rounds`,
		`INSERT INTO approval_decisions (round_id, approver_id, decision, decided_at) SELECT id, 'U0BEN', 'approve', now() FROM approval_rounds WHERE status = 'approved'`,
		`INSERT INTO outbox_messages (key, kind, release_id, channel, op, payload, due_at, status, attempts, created_at, sent_ts, sent_channel, sent_at)
		SELECT 'announce:' || id, 'announcement', id, '', 'post', '', created_at, 'sent', 1, created_at, announcement_ts, channel, created_at FROM releases`,
		`INSERT INTO outbox_messages (key, kind, release_id, channel, op, payload, due_at, status, attempts, created_at, sent_ts, sent_channel, sent_at)
		SELECT 'notify:' || id || ':' || c, 'notification', id, c, 'post', '{"text":"x"}', created_at, 'sent', 1, created_at, '1.1', c, created_at
		FROM releases, (VALUES ('C0GENERAL'), ('U0DAN')) AS t(c)`,
		`INSERT INTO outbox_messages (key, kind, release_id, channel, op, payload, due_at, status, created_at)
		SELECT 'reminder:' || id || ':' || l || ':' || w, 'reminder', id, CASE WHEN w = 'owner' THEN owner_id ELSE '' END,
			CASE WHEN w = 'owner' THEN 'post' ELSE 'thread' END, '{"text":"' || l || '"}', start_at - (l || ' hours')::interval, 'pending', created_at
		FROM releases, (VALUES (24), (1)) AS leads(l), (VALUES ('owner'), ('thread')) AS who(w)`,
		`INSERT INTO outbox_messages (key, kind, release_id, channel, op, payload, due_at, status, created_at)
		SELECT 'overdue:' || id, 'overdue', id, owner_id, 'post', '{"text":"start"}', start_at + interval '30 minutes', 'pending', created_at FROM releases`,
		`INSERT INTO outbox_messages (key, kind, release_id, channel, op, payload, due_at, status, created_at)
		SELECT 'due:' || g, 'notification', 1 + g, 'U0DUE' || g, 'post', '{"text":"x"}', now() - interval '1 second', 'pending', now()
		FROM generate_series(1, 8) g`,
		`ANALYZE`,
	}
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

// schedulerQueries are the queries that run on every outbox poll (claim,
// lease expiry), every minute job (open rounds for nudges) and every
// /metrics scrape (backlog), with the index each must use.
var schedulerQueries = []struct {
	name, index string
	explain     string // the statement, for EXPLAIN
	run         func(ctx context.Context, s *storage.Store) error
}{
	{
		name: "claim", index: "idx_outbox_due",
		explain: `SELECT id FROM outbox_messages WHERE status = 'pending' AND due_at <= now()
			AND NOT (kind IN ('notification','thread_note') AND EXISTS (SELECT 1 FROM outbox_messages older
				WHERE older.release_id = outbox_messages.release_id AND older.kind = outbox_messages.kind
				AND older.channel = outbox_messages.channel AND older.id < outbox_messages.id
				AND older.status IN ('pending','sending')))
			ORDER BY due_at, id LIMIT 8 FOR UPDATE SKIP LOCKED`,
		run: func(ctx context.Context, s *storage.Store) error {
			claimed, err := s.ClaimOutbox(ctx, "bench", 8, time.Minute)
			if err != nil {
				return err
			}
			if len(claimed) != 8 {
				return fmt.Errorf("claimed %d, want 8", len(claimed))
			}
			// Put them back for the next iteration.
			ids := make([]int64, len(claimed))
			for i, m := range claimed {
				ids[i] = m.ID
			}
			return s.Gorm(ctx).Exec(`UPDATE outbox_messages SET status = 'pending', claimed_by = '', attempts = 0 WHERE id IN ?`, ids).Error
		},
	},
	{
		name: "release-expired", index: "idx_outbox_due",
		explain: `UPDATE outbox_messages SET status = 'pending', claimed_by = '' WHERE status = 'sending' AND claimed_until < now()`,
		run: func(ctx context.Context, s *storage.Store) error {
			_, err := s.ReleaseExpired(ctx)
			return err
		},
	},
	{
		name: "open-rounds", index: "idx_approval_rounds_status",
		explain: `SELECT * FROM approval_rounds WHERE status = 'open' ORDER BY id`,
		run: func(ctx context.Context, s *storage.Store) error {
			rounds, err := s.OpenRoundsWithReleases(ctx)
			if err != nil {
				return err
			}
			if len(rounds) != 20 {
				return fmt.Errorf("%d open rounds, want 20", len(rounds))
			}
			return nil
		},
	},
	{
		name: "backlog", index: "idx_outbox_due",
		explain: `SELECT COALESCE(SUM(CASE WHEN due_at <= now() OR last_error <> '' THEN 1 ELSE 0 END), 0)
			FROM (SELECT due_at, last_error FROM outbox_messages WHERE status = 'pending' AND due_at <= now() + interval '10 minutes'
				ORDER BY due_at LIMIT 10000) AS backlog`,
		run: func(ctx context.Context, s *storage.Store) error {
			_, err := s.OutboxBacklog(ctx)
			return err
		},
	},
}

// BenchmarkSchedulerQueries times each per-tick query against 1,000,
// 10,000 and 100,000 planned releases (with ~8 outbox rows each) on
// PostgreSQL, and checks with EXPLAIN that each uses its index rather than
// reading the table: the time must stay flat as releases pile up.
//
//	RELEASEBOT_TEST_POSTGRES=… go test -run '^$' -bench SchedulerQueries ./storage/
func BenchmarkSchedulerQueries(b *testing.B) {
	if !storagetest.PostgresEnabled() {
		b.Skipf("%s is not set: this benchmark runs on PostgreSQL", storagetest.PostgresEnv)
	}
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("releases=%d", n), func(b *testing.B) {
			s, err := storage.Open(context.Background(), storagetest.Fresh(b, "postgres"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			seed(b, s, n)
			ctx := context.Background()
			for _, q := range schedulerQueries {
				b.Run(q.name, func(b *testing.B) {
					var plan []string
					if err := s.Gorm(ctx).Raw("EXPLAIN " + q.explain).Scan(&plan).Error; err != nil {
						b.Fatal(err)
					}
					text := strings.Join(plan, "\n")
					if testing.Verbose() {
						b.Logf("%s:\n%s", q.name, text)
					}
					if !strings.Contains(text, q.index) || strings.Contains(text, "Seq Scan on outbox_messages") || strings.Contains(text, "Seq Scan on approval_rounds") {
						b.Fatalf("%s does not use %s:\n%s", q.name, q.index, text)
					}
					for b.Loop() {
						if err := q.run(ctx, s); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
