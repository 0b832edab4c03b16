package storage

import (
	"context"
	"time"
)

// CalendarFeed is a person's token for the iCalendar feed, kept as its
// SHA-256: the secret is shown once and never stored.
type CalendarFeed struct {
	ID        int64     `gorm:"primaryKey"`
	UserID    string    `gorm:"size:32;not null;uniqueIndex:idx_calendar_feeds_user"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex:idx_calendar_feeds_hash"`
	CreatedAt time.Time `gorm:"not null"`
}

// ReplaceCalendarFeed gives user a new feed token; the old one stops
// working.
func (tx *Tx) ReplaceCalendarFeed(user, hash string) error {
	if err := tx.db.Where("user_id = ?", user).Delete(&CalendarFeed{}).Error; err != nil {
		return translate(err, "replace calendar feed")
	}
	return translate(tx.db.Create(&CalendarFeed{UserID: user, Hash: hash, CreatedAt: tx.Now()}).Error, "create calendar feed")
}

// RevokeCalendarFeed removes user's feed token and reports whether there
// was one.
func (tx *Tx) RevokeCalendarFeed(user string) (bool, error) {
	res := tx.db.Where("user_id = ?", user).Delete(&CalendarFeed{})
	return res.RowsAffected == 1, translate(res.Error, "revoke calendar feed")
}

// CalendarFeedByHash finds a feed token by its hash.
func (s *Store) CalendarFeedByHash(ctx context.Context, hash string) (*CalendarFeed, error) {
	var out CalendarFeed
	return &out, translate(s.db.WithContext(ctx).Where("hash = ?", hash).First(&out).Error, "read calendar feed")
}
