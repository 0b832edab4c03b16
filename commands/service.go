// Package commands holds releasebot's capabilities: each file takes parsed
// Slack requests for one area (planning, approvals, subscriptions, …) and
// returns what to show. State changes go through storage in one
// transaction each, together with the notifications they cause.
package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/outboxadmin"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Options configures New.
type Options struct {
	Config config.Config
	Store  *storage.Store
	API    *bot.API
	Clock  func() time.Time
	Logger *slog.Logger
	// Wake tells the outbox that new messages are waiting.
	Wake func()
}

// Service serves every /release capability.
type Service struct {
	cfg   config.Config
	store *storage.Store
	api   *bot.API
	now   func() time.Time
	log   *slog.Logger
	wake  func()
	dir   *Directory
}

// New builds the service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	return &Service{
		cfg: o.Config, store: o.Store, api: o.API, now: func() time.Time { return o.Clock().UTC() },
		log: o.Logger, wake: o.Wake,
		dir: NewDirectory(o.API, o.Store, o.Config.DefaultTimezone, o.Clock, o.Logger),
	}
}

// Register puts every capability on the router, in the order the help
// lists them.
func (s *Service) Register(r *bot.Router) {
	s.registerPlanning(r)
	s.registerLifecycle(r)
	s.registerApprovals(r)
	s.registerSubscriptions(r)
	s.registerHome(r)
	outboxadmin.New(outboxadmin.Options{Store: s.store, IsAdmin: s.isAdmin, Wake: s.wake, Logger: s.log}).Register(r)
}

func (s *Service) isAdmin(user string) bool { return s.cfg.IsAdmin(user) }

// inTx runs a change and wakes the outbox after it committed.
func (s *Service) inTx(ctx context.Context, fn func(tx *storage.Tx) error) error {
	if err := s.store.InTx(ctx, fn); err != nil {
		return err
	}
	s.wake()
	return nil
}

// loadRelease reads a release by the id the user typed and turns a miss into
// a message the user can act on.
func (s *Service) loadRelease(ctx context.Context, typed string) (*storage.Release, error) {
	id, err := release.ParseID(typed)
	if err != nil {
		return nil, bot.Userf("%s.", capitalize(err.Error()))
	}
	r, err := s.store.Release(ctx, int64(id))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, bot.Userf("There is no release %s. `/release list` shows the upcoming ones.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", id, err)
	}
	return r, nil
}

// userFacing turns domain refusals into messages and keeps other errors as
// they are.
func userFacing(r *storage.Release, err error) error {
	var te *release.TransitionError
	if errors.As(err, &te) {
		return bot.Userf("%s — %s. Nothing was changed.", name(r), te.Error())
	}
	return err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
