package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Working hours in an approver's own time zone, when nudges may be sent.
const (
	workdayStart = 9
	workdayEnd   = 18
	// escalateBefore is how close to its start an unapproved release has
	// the admins told.
	escalateBefore = 2 * time.Hour
	digestDays     = 7
)

// NudgeApprovers reminds approvers who have not decided, once per
// APPROVAL_NUDGE_INTERVAL since the round opened, during their working
// hours, and tells the admins about releases close to their start without
// approval. It only enqueues under unique keys, so every replica may run it.
func (s *Service) NudgeApprovers(ctx context.Context) error {
	now := s.now()
	rounds, err := s.store.OpenRoundsWithReleases(ctx)
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
		n := int(now.Sub(round.OpenedAt) / s.cfg.NudgeInterval)
		for _, a := range round.Approvers {
			if decided[a.UserID] || n < 1 || !s.workingHours(ctx, a.UserID, now) {
				continue
			}
			text := fmt.Sprintf(":wave: A reminder: %s → %s starts %s and waits for your decision (%s).",
				name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}"), progressText(&round))
			approver := a.ID
			added, err := s.store.Enqueue(ctx, &storage.OutboxMessage{
				Key: fmt.Sprintf("nudge:%d:%d", a.ID, n), Kind: kindNudge, ReleaseID: &r.ID, RefID: &approver, Channel: a.UserID, Op: storage.OpPost,
				Payload: bot.MustJSON(bot.Message{Text: "Reminder: " + plainName(r) + " waits for your decision",
					Blocks: []slack.Block{bot.Section(text), decisionButtons(round.ID, "")}}),
			})
			if err != nil {
				return err
			}
			if added {
				enqueued++
			}
		}
		if r.StartAt.Sub(now) <= escalateBefore {
			for _, admin := range s.cfg.Admins {
				text := fmt.Sprintf(":rotating_light: %s → %s starts %s and is still not approved (%s). Owner: %s.",
					name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{time}"), progressText(&round), bot.Mention(r.OwnerID))
				roundID := round.ID
				added, err := s.store.Enqueue(ctx, &storage.OutboxMessage{
					Key: fmt.Sprintf("escalate:%d:%s", round.ID, admin), Kind: kindEscalation, ReleaseID: &r.ID, RefID: &roundID, Channel: admin, Op: storage.OpPost,
					Payload: bot.MustJSON(bot.Message{Text: "Not approved yet: " + plainName(r), Blocks: []slack.Block{bot.Section(text)}}),
				})
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
		s.wake()
	}
	return nil
}

func (s *Service) workingHours(ctx context.Context, user string, now time.Time) bool {
	local := now.In(s.dir.Location(ctx, user))
	if local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
		return false
	}
	return local.Hour() >= workdayStart && local.Hour() < workdayEnd
}

// SendDigest enqueues the weekly digest of the next 7 days for every
// subscribed channel, once per channel and day.
func (s *Service) SendDigest(ctx context.Context) error {
	now := s.now()
	channels, err := s.store.SubscribedChannels(ctx)
	if err != nil || len(channels) == 0 {
		return err
	}
	subs, err := s.store.Subscriptions(ctx, channels...)
	if err != nil {
		return err
	}
	rows, _, err := s.store.Releases(ctx, storage.ReleaseFilter{From: now, To: now.AddDate(0, 0, digestDays),
		Statuses: []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress}})
	if err != nil {
		return err
	}
	freezes, err := s.store.Freezes(ctx, now, now.AddDate(0, 0, digestDays))
	if err != nil {
		return err
	}
	day := now.In(s.cfg.DefaultTimezone).Format("2006-01-02")
	for _, ch := range channels {
		var mine []storage.Release
		for _, r := range rows {
			if subscribed(subs, ch, r.Service, r.Environment) {
				mine = append(mine, r)
			}
		}
		blocks, text := calendarBlocks(mine, freezes, startOfDay(now.In(s.cfg.DefaultTimezone)), digestDays, s.cfg.DefaultTimezone)
		blocks[0] = bot.Section(fmt.Sprintf(":calendar: *Release digest — the next %d days* (%d release%s for this channel's subscriptions)", digestDays, len(mine), plural(len(mine))))
		if _, err := s.store.Enqueue(ctx, &storage.OutboxMessage{
			Key: "digest:" + ch + ":" + day, Kind: kindDigest, Channel: ch, Op: storage.OpPost,
			Payload: bot.MustJSON(bot.Message{Text: strings.Replace(text, "Release calendar", "Weekly release digest", 1), Blocks: blocks}),
		}); err != nil {
			return err
		}
	}
	s.wake()
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
	_, err := s.store.PruneDeliveries(ctx, s.now().Add(-24*time.Hour))
	return err
}
