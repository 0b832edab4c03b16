package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// What is live where follows completions and rollbacks: a rollback puts
// back the latest version before it that was not rolled back itself.
func TestLiveVersionsFollowRollbacks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		complete := func(version string) *storage.Release {
			r := &storage.Release{Service: "payments", Version: version, Environment: "production", Type: "normal", Risk: "low",
				OwnerID: "U1", CreatedBy: "U1", Channel: "C1", StartAt: at, EndAt: at.Add(time.Hour), Status: "in_progress"}
			if err := s.InTx(ctx, func(tx *storage.Tx) error {
				if err := tx.CreateRelease(r, "U1", ""); err != nil {
					return err
				}
				if err := tx.Transition(r, release.StatusCompleted, "U1", ""); err != nil {
					return err
				}
				return tx.MakeLive(r, "")
			}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		rollback := func(r *storage.Release) {
			if err := s.InTx(ctx, func(tx *storage.Tx) error {
				if err := tx.Transition(r, release.StatusRolledBack, "U1", ""); err != nil {
					return err
				}
				_, err := tx.RestoreLive(r)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		live := func() string {
			l, err := s.LiveNow(ctx, "payments", "")
			if err != nil || len(l) > 1 {
				t.Fatalf("live %v, %v", l, err)
			}
			if len(l) == 0 {
				return "nothing"
			}
			return l[0].Version
		}
		a := complete("1.0.0")
		b := complete("1.1.0")
		c := complete("1.2.0")
		if got := live(); got != "1.2.0" {
			t.Fatalf("after three completions %s is live", got)
		}
		rollback(c)
		if got := live(); got != "1.1.0" {
			t.Fatalf("after rolling back 1.2.0, %s is live", got)
		}
		rollback(b)
		if got := live(); got != "1.0.0" {
			t.Fatalf("after rolling back 1.1.0 too, %s is live; want 1.0.0, not the rolled-back 1.2.0", got)
		}
		rollback(a)
		if got := live(); got != "nothing" {
			t.Fatalf("after rolling back everything, %s is live", got)
		}
	})
}
