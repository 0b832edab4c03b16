// Package digest holds the scheduled jobs: approval nudges and
// escalations, the weekly digest, and pruning of handled envelopes. The
// cadence is release.NudgeNumber, release.WorkingHours and
// release.Escalate.
package digest

import (
	"context"
	"time"

	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/commands/metrics"
	"github.com/releasebot/releasebot/commands/planning"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// digestDays is how far ahead the weekly digest looks.
const digestDays = 7

// Service runs the scheduled jobs.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// NudgeApprovers reminds approvers who have not decided, once per
// APPROVAL_NUDGE_INTERVAL since the round opened, during their working
// hours, and tells the admins about releases close to their start without
// approval. It only enqueues under unique keys, so every replica may run it.
func (s *Service) NudgeApprovers(ctx context.Context) error {
	now := s.Now()
	rounds, err := s.Store.OpenRoundsWithReleases(ctx)
	if err != nil {
		return err
	}
	enqueued := 0
	for _, round := range rounds {
		r := round.Release
		if r == nil || release.Status(r.Status) != release.StatusPlanned || !r.StartAt.After(now) {
			continue
		}
		decided := map[string]bool{}
		for _, d := range round.Decisions {
			decided[d.ApproverID] = true
		}
		n := release.NudgeNumber(round.OpenedAt, now, s.Config.NudgeInterval)
		for _, a := range round.Approvers {
			if decided[a.UserID] || n < 1 || !s.workingHours(ctx, a.UserID, now) {
				continue
			}
			added, err := s.Store.Enqueue(ctx, delivery.Nudge(r.ID, a, n, nudgeMessage(r, &round)))
			if err != nil {
				return err
			}
			if added {
				enqueued++
			}
		}
		if release.Escalate(r.StartAt, now) {
			for _, admin := range s.Config.Admins {
				added, err := s.Store.Enqueue(ctx, delivery.Escalation(r.ID, round.ID, admin, escalationMessage(r, &round)))
				if err != nil {
					return err
				}
				if added {
					enqueued++
				}
			}
		}
	}
	if enqueued > 0 {
		s.Wake()
	}
	return nil
}

func (s *Service) workingHours(ctx context.Context, user string, now time.Time) bool {
	return release.WorkingHours(now.In(s.Dir.Location(ctx, user)))
}

// SendDigest enqueues the weekly digest of the next 7 days for every
// subscribed channel, once per channel and day.
func (s *Service) SendDigest(ctx context.Context) error {
	now := s.Now()
	channels, err := s.Store.SubscribedChannels(ctx)
	if err != nil || len(channels) == 0 {
		return err
	}
	subs, err := s.Store.Subscriptions(ctx, channels...)
	if err != nil {
		return err
	}
	rows, _, err := s.Store.Releases(ctx, storage.ReleaseFilter{From: now, To: now.AddDate(0, 0, digestDays),
		Statuses: []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress}})
	if err != nil {
		return err
	}
	freezes, err := s.Store.Freezes(ctx, now, now.AddDate(0, 0, digestDays))
	if err != nil {
		return err
	}
	lastWeek, err := metrics.New(s.Deps).Figures(ctx, metrics.Scope{Days: digestDays})
	if err != nil {
		return err
	}
	day := now.In(s.Config.DefaultTimezone).Format("2006-01-02")
	for _, ch := range channels {
		var mine []storage.Release
		for _, r := range rows {
			if subscribed(subs, ch, r.Service, r.Environment) {
				mine = append(mine, r)
			}
		}
		msg := digestMessage(mine, freezes, planning.StartOfDay(now.In(s.Config.DefaultTimezone)), s.Config.DefaultTimezone)
		msg.Blocks = append(msg.Blocks, metrics.Block("Last week's figures, all services", lastWeek))
		if _, err := s.Store.Enqueue(ctx, delivery.Digest(ch, day, msg)); err != nil {
			return err
		}
	}
	s.Wake()
	return nil
}

func subscribed(subs []storage.Subscription, target, service, env string) bool {
	for _, sub := range subs {
		if sub.Target == target && (sub.Service == storage.AllServices || sub.Service == service) && (sub.Environment == "" || sub.Environment == env) {
			return true
		}
	}
	return false
}

// Prune forgets handled envelopes after a day; Slack stops redelivering
// within minutes.
func (s *Service) Prune(ctx context.Context) error {
	_, err := s.Store.PruneDeliveries(ctx, s.Now().Add(-24*time.Hour))
	return err
}
