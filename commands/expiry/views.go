package expiry

import (
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// ownerMessage tells the owner their release expired and gives the
// commands that plan it again, which would be accepted as they are once
// a date and time are filled in.
func ownerMessage(r *storage.Release) bot.Message {
	again := fmt.Sprintf("/release new %s %s <YYYY-MM-DD> <HH:MM> env=%s type=%s risk=%s", r.Service, r.Version, r.Environment, r.Type, r.Risk)
	if r.Template != "" {
		again += " template=" + r.Template
	}
	text := fmt.Sprintf(":hourglass: %s → %s expired: its window (%s) passed before it was approved, so it is off the calendar and its approval requests are closed.\n"+
		"To plan it again, find a slot with `/release suggest %s env=%s` and type `%s`, adding its title, impact and rollback plan (`/release show %s` has them).",
		kit.Name(r), bot.Escape(r.Environment), kit.When(r), r.Service, r.Environment, again, r.HumanID())
	return bot.Message{
		Text:   fmt.Sprintf("%s expired: its window passed before it was approved", kit.PlainName(r)),
		Blocks: bot.Sections(text),
	}
}
