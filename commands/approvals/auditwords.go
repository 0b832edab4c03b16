package approvals

import (
	"regexp"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The audit trail stores plain text that reads the same anywhere; the
// audit view turns it into words people read: people as mentions,
// statuses by their labels, status changes as before → after, and no
// formatting nested inside other formatting.

// userID matches what may be a Slack user id; mentionable keeps words
// like UTC or URL as they are (every user id holds a digit).
var userID = regexp.MustCompile(`\b[UW][0-9A-Z]{2,}\b`)

func mentionable(word string) string {
	if strings.ContainsAny(word, "0123456789") {
		return bot.Mention(word)
	}
	return word
}

// auditAction is an entry's action in words.
func auditAction(action string) string {
	if strings.HasPrefix(action, "status:") {
		return "status changed"
	}
	return strings.ReplaceAll(action, "_", " ")
}

// auditDetails is an entry's details as mrkdwn: escaped, with user ids as
// mentions and a leading status change in labels.
func auditDetails(e storage.AuditEntry) string {
	details := e.Details
	if strings.HasPrefix(e.Action, "status:") {
		if from, rest, ok := strings.Cut(details, " → "); ok {
			to, why, _ := strings.Cut(rest, ": ")
			details = release.Status(from).Label() + " → " + release.Status(to).Label()
			if why != "" {
				details += ": " + why
			}
		}
	}
	return userID.ReplaceAllStringFunc(bot.Escape(details), mentionable)
}
