package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
	// now is the transaction's one reading of the clock: every row it
	// writes carries the same time, and a run again after contention reads
	// the clock afresh.
	now time.Time
	// pending is what the transaction writes when fn is done (batch.go).
	pending batch
}

// InTx runs fn in a transaction. On SQLite the transaction takes the write
// lock at once (see sqliteTarget); on PostgreSQL rows are locked as they are
// read for update.
//
// It runs fn once. InTxRetry is for functions that can start over, which
// is what every handler's change is (commands/internal/kit.InTx).
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		tx := &Tx{db: db, store: s, now: s.Now()}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.flush()
	})
}

// txAttempts bounds InTxRetry. A deadlock or a busy database that
// persists through this many tries is not contention any more.
const txAttempts = 5

// InTxRetry is InTx for a function that may run more than once: when the
// database rolls the transaction back because of contention (a
// PostgreSQL deadlock or serialization failure, SQLite busy), it runs the
// whole transaction again, a few times. The database has undone
// everything fn wrote, so fn must not rely on anything it set outside the
// transaction on an earlier run.
//
// The outbox needs this most: a message Slack has accepted must be
// recorded, or it is posted again when its lease runs out.
func (s *Store) InTxRetry(ctx context.Context, fn func(tx *Tx) error) error {
	return s.retry(ctx, func() error { return s.InTx(ctx, fn) })
}

// retry runs op until it succeeds, fails for a reason other than
// contention, or has run txAttempts times.
func (s *Store) retry(ctx context.Context, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == txAttempts || !s.contended(err) {
			return err
		}
		s.log.WarnContext(ctx, "database: transaction rolled back by contention; running it again", "attempt", attempt, "err", err)
		if s.beforeRetry != nil {
			s.beforeRetry(attempt, err)
		}
		// A short random pause keeps two transactions that just collided
		// from starting again in step.
		pause := time.NewTimer(time.Duration(rand.Int64N(int64(attempt) * int64(5*time.Millisecond))))
		select {
		case <-ctx.Done():
			pause.Stop()
			return fmt.Errorf("%w (not retried: %w)", err, context.Cause(ctx))
		case <-pause.C:
		}
	}
}

// PostgreSQL error codes after which the whole transaction may succeed if
// run again: the server rolled it back to break a cycle or keep it
// serialisable.
const (
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// SQLite result codes (the low byte of the extended codes) for a database
// another connection holds: past busy_timeout, BEGIN IMMEDIATE gives up.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// contended reports whether err means the transaction lost to a
// concurrent one and was rolled back, rather than failed on its own.
func (s *Store) contended(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgSerializationFailure || pgErr.Code == pgDeadlockDetected
	}
	// The SQLite driver's error type is matched by its method, so that
	// the driver stays an indirect dependency.
	var coded interface{ Code() int }
	if s.dialect == SQLite && errors.As(err, &coded) {
		c := coded.Code() & 0xff
		return c == sqliteBusy || c == sqliteLocked
	}
	return false
}

// Now is the time the transaction began, by the store's clock, in UTC.
func (tx *Tx) Now() time.Time { return tx.now }

// DB exposes the transaction for queries the repositories do not cover;
// what the transaction queued is written first, so that they see it. A
// failure to write it fails the statement.
func (tx *Tx) DB() *gorm.DB {
	if err := tx.flush(); err != nil {
		db := tx.db.Session(&gorm.Session{})
		_ = db.AddError(err)
		return db
	}
	return tx.db
}

// forUpdate locks the rows a query reads until the transaction ends.
// SQLite has no row locks; its IMMEDIATE transactions already serialise
// writers.
func (tx *Tx) forUpdate() *gorm.DB { return tx.locking(clause.LockingStrengthUpdate) }

// locking locks the rows a query reads with the given strength ("UPDATE",
// "NO KEY UPDATE"…) on PostgreSQL.
func (tx *Tx) locking(strength string) *gorm.DB {
	if tx.store.dialect == Postgres {
		return tx.db.Clauses(clause.Locking{Strength: strength})
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

// Audit appends an entry to the audit log. It is written with the
// transaction's other entries when the change is done (batch.go).
func (tx *Tx) Audit(actor, action string, releaseID int64, details string) error {
	e := AuditEntry{At: tx.Now(), Actor: actor, Action: action, Details: details}
	if releaseID != 0 {
		e.ReleaseID = &releaseID
	}
	tx.pending.audit = append(tx.pending.audit, e)
	return nil
}

// AuditTrail lists a release's audit entries, oldest first.
func (s *Store) AuditTrail(ctx context.Context, releaseID int64) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.WithContext(ctx).Where("release_id = ?", releaseID).Order("at, id").Find(&out).Error
	return out, translate(err, "read audit trail")
}

// AuditTrail lists a release's audit entries, oldest first, as the
// transaction sees them (its own entries included).
func (tx *Tx) AuditTrail(releaseID int64) ([]AuditEntry, error) {
	if err := tx.flushAudit(); err != nil {
		return nil, err
	}
	var out []AuditEntry
	err := tx.db.Where("release_id = ?", releaseID).Order("at, id").Find(&out).Error
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

// Delivered reports whether key was recorded: the envelope is a
// redelivery of an action already handled.
func (s *Store) Delivered(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&ProcessedEnvelope{}).Where("key = ?", key).Limit(1).Count(&n).Error
	return n > 0, translate(err, "read delivery")
}

// RecordDelivery records key in the transaction of the change the action
// makes; it reports false when it was already recorded. A concurrent
// transaction recording the same key waits for this one: it records it if
// this one rolls back and finds it if it commits.
func (tx *Tx) RecordDelivery(key string) (bool, error) {
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&ProcessedEnvelope{Key: key, CreatedAt: tx.Now()})
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
