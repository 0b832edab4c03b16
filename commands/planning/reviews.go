package planning

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// withOpenActions adds to what the planner reads the open follow-up
// actions of the service's earlier reviews. Failing to read them costs
// the planner the note, not the release they just planned.
func (s *Service) withOpenActions(ctx context.Context, service, text string) string {
	actions, err := s.Store.ReviewActions(ctx, "", service, false)
	if err != nil {
		s.Log.Warn("reading open actions for the planner", "service", service, "err", err)
		return text
	}
	if note := delivery.OpenActionsNote(service, actions); note != "" {
		return text + "\n" + note
	}
	return text
}

// withReview adds the release's post-release review to what show shows.
func (s *Service) withReview(ctx context.Context, r *storage.Release, blocks []slack.Block) ([]slack.Block, error) {
	rv, err := s.Store.ReviewOf(ctx, r.ID)
	if err != nil || rv == nil {
		return blocks, err
	}
	room := bot.MaxMessageBlocks - len(blocks) - 1
	return append(blocks, kit.PackLines(delivery.ReviewLines(rv), room)...), nil
}
