package storage

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// AllServices is the Service of a subscription to every service.
const AllServices = "*"

// SubscribersOf lists the subscriptions that want news of service in env.
func (tx *Tx) SubscribersOf(service, env string) ([]Subscription, error) {
	var out []Subscription
	err := tx.db.Where("service IN ? AND environment IN ?", []string{service, AllServices}, []string{env, ""}).
		Order("id").Find(&out).Error
	return out, translate(err, "read subscribers")
}

// Subscribe adds a subscription; it reports false when it already existed.
func (tx *Tx) Subscribe(sub *Subscription) (bool, error) {
	sub.CreatedAt = tx.Now()
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(sub)
	return res.RowsAffected == 1, translate(res.Error, "subscribe")
}

// Unsubscribe removes a subscription; it reports false when there was none.
func (tx *Tx) Unsubscribe(service, env, target string) (bool, error) {
	res := tx.db.Where("service = ? AND environment = ? AND target = ?", service, env, target).Delete(&Subscription{})
	return res.RowsAffected > 0, translate(res.Error, "unsubscribe")
}

// Subscriptions lists subscriptions; with targets given, only theirs.
func (s *Store) Subscriptions(ctx context.Context, targets ...string) ([]Subscription, error) {
	q := s.db.WithContext(ctx).Order("service, environment, target")
	if len(targets) > 0 {
		q = q.Where("target IN ?", targets)
	}
	var out []Subscription
	return out, translate(q.Find(&out).Error, "list subscriptions")
}

// SubscribedChannels lists every channel with at least one subscription,
// for the weekly digest.
func (s *Store) SubscribedChannels(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&Subscription{}).Where("target_kind = ?", "channel").
		Distinct().Order("target").Pluck("target", &out).Error
	return out, translate(err, "list subscribed channels")
}

// AddStakeholder adds a stakeholder; false when already there.
func (tx *Tx) AddStakeholder(st *Stakeholder) (bool, error) {
	st.CreatedAt = tx.Now()
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(st)
	return res.RowsAffected == 1, translate(res.Error, "add stakeholder")
}

// RemoveStakeholder removes one; false when they were not there.
func (tx *Tx) RemoveStakeholder(service, user string) (bool, error) {
	res := tx.db.Where("service = ? AND user_id = ?", service, user).Delete(&Stakeholder{})
	return res.RowsAffected > 0, translate(res.Error, "remove stakeholder")
}

// Stakeholders lists a service's stakeholders.
func (s *Store) Stakeholders(ctx context.Context, service string) ([]Stakeholder, error) {
	var out []Stakeholder
	err := s.db.WithContext(ctx).Where("service = ?", service).Order("user_id").Find(&out).Error
	return out, translate(err, "list stakeholders")
}

// Freezes lists freeze windows overlapping [from, to); zero times leave the
// range open.
func (s *Store) Freezes(ctx context.Context, from, to time.Time) ([]FreezeWindow, error) {
	return freezes(s.db.WithContext(ctx), from, to)
}

// Freezes reads freezes inside the transaction.
func (tx *Tx) Freezes(from, to time.Time) ([]FreezeWindow, error) { return freezes(tx.db, from, to) }

func freezes(db *gormDB, from, to time.Time) ([]FreezeWindow, error) {
	q := db.Order("start_at, id")
	if !from.IsZero() {
		q = q.Where("end_at > ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("start_at < ?", to.UTC())
	}
	var out []FreezeWindow
	return out, translate(q.Find(&out).Error, "read freezes")
}

// AddFreeze stores a freeze window.
func (tx *Tx) AddFreeze(f *FreezeWindow) error {
	f.StartAt, f.EndAt, f.CreatedAt = f.StartAt.UTC(), f.EndAt.UTC(), tx.Now()
	return translate(tx.db.Create(f).Error, "add freeze")
}

// RemoveFreeze deletes a freeze window and returns it.
func (tx *Tx) RemoveFreeze(id int64) (*FreezeWindow, error) {
	var f FreezeWindow
	if err := tx.forUpdate().First(&f, id).Error; err != nil {
		return nil, translate(err, "read freeze")
	}
	return &f, translate(tx.db.Delete(&f).Error, "remove freeze")
}

// ActiveSlots reads calendar slots inside the transaction.
func (tx *Tx) ActiveSlots(from, to time.Time) ([]Slot, error) { return activeSlots(tx.db, from, to) }
