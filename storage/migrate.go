package storage

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// migrationLock is the PostgreSQL advisory lock key under which the schema is
// migrated, so replicas starting together migrate one after the other
// instead of racing on CREATE TABLE.
const migrationLock = 0x72656c62 // "relb"

func (s *Store) migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLock).Error; err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		if err := tx.AutoMigrate(allModels()...); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
		for _, stmt := range extraSchema[s.dialect] {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("apply %q: %w", firstLine(stmt), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate %s schema: %w", s.dialect, err)
	}
	return nil
}

// extraSchema holds what gorm's tags cannot say: the audit log is append-only
// in the database itself, not only by convention in Go.
var extraSchema = map[string][]string{
	Postgres: {
		`CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_entries is append-only';
END $$`,
		`DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries`,
		`CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
	FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`,
		// Replaced by idx_outbox_chain; left, it misleads the planner.
		`DROP INDEX IF EXISTS idx_outbox_release_kind`,
	},
	SQLite: {
		`CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`,
		`CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`,
		`DROP INDEX IF EXISTS idx_outbox_release_kind`,
	},
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
