package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrNotFound means the row asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicate means a uniqueness rule of the database refused the row.
var ErrDuplicate = errors.New("already exists")

// Tx is one unit of work: a state change, its audit entry and the
// notifications it causes commit together or not at all.
type Tx struct {
	db    *gorm.DB
	store *Store
}

// InTx runs fn in a transaction. On SQLite the transaction takes the write
// lock at once (see sqliteTarget); on PostgreSQL rows are locked as they are
// read for update.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		return fn(&Tx{db: db, store: s})
	})
}

// Now is the store's clock, in UTC.
func (tx *Tx) Now() time.Time { return tx.store.Now() }

// DB exposes the transaction for queries the repositories do not cover.
func (tx *Tx) DB() *gorm.DB { return tx.db }

// forUpdate locks the rows a query reads until the transaction ends.
// SQLite has no row locks; its IMMEDIATE transactions already serialise
// writers.
func (tx *Tx) forUpdate() *gorm.DB {
	if tx.store.dialect == Postgres {
		return tx.db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx.db
}

func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Audit appends an entry to the audit log.
func (tx *Tx) Audit(actor, action string, releaseID int64, details string) error {
	e := AuditEntry{At: tx.Now(), Actor: actor, Action: action, Details: details}
	if releaseID != 0 {
		e.ReleaseID = &releaseID
	}
	return translate(tx.db.Create(&e).Error, "append audit entry")
}

// AuditTrail lists a release's audit entries, oldest first.
func (s *Store) AuditTrail(ctx context.Context, releaseID int64) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.WithContext(ctx).Where("release_id = ?", releaseID).Order("at, id").Find(&out).Error
	return out, translate(err, "read audit trail")
}

// FirstDelivery records key; it reports false when it was already recorded,
// i.e. the envelope is a redelivery.
func (s *Store) FirstDelivery(ctx context.Context, key string) (bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&ProcessedEnvelope{Key: key, CreatedAt: s.Now()})
	if res.Error != nil {
		return false, translate(res.Error, "record delivery")
	}
	return res.RowsAffected == 1, nil
}

// Forget removes a recorded delivery so that a redelivery is handled again.
func (s *Store) Forget(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Delete(&ProcessedEnvelope{Key: key}).Error, "forget delivery")
}

// PruneDeliveries drops delivery records older than before; Slack stops
// redelivering long before.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", before.UTC()).Delete(&ProcessedEnvelope{})
	return res.RowsAffected, translate(res.Error, "prune deliveries")
}
