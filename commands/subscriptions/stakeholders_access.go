package subscriptions

import (
	"context"

	"github.com/releasebot/releasebot/bot"
)

// mayChangeStakeholders lets admins and the owners of a service's releases
// change who is surveyed after them; anyone else is refused.
func (s *Service) mayChangeStakeholders(ctx context.Context, user, service string) error {
	if s.IsAdmin(user) {
		return nil
	}
	owns, err := s.Store.OwnsReleaseOf(ctx, user, service)
	if err != nil {
		return err
	}
	if !owns {
		s.Log.Info("stakeholder change refused", "user", user, "service", service)
		return bot.Userf("Only admins and owners of %s's releases can change its stakeholders. `/release stakeholders list %s` shows who they are.", bot.Escape(service), bot.Escape(service))
	}
	return nil
}
