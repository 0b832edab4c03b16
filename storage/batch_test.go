package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// A change's audit entries and outbox rows are written when it is done, in
// the order of the calls; the change sees its own entries, a key queued
// twice is added once, and a change that fails writes none of them.
func TestChangeWritesItsRowsTogether(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, _ := openAt(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("billing"))
		msg := func(key string) *storage.OutboxMessage {
			return &storage.OutboxMessage{Key: key, Kind: "direct", ReleaseID: &r.ID, Channel: "U1", Op: storage.OpPost, Payload: `{"text":"x"}`}
		}
		err := s.InTx(ctx, func(tx *storage.Tx) error {
			for _, step := range []func() error{
				func() error { return tx.Audit("U1", "one", r.ID, "") },
				func() error { _, err := tx.Enqueue(msg("b:1")); return err },
				func() error { _, err := tx.Replan(msg("b:2")); return err },
				func() error { _, err := tx.Enqueue(msg("b:3")); return err },
				func() error { _, err := tx.Enqueue(msg("b:1")); return err },
				func() error { return tx.Audit("U1", "two", r.ID, "") },
			} {
				if err := step(); err != nil {
					return err
				}
			}
			trail, err := tx.AuditTrail(r.ID)
			if err != nil || len(trail) < 2 || trail[len(trail)-1].Action != "two" {
				t.Errorf("the change does not see its own entries: %+v %v", trail, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.OutboxMessages(ctx, r.ID, "direct")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for i, m := range rows {
			keys = append(keys, m.Key)
			if i > 0 && m.ID <= rows[i-1].ID {
				t.Errorf("ids out of order: %v", rows)
			}
		}
		if len(keys) != 3 || keys[0] != "b:1" || keys[1] != "b:2" || keys[2] != "b:3" {
			t.Fatalf("outbox rows %v, want b:1 b:2 b:3 in that order", keys)
		}
		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx *storage.Tx) error {
			_, _ = tx.Enqueue(msg("b:failed"))
			_ = tx.Audit("U1", "failed", r.ID, "")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if rows, _ := s.OutboxMessages(ctx, r.ID, "direct"); len(rows) != 3 {
			t.Fatalf("a failed change wrote outbox rows: %d", len(rows))
		}
		trail, _ := s.AuditTrail(ctx, r.ID)
		for _, e := range trail {
			if e.Action == "failed" {
				t.Fatal("a failed change wrote its audit entry")
			}
		}
	})
}
