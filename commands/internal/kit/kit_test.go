package kit

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/releasebot/releasebot/bot"
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

// The first change a user action makes records the action in its own
// transaction: a redelivery is then refused (bot.ErrDuplicate) and writes
// nothing; a change rolled back leaves no record, so a redelivery runs.
func TestInTxRecordsTheDeliveryWithTheChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		d, _ := openDeps(t, url, time.Now)
		audit := func(ctx context.Context, action string, fail error) error {
			_, err := InTx(ctx, d, func(tx *storage.Tx, _ time.Time) (int, error) {
				if err := tx.Audit("U1", action, 0, ""); err != nil {
					return 0, err
				}
				return 0, fail
			})
			return err
		}
		ctx, claim := bot.WithDelivery(context.Background(), "cmd:failing")
		if err := audit(ctx, "failed", errors.New("boom")); err == nil || claim.Recorded() {
			t.Fatalf("a failed change: err %v, recorded %v", err, claim.Recorded())
		}
		if seen, err := d.Store.Delivered(ctx, "cmd:failing"); err != nil || seen {
			t.Fatalf("a failed change left a record: %v %v", seen, err)
		}
		ctx, claim = bot.WithDelivery(context.Background(), "cmd:1")
		if err := audit(ctx, "first", nil); err != nil || !claim.Recorded() {
			t.Fatalf("first delivery: err %v, recorded %v", err, claim.Recorded())
		}
		// A second change of the same action needs no second record.
		if err := audit(ctx, "second change", nil); err != nil {
			t.Fatal(err)
		}
		again, _ := bot.WithDelivery(context.Background(), "cmd:1")
		if err := audit(again, "redelivered", nil); !errors.Is(err, bot.ErrDuplicate) {
			t.Fatalf("redelivery: %v, want ErrDuplicate", err)
		}
		if got := auditActions(t, d); len(got) != 2 {
			t.Fatalf("audit %v: want the first delivery's two changes only", got)
		}
	})
}
