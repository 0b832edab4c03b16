// Package expiry retires stale releases: a release whose window passed
// while it still awaited approval (or a resubmission) becomes expired
// (release.Expires), leaves the calendar, and its owner is told how to
// plan it again.
package expiry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// batch bounds the releases one run retires; the next run takes the rest.
const batch = 100

// Service runs the expiry job.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Expire retires the stale releases. Every replica may run it: each
// release is locked and checked again, and the owner's message is keyed.
func (s *Service) Expire(ctx context.Context) error {
	ids, err := s.Store.StaleReleases(ctx, s.Now(), batch)
	if err != nil {
		return err
	}
	expired := 0
	for _, id := range ids {
		done, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (bool, error) {
			return expire(tx, id, now)
		})
		if err != nil {
			return fmt.Errorf("expire %s: %w", release.ID(id), err)
		}
		if done {
			expired++
		}
	}
	if expired > 0 {
		s.Log.Info("releases expired", "n", expired)
		s.Wake()
	}
	return nil
}

// expire retires one release if it is still stale, with its audit line,
// its closed rounds, its announcement, thread, subscribers and owner told.
func expire(tx *storage.Tx, id int64, now time.Time) (bool, error) {
	r, err := tx.LockRelease(id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !release.Expires(release.Status(r.Status), r.EndAt, now) {
		return false, nil
	}
	if err := tx.Transition(r, release.StatusExpired, kit.PolicyActor, "its window passed before it was approved"); err != nil {
		return false, err
	}
	if err := approvals.Supersede(tx, r, "the release expired: its window passed"); err != nil {
		return false, err
	}
	if err := delivery.RecordChange(tx, r, delivery.EvExpired, kit.PolicyActor, ""); err != nil {
		return false, err
	}
	return true, delivery.Direct(tx, fmt.Sprintf("expired:%d", r.ID), r.ID, r.OwnerID, ownerMessage(r))
}
