package outboxadmin

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// PageSize is how many failed messages one answer lists: with a heading
// and a footer, well inside Slack's 50 blocks per message.
const PageSize = 20

// maxErrorShown bounds the error quoted per message, so that every row stays
// far below a section's 3000 characters.
const maxErrorShown = 300

// kindWords names the outbox's kinds the way an admin reads them.
var kindWords = map[string]string{
	"announcement":          "release announcement",
	"announcement_update":   "announcement update",
	"thread_note":           "line in a release thread",
	"notification":          "subscriber notification",
	"direct":                "direct message",
	"approval_request":      "approval request",
	"approval_dm_update":    "approval request update",
	"round_progress":        "approval progress line",
	"round_progress_update": "approval progress update",
	"reminder":              "reminder",
	"overdue":               "overdue warning",
	"approval_nudge":        "approval nudge",
	"approval_escalation":   "escalation to the admins",
	"digest":                "weekly digest",
	"admin_alert":           "alert to an admin",
}

// KindWords names an outbox kind in words; a kind this list does not know
// yet is shown with its underscores turned into spaces.
func KindWords(kind string) string {
	if w, ok := kindWords[kind]; ok {
		return w
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// destination says where a message was going.
func destination(channel string) string {
	switch {
	case channel == "":
		return "the release's channel"
	case strings.HasPrefix(channel, "U"), strings.HasPrefix(channel, "W"):
		return bot.Mention(channel)
	case strings.HasPrefix(channel, "D"):
		return "a direct message"
	}
	return bot.ChannelLink(channel)
}

// FailedView is the answer to /release outbox failed: one page of failed
// messages, most recent first.
func FailedView(rows []storage.OutboxMessage, total int64, page int) *bot.Response {
	if total == 0 {
		return bot.Reply("No failed messages. :sparkles: Everything the bot had to send went out or is on its way.")
	}
	pages := int((total + PageSize - 1) / PageSize)
	if len(rows) == 0 {
		return bot.Reply("There are %d failed messages on %d page%s; page %d is past the end.", total, pages, plural(pages), page)
	}
	heading := fmt.Sprintf("*%d failed message%s*", total, plural(int(total)))
	if pages > 1 {
		heading += fmt.Sprintf(" · page %d of %d", page, pages)
	}
	blocks := []slack.Block{bot.Section(heading)}
	var text []string
	for _, m := range rows {
		line := fmt.Sprintf("*#%d* · %s to %s", m.ID, KindWords(m.Kind), destination(m.Channel))
		if m.ReleaseID != nil {
			line += fmt.Sprintf(" · R-%d", *m.ReleaseID)
		}
		line += fmt.Sprintf("\nfailed %s: `%s`", bot.Date(m.DueAt, "{date_short_pretty} {time}"),
			strings.ReplaceAll(bot.Escape(bot.Truncate(m.LastError, maxErrorShown)), "`", "'"))
		blocks = append(blocks, bot.Section(line))
		text = append(text, fmt.Sprintf("#%d %s", m.ID, KindWords(m.Kind)))
	}
	footer := "Fix the cause (invite the bot, update the subscription…), then `/release outbox retry <id>` or `/release outbox retry all`."
	if page < pages {
		footer += fmt.Sprintf(" More: `/release outbox failed %d`.", page+1)
	}
	blocks = append(blocks, bot.Context(footer))
	return &bot.Response{
		Text:   fmt.Sprintf("%d failed messages: %s", total, strings.Join(text, ", ")),
		Blocks: blocks,
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
