package storage_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" driver, to build a database without storage
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/pressly/goose/v3"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// migrateTo applies the migrations up to version to a database without
// storage, as an older release of the bot would have left it.
func migrateTo(t *testing.T, dialect, url string, version int64) {
	t.Helper()
	p := provider(t, dialect, openRaw(t, dialect, url))
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatalf("migrate %s to version %d: %v", dialect, version, err)
	}
}

// latestVersion is the number of the newest file in storage/migrations.
func latestVersion(t *testing.T, dialect string) int64 {
	t.Helper()
	sources := provider(t, dialect, openRaw(t, dialect, storagetest.Fresh(t, dialect))).ListSources()
	return sources[len(sources)-1].Version
}

func provider(t *testing.T, dialect string, db *sql.DB) *goose.Provider {
	t.Helper()
	fsys, err := fs.Sub(storage.Migrations, "migrations/"+dialect)
	if err != nil {
		t.Fatal(err)
	}
	d := goose.DialectSQLite3
	if dialect == storage.Postgres {
		d = goose.DialectPostgres
	}
	p, err := goose.NewProvider(d, db, fsys, goose.WithDisableGlobalRegistry(true), goose.WithTableName(storage.VersionTable))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixtureRows is how many rows storage/testdata/legacy-*.sql holds per table.
var fixtureRows = map[string]int64{
	"releases": 2, "release_components": 2, "approval_policies": 1, "approval_rounds": 1, "round_approvers": 2,
	"approval_decisions": 2, "freeze_windows": 1, "subscriptions": 1, "stakeholders": 1, "outbox_messages": 2,
	"audit_entries": 2, "processed_envelopes": 1, "user_profiles": 1,
	// Tables that later migrations add, empty after the upgrade.
	"surveys": 0, "survey_invites": 0, "survey_responses": 0, "reviews": 0, "review_actions": 0,
	// Migration 10's tables start empty.
	"api_tokens": 0, "readiness_checks": 0, "incidents": 0, "live_versions": 0, "idempotency_keys": 0,
	"standard_templates": 0, // migration 31
	// Migration 51's calendar feed tokens start empty.
	"calendar_feeds": 0,
}

// loadFixture builds, without storage, the database the pre-versioned code
// left behind.
func loadFixture(t *testing.T, dialect, url string) {
	t.Helper()
	script, err := os.ReadFile("testdata/legacy-" + dialect + ".sql")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if dialect == storage.Postgres {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, string(script)); err != nil {
			t.Fatalf("load fixture: %v", err)
		}
		return
	}
	db := openRaw(t, dialect, url)
	if _, err := db.ExecContext(ctx, string(script)); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
}

func openRaw(t *testing.T, dialect, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if dialect == storage.SQLite {
		target, err := storage.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		driver, dsn = "sqlite", target.DSN
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// describe lists every schema object the way the database itself states
// it, without goose's version table.
func describe(t *testing.T, dialect string, db *sql.DB) []string {
	t.Helper()
	queries := []string{
		`SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE name NOT LIKE 'goose%' AND name NOT LIKE 'sqlite_%' AND sql IS NOT NULL`,
	}
	if dialect == storage.Postgres {
		queries = []string{
			`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(character_maximum_length::text, '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' #' || ordinal_position
			 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE 'goose%'`,
			`SELECT 'index ' || indexname || ': ' || replace(indexdef, current_schema() || '.', '') FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT LIKE 'goose%'`,
			`SELECT 'constraint ' || c.conrelid::regclass::text || '.' || c.conname || ': ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
			 JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND c.conrelid::regclass::text NOT LIKE 'goose%'`,
			`SELECT 'trigger ' || t.tgname || ': ' || replace(pg_get_triggerdef(t.oid), current_schema() || '.', '') FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
			 JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal`,
			`SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences WHERE sequence_schema = current_schema() AND sequence_name NOT LIKE 'goose%'`,
			`SELECT 'function ' || p.proname || ': ' || p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`,
		}
	}
	var out []string
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("describe schema: %v", err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			if dialect == storage.Postgres {
				line = normalizeCheck(line)
			}
			out = append(out, line)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// normalizeCheck drops the casts and parentheses of a PostgreSQL CHECK as
// the server prints it: the same IN list reads back cast differently when
// it was created from pg_dump's text than from gorm's.
func normalizeCheck(line string) string {
	if !strings.Contains(line, "CHECK (") {
		return line
	}
	return strings.NewReplacer("::character varying", "", "::text[]", "", "::text", "", "(", "", ")", "", " ", "").Replace(line)
}

func countRows(t *testing.T, s *storage.Store) map[string]int64 {
	t.Helper()
	tables, err := s.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, table := range tables {
		if table == storage.VersionTable {
			continue
		}
		var n int64
		if err := s.Gorm(context.Background()).Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// Migration 1 creates exactly the schema AutoMigrate created, and a database
// AutoMigrate created is adopted with every row intact and readable.
func TestUpgradeFromAutoMigrate(t *testing.T) {
	t.Parallel()
	for _, dialect := range storagetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			legacyURL, freshURL := storagetest.Fresh(t, dialect), storagetest.Fresh(t, dialect)
			loadFixture(t, dialect, legacyURL)
			before := describe(t, dialect, openRaw(t, dialect, legacyURL))
			if len(before) < 30 {
				t.Fatalf("the fixture's schema has only %d objects:\n%s", len(before), strings.Join(before, "\n"))
			}

			version1URL := storagetest.Fresh(t, dialect)
			migrateTo(t, dialect, version1URL, 1)
			if diff := diffLines(before, describe(t, dialect, openRaw(t, dialect, version1URL))); diff != "" {
				t.Errorf("migration 1 differs from the AutoMigrate schema (- AutoMigrate, + migration 1):\n%s", diff)
			}

			s := open(t, legacyURL)
			if v, err := s.SchemaVersion(ctx); err != nil || v != latestVersion(t, dialect) {
				t.Fatalf("schema version %d, %v; want %d", v, err, latestVersion(t, dialect))
			}
			after := describe(t, dialect, openRaw(t, dialect, legacyURL))
			open(t, freshURL)
			fresh := describe(t, dialect, openRaw(t, dialect, freshURL))
			if diff := diffLines(fresh, after); diff != "" {
				t.Errorf("the adopted database differs from a new one (- new, + adopted):\n%s", diff)
			}
			if got := countRows(t, s); !reflect.DeepEqual(got, fixtureRows) {
				t.Fatalf("rows per table after the upgrade %v, want %v", got, fixtureRows)
			}
			checkFixtureReadable(t, s)
		})
	}
}

// checkFixtureReadable reads every fixture row back through storage's models
// and repositories, then writes, which needs the id sequences intact.
func checkFixtureReadable(t *testing.T, s *storage.Store) {
	t.Helper()
	ctx := context.Background()
	r, err := s.Release(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantStart := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	if r.Title != "Fixture title" || r.Impact != "Checkout read-only for 5 minutes" || !r.StartAt.Equal(wantStart) ||
		r.Revision != 2 || len(r.Components) != 2 || r.Components[1].Name != "worker" {
		t.Fatalf("release 1 read back as %+v", r)
	}
	if r2, err := s.Release(ctx, 2); err != nil || !r2.RetroReview || r2.StartedAt == nil || r2.FreezeReason != "hotfix" {
		t.Fatalf("release 2 read back as %+v, %v", r2, err)
	}
	rounds, err := s.Rounds(ctx, 1)
	if err != nil || len(rounds) != 1 || rounds[0].RequestedBy != "UPLANNER" || rounds[0].ClosedAt == nil {
		t.Fatalf("rounds %+v, %v", rounds, err)
	}
	round, err := s.Round(ctx, rounds[0].ID)
	if err != nil || len(round.Approvers) != 2 || len(round.Decisions) != 2 || round.Approvers[0].LastNudge == nil {
		t.Fatalf("round %+v, %v", round, err)
	}
	if p, err := s.Policy(ctx, "normal", "production", ""); err != nil || p.Approvers != "UANA,SCAB" {
		t.Fatalf("policy %+v, %v", p, err)
	}
	if trail, err := s.AuditTrail(ctx, 1); err != nil || len(trail) != 1 || trail[0].Details != "billing 2.3.0" {
		t.Fatalf("audit trail %+v, %v", trail, err)
	}
	if subs, err := s.Subscriptions(ctx, "CNEWS"); err != nil || len(subs) != 1 || subs[0].Service != "billing" {
		t.Fatalf("subscriptions %+v, %v", subs, err)
	}
	if st, err := s.Stakeholders(ctx, "billing"); err != nil || len(st) != 1 || st[0].UserID != "USTAKE" {
		t.Fatalf("stakeholders %+v, %v", st, err)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if fw, err := s.Freezes(ctx, from, from.AddDate(0, 1, 0)); err != nil || len(fw) != 1 || fw[0].Reason != "year end" {
		t.Fatalf("freezes %+v, %v", fw, err)
	}
	if msgs, err := s.OutboxMessages(ctx, 1); err != nil || len(msgs) != 1 || msgs[0].SentTS != "1700000000.000100" {
		t.Fatalf("outbox %+v, %v", msgs, err)
	}
	if first, err := s.FirstDelivery(ctx, "cmd:trigger-1"); err != nil || first {
		t.Fatalf("processed envelope forgotten: first=%v, %v", first, err)
	}
	var profiles []storage.UserProfile
	if err := s.Gorm(ctx).Find(&profiles).Error; err != nil || len(profiles) != 1 || profiles[0].TZ != "Europe/Lisbon" {
		t.Fatalf("user profiles %+v, %v", profiles, err)
	}
	if err := s.Gorm(ctx).Model(&storage.AuditEntry{}).Where("id = 2").Update("details", "x").Error; err == nil {
		t.Fatal("the audit log accepted an update after the upgrade")
	}
	n := create(t, s, newRelease("after-upgrade"))
	if n.ID != 3 {
		t.Fatalf("new release got id %d, want 3", n.ID)
	}
}

// A database from a release older than the last unversioned one lacks
// columns; it is refused with what to do, not adopted half-way.
func TestAdoptionRefusesAnOlderSchema(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		dialect := storage.SQLite
		if strings.HasPrefix(url, "postgres") {
			dialect = storage.Postgres
		}
		loadFixture(t, dialect, url)
		if _, err := openRaw(t, dialect, url).Exec("ALTER TABLE approval_rounds DROP COLUMN requested_by"); err != nil {
			t.Fatal(err)
		}
		s, err := storage.Open(context.Background(), url)
		if err == nil {
			_ = s.Close()
			t.Fatal("a schema without approval_rounds.requested_by was adopted")
		}
		if !strings.Contains(err.Error(), "approval_rounds") || !strings.Contains(err.Error(), "last release without versioned migrations") {
			t.Fatalf("error does not say what to do: %v", err)
		}
		var n int64
		if err := openRaw(t, dialect, url).QueryRow("SELECT count(*) FROM releases").Scan(&n); err != nil || n != 2 {
			t.Fatalf("releases after the refusal: %d, %v", n, err)
		}
	})
}

// Slow queries are logged with placeholders, never with what users typed.
func TestSlowQueryLogsNoValues(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		var buf syncBuffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		s, err := storage.Open(context.Background(), url, storage.WithLogger(log), storage.WithSlowQuery(-1))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r := newRelease("billing")
		r.Title = "Zanzibar-Quokka-7319"
		create(t, s, r)
		if _, _, err := s.Releases(context.Background(), storage.ReleaseFilter{Service: "Zanzibar-Quokka-7319"}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, `"msg":"slow query"`) || !strings.Contains(out, "INSERT INTO") {
			t.Fatalf("no slow-query warning with its SQL was logged:\n%s", out)
		}
		if strings.Contains(out, "Zanzibar-Quokka-7319") {
			t.Fatalf("a value users typed is in the log:\n%s", out)
		}
	})
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func diffLines(want, got []string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range want {
		w[l] = true
	}
	for _, l := range got {
		g[l] = true
	}
	var b strings.Builder
	for _, l := range want {
		if !g[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range got {
		if !w[l] {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}
