package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/releasebot/releasebot/release"
	"gorm.io/gorm"
)

// Slot is the release as the calendar rules see it.
func (r *Release) Slot() release.Slot {
	return release.Slot{ID: release.ID(r.ID), Service: r.Service, Version: r.Version, Environment: r.Environment, Start: r.StartAt, End: r.EndAt, Status: release.Status(r.Status),
		Components: ComponentNames(r.Components)}
}

// HumanID is R-<n>.
func (r *Release) HumanID() string { return release.ID(r.ID).String() }

// CreateRelease inserts a release with its components and the audit entry.
func (tx *Tx) CreateRelease(r *Release, actor, details string) error {
	r.StartAt, r.EndAt = r.StartAt.UTC(), r.EndAt.UTC()
	if r.Revision == 0 {
		r.Revision = 1
	}
	if err := tx.db.Create(r).Error; err != nil {
		return translate(err, "create release")
	}
	return tx.Audit(actor, "created", r.ID, details)
}

// LockRelease reads a release with its components and keeps it locked until
// the transaction ends, so concurrent changes apply one after the other.
func (tx *Tx) LockRelease(id int64) (*Release, error) {
	var r Release
	if err := tx.forUpdate().First(&r, id).Error; err != nil {
		return nil, translate(err, release.ID(id).String())
	}
	if err := tx.db.Where("release_id = ?", id).Order("id").Find(&r.Components).Error; err != nil {
		return nil, translate(err, "read components")
	}
	return &r, nil
}

// SaveRelease writes every field of a locked release and bumps its
// revision, which outdates approval rounds opened for the earlier one.
func (tx *Tx) SaveRelease(r *Release) error {
	r.StartAt, r.EndAt = r.StartAt.UTC(), r.EndAt.UTC()
	r.Revision++
	r.UpdatedAt = tx.Now()
	if err := tx.db.Omit("Components", "CreatedAt").Save(r).Error; err != nil {
		return translate(err, "save release")
	}
	return nil
}

// SetAnnouncement records where a release's announcement lives. It does not
// bump the revision: where the message is says nothing about the change.
func (tx *Tx) SetAnnouncement(releaseID int64, channel, ts string) error {
	err := tx.db.Model(&Release{}).Where("id = ?", releaseID).
		Updates(map[string]any{"channel": channel, "announcement_ts": ts}).Error
	return translate(err, "record announcement")
}

// ReplaceComponents sets a release's components to comps.
func (tx *Tx) ReplaceComponents(releaseID int64, comps []ReleaseComponent) error {
	if err := tx.db.Where("release_id = ?", releaseID).Delete(&ReleaseComponent{}).Error; err != nil {
		return translate(err, "replace components")
	}
	for i := range comps {
		comps[i].ID = 0
		comps[i].ReleaseID = releaseID
	}
	if len(comps) == 0 {
		return nil
	}
	return translate(tx.db.Create(&comps).Error, "replace components")
}

// Transition moves a locked release to status `to` if the lifecycle allows
// it, and records who did it and why. The caller's transaction commits both.
func (tx *Tx) Transition(r *Release, to release.Status, actor, details string) error {
	from := release.Status(r.Status)
	if err := release.CheckTransition(from, to); err != nil {
		return fmt.Errorf("%s: %w", r.HumanID(), err)
	}
	now := tx.Now()
	r.Status = string(to)
	switch to {
	case release.StatusInProgress:
		r.StartedAt = &now
	case release.StatusCompleted, release.StatusFailed, release.StatusRolledBack, release.StatusCancelled:
		r.FinishedAt = &now
	}
	if err := tx.SaveRelease(r); err != nil {
		return err
	}
	action := "status:" + string(to)
	if details == "" {
		details = fmt.Sprintf("%s → %s", from, to)
	} else {
		details = fmt.Sprintf("%s → %s: %s", from, to, details)
	}
	return tx.Audit(actor, action, r.ID, details)
}

// Release reads one release with its components.
func (s *Store) Release(ctx context.Context, id int64) (*Release, error) {
	var r Release
	db := s.db.WithContext(ctx)
	if err := db.Preload("Components", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).First(&r, id).Error; err != nil {
		return nil, translate(err, release.ID(id).String())
	}
	return &r, nil
}

// ReleaseFilter selects releases for lists and the calendar.
type ReleaseFilter struct {
	// Overlapping keeps releases whose window overlaps [From, To).
	From, To    time.Time
	Statuses    []release.Status
	Service     string
	Environment string
	// Newest orders by start time descending instead of ascending.
	Newest bool
	Limit  int
	Offset int
}

// Releases lists releases matching f, with their components, and the
// number of matches without Limit/Offset.
func (s *Store) Releases(ctx context.Context, f ReleaseFilter) ([]Release, int64, error) {
	q := s.db.WithContext(ctx).Model(&Release{})
	if !f.From.IsZero() {
		q = q.Where("end_at > ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("start_at < ?", f.To.UTC())
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", statusStrings(f.Statuses))
	}
	if f.Service != "" {
		q = q.Where("service = ?", f.Service)
	}
	if f.Environment != "" {
		q = q.Where("environment = ?", f.Environment)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "count releases")
	}
	order := "start_at, id"
	if f.Newest {
		order = "start_at DESC, id DESC"
	}
	q = q.Order(order)
	if f.Limit > 0 {
		q = q.Limit(f.Limit).Offset(f.Offset)
	}
	var out []Release
	err := q.Preload("Components", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Find(&out).Error
	return out, total, translate(err, "list releases")
}

// ActiveSlots lists the calendar slots of active releases overlapping
// [from, to), for conflict checks and suggestions.
func (s *Store) ActiveSlots(ctx context.Context, from, to time.Time) ([]Slot, error) {
	return activeSlots(s.db.WithContext(ctx), from, to)
}

// Overlapping lists the active releases a candidate slot may conflict
// with: those of its service or its environment, or sharing one of its
// components, whose window overlaps it (release.Conflicts decides). No
// window is longer than release.MaxDuration, which bounds the start times
// to read, so the query reads a short range of idx_releases_env_start and
// idx_releases_service_start (environment or service, start, end) rather
// than every earlier release, and skips in the index those that ended.
func (tx *Tx) Overlapping(slot Slot) ([]Slot, error) {
	from, to := slot.Start.UTC(), slot.End.UTC()
	lower := from.Add(-release.MaxDuration)
	near := tx.db.Where("environment = ? AND start_at > ? AND start_at < ?", slot.Environment, lower, to).
		Or("service = ? AND start_at > ? AND start_at < ?", slot.Service, lower, to)
	if len(slot.Components) > 0 {
		sharing := tx.db.Model(&ReleaseComponent{}).Select("release_id").Where("name IN ?", slot.Components)
		near = near.Or("id IN (?) AND start_at > ? AND start_at < ?", sharing, lower, to)
	}
	var rows []Release
	err := tx.db.Select("id, service, version, environment, start_at, end_at, status").
		Where(near).Where("end_at > ? AND status IN ?", from, activeStatuses()).
		Order("start_at, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read calendar")
	}
	if err := loadComponents(tx.db, rows); err != nil {
		return nil, err
	}
	return slotsOf(rows), nil
}

// slotsOf is releases as the calendar rules see them.
func slotsOf(rows []Release) []Slot {
	out := make([]Slot, len(rows))
	for i := range rows {
		out[i] = rows[i].Slot()
	}
	return out
}

// Slot is a release as the calendar rules see it.
type Slot = release.Slot

type gormDB = gorm.DB

func activeSlots(db *gorm.DB, from, to time.Time) ([]Slot, error) {
	var rows []Release
	err := db.Select("id, service, version, environment, start_at, end_at, status").
		Where("end_at > ? AND start_at < ? AND status IN ?", from.UTC(), to.UTC(), activeStatuses()).
		Order("start_at, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read calendar")
	}
	if err := loadComponents(db, rows); err != nil {
		return nil, err
	}
	return slotsOf(rows), nil
}

func activeStatuses() []string {
	var out []string
	for _, s := range release.Statuses {
		if s.Active() {
			out = append(out, string(s))
		}
	}
	return out
}

func statusStrings(ss []release.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
