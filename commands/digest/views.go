package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/commands/planning"
	"github.com/releasebot/releasebot/storage"
)

// nudgeMessage reminds an approver of a decision, with its buttons.
func nudgeMessage(r *storage.Release, round *storage.ApprovalRound) bot.Message {
	text := fmt.Sprintf(":wave: A reminder: %s → %s starts %s and waits for your decision (%s).",
		kit.Name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}"), kit.ProgressText(round))
	return bot.Message{Text: "Reminder: " + kit.PlainName(r) + " waits for your decision",
		Blocks: []slack.Block{bot.Section(text), kit.DecisionButtons(round.ID, "")}}
}

// escalationMessage tells an admin a release close to its start is not
// approved.
func escalationMessage(r *storage.Release, round *storage.ApprovalRound) bot.Message {
	text := fmt.Sprintf(":rotating_light: %s → %s starts %s and is still not approved (%s). Owner: %s.",
		kit.Name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}"), kit.ProgressText(round), bot.Mention(r.OwnerID))
	return bot.Message{Text: "Not approved yet: " + kit.PlainName(r), Blocks: []slack.Block{bot.Section(text)}}
}

// digestMessage is a channel's weekly digest: the calendar of its
// subscriptions' releases for the next digestDays days from from.
func digestMessage(rows []storage.Release, freezes []storage.FreezeWindow, from time.Time, loc *time.Location) bot.Message {
	blocks, text := planning.CalendarBlocks(rows, freezes, from, digestDays, loc)
	blocks[0] = bot.Section(fmt.Sprintf(":calendar: *Release digest — the next %d days* (%d release%s for this channel's subscriptions)", digestDays, len(rows), kit.Plural(len(rows))))
	return bot.Message{Text: strings.Replace(text, "Release calendar", "Weekly release digest", 1), Blocks: blocks}
}
