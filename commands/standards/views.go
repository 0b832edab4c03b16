package standards

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// templateLine is what a template covers, in plain words.
func templateLine(t *storage.StandardTemplate) string {
	return fmt.Sprintf("%s in %s, up to %s risk — %s", t.Service, kit.OrAll(t.Environment), t.MaxRisk, t.Covers)
}

// listText is /release standard list.
func listText(ts []storage.StandardTemplate) string {
	if len(ts) == 0 {
		return "*Standard-change catalogue*\nNo templates yet, so every release is approved as a normal change. Admins add templates with `/release standard add`."
	}
	lines := []string{fmt.Sprintf("*Standard-change catalogue* (%d template%s)", len(ts), kit.Plural(len(ts)))}
	for i := range ts {
		t := &ts[i]
		lines = append(lines, fmt.Sprintf("• *%s*: %s · added by %s", t.Name, bot.Escape(templateLine(t)), bot.Mention(t.CreatedBy)))
	}
	lines = append(lines, "A standard release names its template (`template=<name>`) and must fit it; it then needs no approval.")
	return strings.Join(lines, "\n")
}
