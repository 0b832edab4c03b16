package storage

import (
	"context"
	"time"

	"github.com/releasebot/releasebot/release"
)

// StaleReleases lists, oldest window first, up to limit releases that
// still await approval or a resubmission although their window ended by
// now (release.Expires).
func (s *Store) StaleReleases(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Release{}).
		Where("status IN ? AND end_at <= ?", []string{string(release.StatusPlanned), string(release.StatusRejected)}, now.UTC()).
		Order("end_at, id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err, "list stale releases")
}

// Owners maps each of the releases to its owner.
func (tx *Tx) Owners(ids []int64) (map[int64]string, error) {
	var rows []Release
	err := tx.db.Select("id, owner_id").Where("id IN ?", ids).Find(&rows).Error
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.OwnerID
	}
	return out, translate(err, "read owners")
}

// SetSubscriptionLevel changes the level of an existing subscription.
func (tx *Tx) SetSubscriptionLevel(service, env, target, level string) error {
	err := tx.db.Model(&Subscription{}).Where("service = ? AND environment = ? AND target = ?", service, env, target).Update("level", level).Error
	return translate(err, "set subscription level")
}

// StakeholdersOf lists the stakeholders of a service.
func (tx *Tx) StakeholdersOf(service string) ([]Stakeholder, error) {
	var out []Stakeholder
	err := tx.db.Where("service = ?", service).Order("user_id").Find(&out).Error
	return out, translate(err, "read stakeholders")
}

// UserZones maps the users whose profile is cached to their Slack time
// zone name.
func (tx *Tx) UserZones(ids []string) (map[string]string, error) {
	var rows []UserProfile
	err := tx.db.Select("user_id, tz").Where("user_id IN ?", ids).Find(&rows).Error
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		if p.TZ != "" {
			out[p.UserID] = p.TZ
		}
	}
	return out, translate(err, "read time zones")
}
