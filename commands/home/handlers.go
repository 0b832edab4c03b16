// Package home is the App Home: a user's pending decisions with their
// buttons, their coming releases and the next week for everyone.
package home

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// EventOpened is the event that asks for the Home.
const EventOpened = "app_home_opened"

// Service publishes the App Home.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Opened publishes the Home of the user who opened it.
func (s *Service) Opened(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if req.UserID == "" {
		return nil, nil
	}
	return nil, s.Publish(ctx, req.UserID)
}

// homeSection bounds how many entries each part of the Home tab lists.
const homeSection = 10

// Publish renders the user's App Home: their pending decisions with
// buttons, their own coming releases, and the next week for everyone.
func (s *Service) Publish(ctx context.Context, user string) error {
	now := s.Now()
	blocks := []slack.Block{bot.Header("Releases"), bot.Context("Updated " + bot.Date(now, "{date_short_pretty} at {time}") + " · `/release help` lists every command")}

	pending, err := s.Store.PendingFor(ctx, user)
	if err != nil {
		return err
	}
	blocks = append(blocks, bot.Section(fmt.Sprintf("*Waiting for your decision* (%d)", len(pending))))
	if len(pending) == 0 {
		blocks = append(blocks, bot.Context("Nothing to decide. :sparkles:"))
	}
	for i, round := range pending {
		if i == homeSection {
			blocks = append(blocks, bot.Context(fmt.Sprintf("…and %d more: `/release approvals`", len(pending)-i)))
			break
		}
		r, err := s.Store.Release(ctx, round.ReleaseID)
		if err != nil {
			return err
		}
		full, err := s.Store.Round(ctx, round.ID)
		if err != nil {
			return err
		}
		blocks = append(blocks, bot.Section(kit.ReleaseLine(r)+"\n"+kit.ProgressText(full)), kit.ListDecisionButtons(round.ID, r))
	}

	active := []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress}
	mine, _, err := s.Store.Releases(ctx, storage.ReleaseFilter{From: now, Statuses: active, Limit: 50})
	if err != nil {
		return err
	}
	var own []string
	for i := range mine {
		if mine[i].OwnerID == user && len(own) < homeSection {
			own = append(own, kit.ReleaseLine(&mine[i]))
		}
	}
	blocks = append(blocks, bot.Divider(), bot.Section(fmt.Sprintf("*Your coming releases* (%d)", len(own))))
	if len(own) == 0 {
		blocks = append(blocks, bot.Context("None. Plan one with `/release new`."))
	} else {
		blocks = append(blocks, kit.PackLines(own, 5)...)
	}

	week, total, err := s.Store.Releases(ctx, storage.ReleaseFilter{From: now, To: now.Add(7 * 24 * time.Hour), Statuses: active, Limit: homeSection})
	if err != nil {
		return err
	}
	blocks = append(blocks, bot.Divider(), bot.Section(fmt.Sprintf("*The next 7 days* (%d)", total)))
	var lines []string
	for i := range week {
		lines = append(lines, kit.ReleaseLine(&week[i]))
	}
	if int(total) > len(week) {
		lines = append(lines, fmt.Sprintf("…and %d more: `/release calendar days=7`", int(total)-len(week)))
	}
	if len(lines) == 0 {
		blocks = append(blocks, bot.Context("Nothing planned."))
	} else {
		blocks = append(blocks, kit.PackLines(lines, 5)...)
	}
	if len(blocks) > bot.MaxViewBlocks {
		blocks = blocks[:bot.MaxViewBlocks]
	}
	return s.API.PublishHome(ctx, user, slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}})
}
