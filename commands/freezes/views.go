package freezes

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// addedText confirms a new freeze and names the planned releases it
// overlaps, which it leaves as they are.
func addedText(f *storage.FreezeWindow, affected []storage.Slot) string {
	text := fmt.Sprintf(":snowflake: Added freeze *F-%d* for %s: %s — “%s”.", f.ID, kit.OrAll(f.Environment), kit.Span(f.StartAt, f.EndAt), bot.Escape(f.Reason))
	if len(affected) == 0 {
		return text
	}
	var ids []string
	for i, a := range affected {
		if i == kit.MaxConflictLines {
			ids = append(ids, fmt.Sprintf("and %d more (`/release calendar`)", len(affected)-i))
			break
		}
		ids = append(ids, fmt.Sprintf("*%s* %s %s", a.ID, bot.Escape(a.Service), bot.Escape(a.Version)))
	}
	what, advice := "releases overlap it and were", "Their owners should reschedule them."
	if len(affected) == 1 {
		what, advice = "release overlaps it and was", "Its owner should reschedule it."
	}
	return text + fmt.Sprintf("\n:warning: %d planned %s not changed: %s. %s", len(affected), what, strings.Join(ids, ", "), advice)
}

// freezeLine is a freeze in /release freeze list.
func freezeLine(f storage.FreezeWindow) string {
	return fmt.Sprintf("`F-%d` %s · %s · “%s” · added by %s", f.ID, kit.Span(f.StartAt, f.EndAt), kit.OrAll(f.Environment), bot.Escape(f.Reason), bot.Mention(f.CreatedBy))
}
