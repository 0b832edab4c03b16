package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// The calendar's slots carry their releases' component names, in and out
// of a transaction, so that overlaps through a shared component are seen.
func TestActiveSlotsCarryComponents(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, err := storage.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		for i, comps := range [][]storage.ReleaseComponent{{{Name: "api", Version: "1"}, {Name: "db", Version: "2"}}, nil} {
			r := &storage.Release{Service: fmt.Sprintf("svc%d", i), Version: "1.0", Environment: "production", Type: "normal", Risk: "low",
				OwnerID: "U1", CreatedBy: "U1", Channel: "C1", StartAt: at, EndAt: at.Add(time.Hour), Status: "planned", Components: comps}
			if err := s.InTx(ctx, func(tx *storage.Tx) error { return tx.CreateRelease(r, "U1", "") }); err != nil {
				t.Fatal(err)
			}
		}
		describe := func(slots []storage.Slot) string {
			out := ""
			for _, sl := range slots {
				out += fmt.Sprintf("%s%v ", sl.Service, sl.Components)
			}
			return out
		}
		slots, err := s.ActiveSlots(ctx, at, at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(slots); got != "svc0[api db] svc1[] " {
			t.Fatalf("slots %q", got)
		}
		if err := s.InTx(ctx, func(tx *storage.Tx) error {
			slots, err = tx.ActiveSlots(at, at.Add(time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := describe(slots); got != "svc0[api db] svc1[] " {
			t.Fatalf("slots in a transaction %q", got)
		}
	})
}
