package kit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Name is how every message names a release: id, service and version.
func Name(r *storage.Release) string {
	return fmt.Sprintf("*%s* %s %s", r.HumanID(), bot.Escape(r.Service), bot.Escape(r.Version))
}

// PlainName is name without mrkdwn, for notification fallbacks and headers.
func PlainName(r *storage.Release) string {
	return fmt.Sprintf("%s %s %s", r.HumanID(), r.Service, r.Version)
}

// Span shows a time range in every reader's own zone. bot.When shows only
// the end's time, which reads as the same day; a range of half a day or more
// (a freeze, a long release) shows the end's date too.
func Span(start, end time.Time) string {
	if end.Sub(start) < 12*time.Hour {
		return bot.When(start, end)
	}
	return fmt.Sprintf("%s – %s", bot.Date(start, "{date_short_pretty} {time}"), bot.Date(end, "{date_short_pretty} {time}"))
}

// When is a release's window and length.
func When(r *storage.Release) string {
	return fmt.Sprintf("%s (%s)", Span(r.StartAt, r.EndAt), release.FormatDuration(r.EndAt.Sub(r.StartAt)))
}

// StatusText is a release's status with its emoji.
func StatusText(r *storage.Release) string {
	s := release.Status(r.Status)
	return s.Emoji() + " " + s.Label()
}

// Components lists a release's components as name@version.
func Components(r *storage.Release) string {
	if len(r.Components) == 0 {
		return "—"
	}
	parts := make([]string, len(r.Components))
	for i, c := range r.Components {
		parts[i] = bot.Escape(c.Name) + "@" + bot.Escape(c.Version)
	}
	return strings.Join(parts, ", ")
}

// ReleaseLine is a release on one line, for lists and the calendar.
func ReleaseLine(r *storage.Release) string {
	return fmt.Sprintf("`%s` *%s* %s → %s · %s · %s · %s", r.HumanID(), bot.Escape(r.Service), bot.Escape(r.Version),
		bot.Escape(r.Environment), Span(r.StartAt, r.EndAt), StatusText(r), bot.Mention(r.OwnerID))
}

// Card is the full release: the announcement, /release show, and the
// approval request all build on it.
func Card(r *storage.Release, progress string) []slack.Block {
	title := fmt.Sprintf("%s · %s %s → %s", r.HumanID(), r.Service, r.Version, r.Environment)
	blocks := []slack.Block{bot.Header(title)}
	if r.Title != "" {
		blocks = append(blocks, bot.Section("*"+bot.Escape(r.Title)+"*"))
	}
	comps := "*Components*\n" + Components(r)
	long := utf8.RuneCountInString(comps) > bot.MaxFieldText
	if long {
		comps = fmt.Sprintf("*Components*\n%d, listed below", len(r.Components))
	}
	blocks = append(blocks, bot.Fields(
		"*When*\n"+When(r),
		"*Status*\n"+StatusText(r),
		"*Owner*\n"+bot.Mention(r.OwnerID),
		"*Type · Risk*\n"+r.Type+" · "+r.Risk,
		"*Environment*\n"+bot.Escape(r.Environment),
		comps,
	))
	if long {
		blocks = append(blocks, bot.Sections("*Components*\n"+Components(r))...)
	}
	if r.Impact != "" {
		blocks = append(blocks, bot.Sections("*Impact*\n"+bot.Escape(r.Impact))...)
	}
	if r.RollbackPlan != "" {
		blocks = append(blocks, bot.Sections("*Rollback plan*\n"+bot.Escape(r.RollbackPlan))...)
	}
	var notes []string
	notes = append(notes, "Planned by "+bot.Mention(r.CreatedBy))
	if progress != "" {
		notes = append(notes, progress)
	}
	if r.FreezeReason != "" {
		notes = append(notes, ":snowflake: planned into a freeze: "+bot.Escape(r.FreezeReason))
	}
	if r.RetroReview {
		notes = append(notes, ":mag: needs a retroactive review")
	}
	blocks = append(blocks, bot.Context(strings.Join(notes, " · ")))
	return blocks
}

// CardText is the notification fallback of a card.
func CardText(r *storage.Release) string {
	return fmt.Sprintf("%s → %s, %s, %s", PlainName(r), r.Environment, FallbackTime(r.StartAt), release.Status(r.Status).Label())
}

// FallbackTime is a time for plain-text fallbacks, which cannot use
// Slack's date syntax.
func FallbackTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 15:04 UTC") }

// Announcement is the message in the release's home channel.
func Announcement(r *storage.Release, progress string) bot.Message {
	return bot.Message{Text: "Release " + CardText(r), Blocks: Card(r, progress)}
}

// LocalTime writes t in loc for messages that speak to one person, with the
// zone so nobody has to guess.
func LocalTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}
