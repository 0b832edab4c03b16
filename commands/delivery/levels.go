package delivery

import (
	"fmt"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// Levels of subscription. Milestones are what people affected by a
// release need: planned (with its impact), the heads-up 24 hours before,
// started, finished, cancelled, moved or expired. All adds approval
// progress, rejections and edits, for the people who follow the process.
const (
	LevelMilestones = "milestones"
	LevelAll        = "all"
)

// Levels lists the levels people may choose.
var Levels = []string{LevelMilestones, LevelAll}

var milestoneEvents = map[Event]bool{
	EvPlanned: true, EvRescheduled: true, EvCancelled: true, EvStarted: true,
	EvCompleted: true, EvFailed: true, EvRolledBack: true, EvExpired: true,
}

// LevelOf is a subscription's level: its own, else the default of its
// target's kind, milestones for a person and all for a channel (a
// release channel follows the process).
func LevelOf(level, targetKind string) string {
	switch {
	case level != "":
		return level
	case targetKind == "user":
		return LevelMilestones
	}
	return LevelAll
}

// hears reports whether a subscriber at level hears about ev.
func hears(level string, ev Event) bool {
	return milestoneEvents[ev] || (level == LevelAll && subscriberEvents[ev])
}

// userZones reads the time zones of the people among subs, as far as the
// bot knows them.
func userZones(tx *storage.Tx, subs []storage.Subscription) (map[string]string, error) {
	var users []string
	for _, sub := range subs {
		if sub.TargetKind == "user" {
			users = append(users, sub.Target)
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	return tx.UserZones(users)
}

// inZone is a person's copy of a notification: the fallback text, which
// is all a banner shows, gives the time in their own zone (or UTC, said,
// when the bot does not know it).
func inZone(msg bot.Message, r *storage.Release, ev Event, zone string) bot.Message {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		loc = time.UTC
	}
	msg.Text = fmt.Sprintf("%s → %s was %s (%s)", kit.PlainName(r), r.Environment, ev, kit.LocalTime(r.StartAt, loc))
	return msg
}
