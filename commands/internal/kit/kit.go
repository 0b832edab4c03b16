// Package kit is what every capability of /release shares: the
// dependency bundle, loading a release by the id people type, the
// retryable transaction, parsing of arguments, the rendering several
// capabilities show (release names, dates, mentions, cards, progress) and
// the words for the release rules' refusals.
package kit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Deps is what the capabilities need from outside.
type Deps struct {
	Config config.Config
	Store  *storage.Store
	API    *bot.API
	Log    *slog.Logger
	// Wake tells the outbox that new messages are waiting.
	Wake func()
	// Dir knows each user's time zone.
	Dir   *Directory
	clock func() time.Time
}

// NewDeps fills in the defaults: the real clock, the default logger, an
// outbox that needs no waking.
func NewDeps(cfg config.Config, store *storage.Store, api *bot.API, clock func() time.Time, log *slog.Logger, wake func()) *Deps {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if wake == nil {
		wake = func() {}
	}
	return &Deps{Config: cfg, Store: store, API: api, Log: log, Wake: wake, clock: clock,
		Dir: NewDirectory(api, store, cfg.DefaultTimezone, clock, log)}
}

// Now is the bot's clock, in UTC.
func (d *Deps) Now() time.Time { return d.clock().UTC() }

// IsAdmin reports whether user is in ADMINS.
func (d *Deps) IsAdmin(user string) bool { return d.Config.IsAdmin(user) }

// MayManage reports whether user may change r: its owner and admins may.
func (d *Deps) MayManage(user string, r *storage.Release) bool {
	return user == r.OwnerID || d.IsAdmin(user)
}

// LoadRelease reads a release by the id the user typed and turns a miss
// into a message the user can act on.
func (d *Deps) LoadRelease(ctx context.Context, typed string) (*storage.Release, error) {
	id, err := release.ParseID(typed)
	if err != nil {
		return nil, bot.Userf("%s.", Capitalize(err.Error()))
	}
	r, err := d.Store.Release(ctx, int64(id))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, bot.Userf("There is no release %s. `/release list` shows the upcoming ones.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	return r, nil
}

// InTx runs a change in one transaction and returns what it produced. The
// transaction runs again, from the start, when the database rolls it back
// for contention (a deadlock, a serialization failure, SQLite busy), with
// the outbox's retry policy; so fn returns its results rather than setting
// variables outside, and reads the time from now, which is the
// transaction's one reading of the clock. The outbox is woken once the
// change committed.
//
// The first change a user action makes also records the action
// (bot.DeliveryFrom) in the same transaction: a redelivered envelope then
// finds it and changes nothing (bot.ErrDuplicate), and a change rolled
// back leaves no record, so that a redelivery can try again.
func InTx[T any](ctx context.Context, d *Deps, fn func(tx *storage.Tx, now time.Time) (T, error)) (T, error) {
	var out T
	claim := bot.DeliveryFrom(ctx)
	if claim != nil && claim.Recorded() {
		claim = nil
	}
	err := d.Store.InTxRetry(ctx, func(tx *storage.Tx) error {
		if claim != nil {
			first, err := tx.RecordDelivery(claim.Key())
			if err != nil {
				return err
			}
			if !first {
				return bot.ErrDuplicate
			}
		}
		var err error
		out, err = fn(tx, tx.Now())
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	if claim != nil {
		claim.MarkRecorded()
	}
	d.Wake()
	return out, nil
}
