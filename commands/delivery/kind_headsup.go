package delivery

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const headsUpName = "heads_up"

// HeadsUpLead is how long before its start the people affected by an
// approved release hear about it once more, with its impact and window.
const HeadsUpLead = 24 * time.Hour

// headsUpKind is the heads-up to a subscriber or stakeholder before an
// approved release starts. It is planned when the release is approved,
// for HeadsUpLead before its start (or at once when that has passed),
// keyed by the start, and dropped when the release moves or is no longer
// approved.
type headsUpKind struct{}

func (headsUpKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: headsUpName, Ordering: storage.PerDestination}
}

// planHeadsUps plans the heads-ups of an approved release to everyone who
// follows it, at any level, and its stakeholders.
func planHeadsUps(tx *storage.Tx, r *storage.Release) error {
	now := tx.Now()
	if !r.StartAt.After(now) {
		return nil
	}
	subs, err := tx.SubscribersOf(r.Service, r.Environment)
	if err != nil {
		return err
	}
	if subs, err = withStakeholders(tx, r, subs); err != nil {
		return err
	}
	due := r.StartAt.Add(-HeadsUpLead)
	if due.Before(now) {
		due = now
	}
	seen := map[string]bool{}
	for _, sub := range subs {
		if seen[sub.Target] {
			continue
		}
		seen[sub.Target] = true
		m := &storage.OutboxMessage{
			Key:  fmt.Sprintf("headsup:%d:%d:%s", r.ID, r.StartAt.Unix(), sub.Target),
			Kind: headsUpName, ReleaseID: ptr(r.ID), Channel: sub.Target, Op: storage.OpPost, DueAt: due,
			Payload: bot.MustJSON(bot.Message{Text: strconv.FormatInt(r.StartAt.Unix(), 10)}),
		}
		if _, err := tx.Replan(m); err != nil {
			return err
		}
	}
	return nil
}

// withStakeholders adds the service's stakeholders, who hear milestones
// by DM, to its subscribers.
func withStakeholders(tx *storage.Tx, r *storage.Release, subs []storage.Subscription) ([]storage.Subscription, error) {
	sts, err := tx.StakeholdersOf(r.Service)
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		subs = append(subs, storage.Subscription{Target: st.UserID, TargetKind: "user", Level: LevelMilestones})
	}
	return subs, nil
}

func (headsUpKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if st := release.Status(r.Status); st != release.StatusApproved {
		return reminders.Delivery{Drop: "the release is " + st.Label()}, nil
	}
	if strings.TrimSpace(mustText(m.Payload)) != strconv.FormatInt(r.StartAt.Unix(), 10) {
		return reminders.Delivery{Drop: "the release moved"}, nil
	}
	now := rs.d.Now()
	if !r.StartAt.After(now) {
		return reminders.Delivery{Drop: "the release's start has passed"}, nil
	}
	// A banner shows only the fallback text: a person reads it in their
	// own zone, a channel reads how far ahead it is and the zone.
	when := "in " + release.FormatDuration(r.StartAt.Sub(now).Round(time.Minute)) + " (" + kit.FallbackTime(r.StartAt) + ")"
	if strings.HasPrefix(m.Channel, "U") {
		when = kit.LocalTime(r.StartAt, rs.d.Dir.Location(ctx, m.Channel))
	}
	return reminders.Delivery{Channel: m.Channel, Message: headsUpMessage(r, when)}, nil
}

// headsUpMessage is the heads-up: what, when, the impact.
func headsUpMessage(r *storage.Release, when string) bot.Message {
	impact := "No impact was given."
	if r.Impact != "" {
		impact = "*Impact*\n" + bot.Escape(r.Impact)
	}
	blocks := []slack.Block{bot.Section(fmt.Sprintf(":bell: Heads-up: %s → %s starts %s.", kit.Name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}")))}
	blocks = append(blocks, bot.Fields("*Window*\n"+kit.When(r), "*Owner*\n"+bot.Mention(r.OwnerID)))
	blocks = append(blocks, bot.Sections(impact)...)
	return bot.Message{Text: fmt.Sprintf("Heads-up: %s → %s starts %s", kit.PlainName(r), r.Environment, when), Blocks: blocks}
}
