package subscriptions

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// stakeholdersText answers /release stakeholders add or remove: who
// changed and who already was (or was not) a stakeholder.
func stakeholdersText(add bool, service string, changed, unchanged []string) string {
	var parts []string
	if add {
		if len(changed) > 0 {
			parts = append(parts, fmt.Sprintf("Added %s as stakeholder%s of %s.", kit.JoinMentions(changed), kit.Plural(len(changed)), bot.Escape(service)))
		}
		if len(unchanged) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s already.", kit.JoinMentions(unchanged), wasWere(len(unchanged))))
		}
	} else {
		if len(changed) > 0 {
			parts = append(parts, fmt.Sprintf("Removed %s from the stakeholders of %s.", kit.JoinMentions(changed), bot.Escape(service)))
		}
		if len(unchanged) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s not stakeholder%s of %s.", kit.JoinMentions(unchanged), wasWere(len(unchanged)), kit.Plural(len(unchanged)), bot.Escape(service)))
		}
	}
	return strings.Join(parts, " ")
}

func (t subscriptionTarget) describe() string {
	what := "all services"
	if t.Service != storage.AllServices {
		what = bot.Escape(t.Service)
	}
	if t.Environment != "" {
		what += " in " + bot.Escape(t.Environment)
	}
	return what
}

func (t subscriptionTarget) where() string {
	if t.Kind == "user" {
		return "you (by DM)"
	}
	return bot.ChannelLink(t.Target)
}

const privateWarning = "\n:warning: This is a private channel I am not in: invite me (`/invite @releasebot`) or the notifications cannot arrive."

func verbS(t subscriptionTarget) string {
	if t.Kind == "user" {
		return ""
	}
	return "s"
}

func isAre(t subscriptionTarget) string {
	if t.Kind == "user" {
		return "are"
	}
	return "is"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// levelWords says what a level of subscription hears about.
func levelWords(level string) string {
	if level == delivery.LevelMilestones {
		return "planned, a heads-up 24 hours before the start, started, finished, cancelled, moved or expired"
	}
	return "planned, a heads-up 24 hours before the start, approved, rejected, edited, moved, cancelled, started, finished or expired"
}
