// Package calendarfeed gives each person an iCalendar feed of the coming
// releases and freezes for their own calendar: /release calendar feed
// shows a secret address once (only its hash is kept), /release calendar
// feed revoke ends it. The feed itself is served by httpapi.
package calendarfeed

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// Service serves the feed tokens.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Feed is /release calendar feed [revoke].
func (s *Service) Feed(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	switch strings.ToLower(strings.TrimSpace(req.Args)) {
	case "":
		return s.create(ctx, req.UserID)
	case "revoke":
		return s.revoke(ctx, req.UserID)
	default:
		s.Log.InfoContext(ctx, "calendar feed refused", "kind", "usage")
		return nil, bot.Userf("Usage: `/release calendar feed` for your feed's address, `/release calendar feed revoke` to end it.")
	}
}

func (s *Service) create(ctx context.Context, user string) (*bot.Response, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("make feed token: %w", err)
	}
	secret := "rbc_" + base64.RawURLEncoding.EncodeToString(b)
	_, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (struct{}, error) {
		if err := tx.ReplaceCalendarFeed(user, execution.HashToken(secret)); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, tx.Audit(user, "calendar feed", 0, "a new feed address; any earlier one stopped working")
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply(":calendar: Your calendar feed of coming releases and freezes:\n`%s?token=%s`\nAdd it to your calendar as a subscription, after the bot's address (ask your admins). It is shown only this once; asking again makes a new one and ends this one. `/release calendar feed revoke` ends it.", FeedPath, secret), nil
}

func (s *Service) revoke(ctx context.Context, user string) (*bot.Response, error) {
	had, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (bool, error) {
		had, err := tx.RevokeCalendarFeed(user)
		if err != nil || !had {
			return had, err
		}
		return true, tx.Audit(user, "calendar feed revoke", 0, "")
	})
	if err != nil {
		return nil, err
	}
	if !had {
		return nil, bot.Userf("You have no calendar feed to revoke.")
	}
	return bot.Reply("Your calendar feed is revoked: calendars that used it get nothing more."), nil
}

// FeedPath is where the feed is served.
const FeedPath = "/calendar.ics"
