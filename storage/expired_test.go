package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// Migration 32 lets a release be expired, and still refuses a status the
// lifecycle does not know, on both databases.
func TestReleaseMayExpire(t *testing.T) {
	t.Parallel()
	for _, dialect := range storagetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			s := open(t, storagetest.Fresh(t, dialect))
			db := s.Gorm(context.Background())
			now := time.Now().UTC()
			r := &storage.Release{Service: "billing", Version: "1", Environment: "production", Type: "normal", Risk: "low",
				OwnerID: "U1", CreatedBy: "U1", Channel: "C1", StartAt: now, EndAt: now.Add(time.Hour), Status: "expired", CreatedAt: now, UpdatedAt: now}
			if err := db.Create(r).Error; err != nil {
				t.Fatalf("an expired release: %v", err)
			}
			bad := *r
			bad.ID, bad.Status = 0, "forgotten"
			if err := db.Create(&bad).Error; err == nil {
				t.Fatal("a release with an unknown status was stored")
			}
		})
	}
}
