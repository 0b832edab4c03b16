package kit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

func openDeps(t *testing.T, url string, clock func() time.Time) (*Deps, *int) {
	t.Helper()
	store, err := storage.Open(context.Background(), url, storage.WithClock(clock))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	wakes := 0
	return &Deps{Store: store, Wake: func() { wakes++ }, clock: clock}, &wakes
}

func auditActions(t *testing.T, d *Deps) []string {
	t.Helper()
	var entries []storage.AuditEntry
	if err := d.Store.Gorm(context.Background()).Order("id").Find(&entries).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s@%s", e.Action, e.At.UTC().Format(time.TimeOnly)))
	}
	return out
}

// A change that loses to a concurrent one runs again from the start: what
// the first run wrote is gone, the result is the second run's, the clock
// is read once per run, and the outbox is woken once, after the commit.
func TestInTxRunsAgainOnContention(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { now = now.Add(time.Second); return now }
		d, wakes := openDeps(t, url, clock)
		runs := 0
		var ats []time.Time
		got, err := InTx(context.Background(), d, func(tx *storage.Tx, at time.Time) (string, error) {
			runs++
			ats = append(ats, at)
			if !at.Equal(tx.Now()) {
				t.Errorf("run %d: now %s, the transaction's %s", runs, at, tx.Now())
			}
			if err := tx.Audit("U1", fmt.Sprintf("run %d", runs), 0, ""); err != nil {
				return "", err
			}
			if runs == 1 {
				return "", fmt.Errorf("write: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
			}
			return fmt.Sprintf("run %d at %s", runs, at.Format(time.TimeOnly)), nil
		})
		if err != nil || runs != 2 || got != "run 2 at "+ats[1].Format(time.TimeOnly) {
			t.Fatalf("got %q, %v after %d runs", got, err, runs)
		}
		if !ats[1].After(ats[0]) {
			t.Errorf("the rerun kept the first run's time %s", ats[0])
		}
		if actions := auditActions(t, d); len(actions) != 1 || actions[0] != "run 2@"+ats[1].Format(time.TimeOnly) {
			t.Errorf("audit after the rerun: %v", actions)
		}
		if *wakes != 1 {
			t.Errorf("outbox woken %d times", *wakes)
		}
	})
}

// A change refused on its own account runs once, leaves nothing behind
// and wakes nobody.
func TestInTxRefusalChangesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		d, wakes := openDeps(t, url, time.Now)
		refused := errors.New("refused")
		runs := 0
		got, err := InTx(context.Background(), d, func(tx *storage.Tx, _ time.Time) (int, error) {
			runs++
			if err := tx.Audit("U1", "changed", 0, ""); err != nil {
				return 0, err
			}
			return 7, refused
		})
		if !errors.Is(err, refused) || got != 0 || runs != 1 {
			t.Fatalf("got %d, %v after %d runs", got, err, runs)
		}
		if actions := auditActions(t, d); len(actions) != 0 || *wakes != 0 {
			t.Errorf("audit %v, %d wakes", actions, *wakes)
		}
	})
}
