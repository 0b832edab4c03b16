package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// A transaction the database rolls back because it lost to a concurrent
// one runs again from the start, and only what the last run wrote stays.
// On PostgreSQL the two transactions below lock two releases in opposite
// orders, which deadlocks: the one that waited first is the victim. On
// SQLite, which serialises transactions and cannot deadlock, the second
// one finds the database busy (a store with no busy timeout) until the
// first commits.
func TestInTxRetryRunsALosingTransactionAgain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		a := create(t, s, newRelease("billing"))
		b := create(t, s, newRelease("payments"))
		var runs1, runs2 atomic.Int32
		var err1, err2 error
		if s.Dialect() == storage.Postgres {
			aLocked, bLocked, done2 := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				err1 = s.InTxRetry(ctx, func(tx *storage.Tx) error {
					runs1.Add(1)
					if _, err := tx.LockRelease(a.ID); err != nil {
						return err
					}
					if runs1.Load() == 1 {
						close(aLocked)
						<-bLocked
						// The other one waits for a first: it is the
						// one PostgreSQL picks to break the cycle.
						blockedBy(t, s, backendPID(t, tx), done2)
					}
					if _, err := tx.LockRelease(b.ID); err != nil {
						return err
					}
					return tx.Audit("first", "test", a.ID, "")
				})
			})
			wg.Go(func() {
				defer close(done2)
				err2 = s.InTxRetry(ctx, func(tx *storage.Tx) error {
					runs2.Add(1)
					if _, err := tx.LockRelease(b.ID); err != nil {
						return err
					}
					if err := tx.Audit("second", "test", b.ID, ""); err != nil {
						return err
					}
					if runs2.Load() == 1 {
						close(bLocked)
						<-aLocked
					}
					_, err := tx.LockRelease(a.ID)
					return err
				})
			})
			wg.Wait()
		} else {
			path := strings.TrimPrefix(url, "sqlite:")
			impatient, err := storage.OpenTarget(ctx, storage.Target{Dialect: storage.SQLite, Path: path,
				DSN: "file:" + path + "?_pragma=busy_timeout(0)&_pragma=foreign_keys(1)&_txlock=immediate"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = impatient.Close() })
			commit, committed := make(chan struct{}), make(chan struct{})
			locked := make(chan struct{})
			release := sync.OnceFunc(func() { close(commit) })
			storage.OnRetry(impatient, func(int, error) {
				release()
				<-committed
			})
			go func() {
				defer close(committed)
				err1 = s.InTx(ctx, func(tx *storage.Tx) error {
					runs1.Add(1)
					close(locked)
					<-commit
					return tx.Audit("first", "test", a.ID, "")
				})
			}()
			<-locked
			err2 = impatient.InTxRetry(ctx, func(tx *storage.Tx) error {
				// BEGIN IMMEDIATE failed the first time: this is the
				// first run of the function, but the second try.
				runs2.Add(1)
				return tx.Audit("second", "test", b.ID, "")
			})
			release()
			<-committed
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("first: %v; second: %v", err1, err2)
		}
		// At least one rerun; a rerun may deadlock again with the other
		// transaction still finishing, so not exactly one.
		if s.Dialect() == storage.Postgres && runs1.Load()+runs2.Load() < 3 {
			t.Fatalf("ran %d and %d times; one of them should have run again", runs1.Load(), runs2.Load())
		}
		for _, r := range []*storage.Release{a, b} {
			trail, err := s.AuditTrail(ctx, r.ID)
			if err != nil || len(trail) != 2 || trail[1].Action != "test" {
				t.Fatalf("audit trail of %s: %+v %v; want its creation and one test entry", r.HumanID(), trail, err)
			}
		}
	})
}

// Only contention makes a transaction run again, and only a few times.
func TestInTxRetryRetriesOnlyContention(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := open(t, url)
		ctx := context.Background()
		failing := func(code string, times int) (int, error) {
			runs := 0
			err := s.InTxRetry(ctx, func(tx *storage.Tx) error {
				runs++
				if runs <= times {
					return fmt.Errorf("write: %w", &pgconn.PgError{Code: code, Message: "test"})
				}
				return nil
			})
			return runs, err
		}
		if runs, err := failing("40001", 1); runs != 2 || err != nil {
			t.Fatalf("serialization failure: %d runs, %v", runs, err)
		}
		var pgErr *pgconn.PgError
		if runs, err := failing("40P01", 100); runs != 5 || !errors.As(err, &pgErr) || pgErr.Code != "40P01" {
			t.Fatalf("a deadlock every time: %d runs, %v", runs, err)
		}
		if runs, err := failing("23505", 1); runs != 1 || err == nil {
			t.Fatalf("a unique violation: %d runs, %v", runs, err)
		}
		runs := 0
		refused := errors.New("refused")
		if err := s.InTxRetry(ctx, func(*storage.Tx) error { runs++; return refused }); runs != 1 || !errors.Is(err, refused) {
			t.Fatalf("an error of the function: %d runs, %v", runs, err)
		}
	})
}
