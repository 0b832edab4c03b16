package kit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
	"gorm.io/gorm/clause"
)

// profileTTL is how long a user's time zone is trusted before it is read
// again; people rarely move, and users.info is rate limited.
const profileTTL = 12 * time.Hour

// Directory knows each user's time zone, from Slack's users.info, cached in
// memory and in the database so replicas and restarts share it.
type Directory struct {
	api      *bot.API
	store    *storage.Store
	fallback *time.Location
	now      func() time.Time
	log      *slog.Logger

	mu    sync.Mutex
	cache map[string]storage.UserProfile
}

// NewDirectory builds a directory.
func NewDirectory(api *bot.API, store *storage.Store, fallback *time.Location, now func() time.Time, log *slog.Logger) *Directory {
	if fallback == nil {
		fallback = time.UTC
	}
	return &Directory{api: api, store: store, fallback: fallback, now: now, log: log, cache: map[string]storage.UserProfile{}}
}

// Location is the user's time zone; when Slack cannot tell, it is the
// team's default zone, so a command never fails for want of it.
func (d *Directory) Location(ctx context.Context, user string) *time.Location {
	p, err := d.profile(ctx, user)
	if err != nil || p.TZ == "" {
		if err != nil {
			d.log.Warn("time zone unknown; using the default", "user", user, "err", err)
		}
		return d.fallback
	}
	loc, err := time.LoadLocation(p.TZ)
	if err != nil {
		return d.fallback
	}
	return loc
}

func (d *Directory) profile(ctx context.Context, user string) (storage.UserProfile, error) {
	now := d.now()
	d.mu.Lock()
	p, ok := d.cache[user]
	d.mu.Unlock()
	if ok && now.Sub(p.FetchedAt) < profileTTL {
		return p, nil
	}
	db := d.store.Gorm(ctx)
	var stored storage.UserProfile
	if err := db.Where("user_id = ?", user).Take(&stored).Error; err == nil && now.Sub(stored.FetchedAt) < profileTTL {
		d.Remember(stored)
		return stored, nil
	}
	u, err := d.api.UserInfo(ctx, user)
	if err != nil {
		if ok {
			return p, nil // a stale answer beats none
		}
		return storage.UserProfile{}, err
	}
	if u == nil {
		return storage.UserProfile{}, errors.New("users.info returned no user")
	}
	fresh := storage.UserProfile{UserID: user, Name: u.RealName, TZ: u.TZ, FetchedAt: now}
	err = db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&fresh).Error
	if err != nil {
		d.log.Warn("could not cache user profile", "user", user, "err", err)
	}
	d.Remember(fresh)
	return fresh, nil
}

// Remember keeps a profile, as if just read from Slack.
func (d *Directory) Remember(p storage.UserProfile) {
	d.mu.Lock()
	d.cache[p.UserID] = p
	d.mu.Unlock()
}
