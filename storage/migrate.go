package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/pressly/goose/v3"
)

// migrations holds one numbered SQL file per schema change and dialect:
// migrations/<dialect>/NNNNN_name.sql. Adding a change is adding one file
// to each folder; goose applies, in order, the ones a database lacks.
//
//go:embed migrations
var migrations embed.FS

// VersionTable is where goose records the migrations a database has.
const VersionTable = "goose_db_version"

// migrationLock is the PostgreSQL advisory lock key under which the schema is
// migrated, so replicas starting together migrate one after the other
// instead of racing on CREATE TABLE.
const migrationLock = 0x72656c62 // "relb"

func (s *Store) migrate(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", s.dialect, err)
	}
	p, err := s.migrationProvider(sqlDB)
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", s.dialect, err)
	}
	if s.dialect == SQLite {
		// SQLite has no lock that outlives a transaction; stores of one
		// process opening the same file take turns here instead.
		unlock := lockSQLiteFile(s.path)
		defer unlock()
	}
	if err := s.checkAdoptable(ctx); err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", s.dialect, err)
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "schema migration applied", "dialect", s.dialect,
			"version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration_ms", r.Duration.Milliseconds())
	}
	return nil
}

func (s *Store) migrationProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", s.dialect, err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithTableName(VersionTable)}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		opts = append(opts, goose.WithSessionLocker(advisoryLock{}))
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// SchemaVersion is the newest migration the database has.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, fmt.Errorf("database handle: %w", err)
	}
	p, err := s.migrationProvider(sqlDB)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// advisoryLock holds a PostgreSQL session advisory lock on the connection
// goose migrates with. pg_advisory_lock waits in the server, so a replica
// starts migrating the moment the one before it is done, and a cancelled
// context cancels the wait.
type advisoryLock struct{}

func (advisoryLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	return nil
}

func (advisoryLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	return nil
}

var sqliteMigrations sync.Map // absolute path → *sync.Mutex

func lockSQLiteFile(path string) func() {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	mu, _ := sqliteMigrations.LoadOrStore(path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

// checkAdoptable guards the adoption of a database that releasebot created
// before migrations were versioned (gorm AutoMigrate, no version table).
// Migration 1 creates only what is missing, so such a database becomes
// version 1 unchanged, provided it has every column of version 1: one
// created by an even older release lacks some, and adopting it would
// hide that. That case stops here with what to do.
func (s *Store) checkAdoptable(ctx context.Context) error {
	m := s.db.WithContext(ctx).Migrator()
	if m.HasTable(VersionTable) || !m.HasTable("releases") {
		return nil
	}
	for table, columns := range version1Columns {
		err := s.db.WithContext(ctx).Exec("SELECT " + columns + " FROM " + table + " WHERE 1 = 0").Error
		if err != nil {
			return fmt.Errorf("adopt %s database: table %s lacks columns that releasebot added before migrations were versioned (%w); start the last release without versioned migrations once to bring the schema up to date, then this one", s.dialect, table, err)
		}
	}
	s.log.InfoContext(ctx, "adopting a database created before versioned migrations", "dialect", s.dialect)
	return nil
}

// version1Columns is every table and column of migration 1, frozen: later
// migrations change the schema, not what version 1 was.
var version1Columns = map[string]string{
	"releases": "id, service, version, environment, type, risk, title, impact, rollback_plan, owner_id, created_by, channel, " +
		"announcement_ts, start_at, end_at, status, freeze_reason, retro_review, revision, started_at, finished_at, created_at, updated_at",
	"release_components": "id, release_id, name, version",
	"approval_policies":  "id, type, environment, approvers, required, updated_by, updated_at",
	"approval_rounds": "id, release_id, number, revision, status, required, needed, policy_source, progress_ts, opened_at, " +
		"requested_by, closed_at",
	"round_approvers":    "id, round_id, user_id, dm_channel, dmts, last_nudge",
	"approval_decisions": "id, round_id, approver_id, decision, reason, decided_at",
	"freeze_windows":     "id, environment, start_at, end_at, reason, created_by, created_at",
	"subscriptions":      "id, service, environment, target, target_kind, created_by, created_at",
	"stakeholders":       "id, service, user_id, added_by, created_at",
	"outbox_messages": "id, key, kind, release_id, ref_id, channel, op, target_ts, payload, due_at, status, attempts, " +
		"last_error, claimed_by, claimed_until, sent_ts, sent_channel, sent_at, created_at",
	"audit_entries":       "id, at, actor, action, release_id, details",
	"processed_envelopes": "key, created_at",
	"user_profiles":       "user_id, name, tz, fetched_at",
}

// Tables lists the tables of the current schema, for backups and their
// checks.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	var names []string
	var q string
	switch s.dialect {
	case SQLite:
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	default:
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
	}
	if err := s.db.WithContext(ctx).Raw(q).Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return names, nil
}
