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
	"github.com/releasebot/releasebot/commands/metrics"
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

// homeFigureDays is the period of the Home's key figures.
const homeFigureDays = 30

// homeSection bounds how many entries each part of the Home tab lists.
const homeSection = 10

// Publish renders the user's App Home: their pending decisions with
// buttons, their own coming releases, and the next week for everyone.
func (s *Service) Publish(ctx context.Context, user string) error {
	d, err := s.load(ctx, user)
	if err != nil {
		return err
	}
	return s.API.PublishHome(ctx, user, slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: homeView(d)}})
}

// load reads what the user's Home shows.
func (s *Service) load(ctx context.Context, user string) (homeData, error) {
	d := homeData{now: s.Now()}
	pending, err := s.Store.PendingFor(ctx, user)
	if err != nil {
		return d, err
	}
	d.pendingTotal = len(pending)
	for i, round := range pending {
		if i == homeSection {
			break
		}
		r, err := s.Store.Release(ctx, round.ReleaseID)
		if err != nil {
			return d, err
		}
		full, err := s.Store.Round(ctx, round.ID)
		if err != nil {
			return d, err
		}
		d.pending = append(d.pending, decision{r, full})
	}
	active := []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress}
	mine, _, err := s.Store.Releases(ctx, storage.ReleaseFilter{From: d.now, Statuses: active, Limit: 50})
	if err != nil {
		return d, err
	}
	for i := range mine {
		if mine[i].OwnerID == user && len(d.own) < homeSection {
			d.own = append(d.own, mine[i])
		}
	}
	d.week, d.weekTotal, err = s.Store.Releases(ctx, storage.ReleaseFilter{From: d.now, To: d.now.Add(7 * 24 * time.Hour), Statuses: active, Limit: homeSection})
	if err != nil {
		return d, err
	}
	res, err := metrics.New(s.Deps).Figures(ctx, metrics.Scope{Days: homeFigureDays})
	d.figures = metrics.Block(fmt.Sprintf("Key figures, last %d days, all services", homeFigureDays), res)
	return d, err
}
