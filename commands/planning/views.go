package planning

import (
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
	"github.com/slack-go/slack"
)

// created is what planning a release produced, for the reply.
type created struct {
	r         *storage.Release
	conflicts []release.Conflict
	rp        approvals.Plan
	override  []release.Freeze
}

func (c created) summary(verb string) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":white_check_mark: %s %s → %s for %s; %s.", verb, kit.Name(c.r), bot.Escape(c.r.Environment), kit.When(c.r), approvals.Summary(c.rp))
	if len(c.override) > 0 {
		fmt.Fprintf(&b, "\n:snowflake: It runs during the freeze “%s”; allowed as an emergency, recorded, and marked for a retroactive review.", bot.Escape(c.override[0].Reason))
	}
	for i, cf := range c.conflicts {
		if i == kit.MaxConflictLines {
			fmt.Fprintf(&b, "\n:warning: …and %d more overlapping releases; `/release calendar` shows them all.", len(c.conflicts)-i)
			break
		}
		fmt.Fprintf(&b, "\n:warning: It overlaps %s", conflictText(cf))
	}
	if w := c.rp.Warning(); w != "" {
		b.WriteString("\n:warning: " + w)
	}
	return b.String()
}

func conflictText(cf release.Conflict) string { return delivery.ConflictLine(cf) + "." }

// freezeRefused refuses a slot in a freeze; an emergency is told exactly
// what it lacks: the reason.
func freezeRefused(f release.Freeze, typ release.Type) outcome {
	if typ == release.TypeEmergency {
		return refused("reason", "A reason is missing: an emergency release may run during the freeze F-%d “%s” (%s) only with one. Add reason=\"…\" saying why it cannot wait.",
			f.ID, bot.Escape(f.Reason), kit.Span(f.Start, f.End))
	}
	return refused("start", "%s", freezeRefusal(f))
}

// freezeRefusal explains why a slot is refused.
func freezeRefusal(f release.Freeze) string {
	return fmt.Sprintf("It overlaps the freeze F-%d “%s” (%s, %s). Pick another time, or plan it as type=emergency with reason=\"…\" if it cannot wait.",
		f.ID, bot.Escape(f.Reason), kit.Span(f.Start, f.End), bot.Escape(kit.OrAll(f.Environment)))
}

// listMessage renders one page of a list: a heading with the position in
// the whole list, the releases, and a "More" button while some are left.
func listMessage(q listQuery, rows []storage.Release, total int64) *bot.Response {
	filter := describeFilter(q)
	if total == 0 {
		return bot.Reply("No %s releases%s. Plan one with `/release new`.", q.Scope, filter)
	}
	if len(rows) == 0 {
		// The list shrank since the previous page was shown.
		return bot.Reply("No more %s releases%s: all %d are shown above. Run `/release list` again to start over.", q.Scope, filter, total)
	}
	lines := make([]string, len(rows))
	for i := range rows {
		lines[i] = kit.ReleaseLine(&rows[i])
	}
	head := fmt.Sprintf("*%s releases%s* — %d–%d of %d", kit.Capitalize(q.Scope), filter, q.Offset+1, q.Offset+len(rows), total)
	blocks := []slack.Block{bot.Section(head)}
	blocks = append(blocks, kit.PackLines(lines, bot.MaxMessageBlocks-3)...)
	if next := q.Offset + len(rows); int64(next) < total {
		more := q
		more.Offset = next
		blocks = append(blocks, bot.Actions("list-more", bot.Button(fmt.Sprintf("More (%d left)", total-int64(next)), ActionListMore, more.encode(), bot.StyleDefault)))
	}
	return &bot.Response{Text: fmt.Sprintf("%s releases%s: %d–%d of %d", kit.Capitalize(q.Scope), filter, q.Offset+1, q.Offset+len(rows), total), Blocks: blocks}
}

func describeFilter(q listQuery) string {
	var parts []string
	if q.Service != "" {
		parts = append(parts, "service "+bot.Escape(q.Service))
	}
	if q.Environment != "" {
		parts = append(parts, "env "+bot.Escape(q.Environment))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// maxDayLines bounds one day's releases; the rest are summarised. A day's
// text is also kept below maxDayText, so it always fits one section whole:
// Slack cuts nothing and no line is torn in the middle of its date syntax.
const (
	maxDayLines = 15
	maxDayText  = bot.MaxSectionText - 200
)

// CalendarBlocks lays the calendar out day by day in the reader's zone,
// packing days into sections so that even a busy quarter fits one message.
// A release that started before the first day and is still running is shown
// on the first day.
func CalendarBlocks(rows []storage.Release, freezes []storage.FreezeWindow, from time.Time, days int, loc *time.Location) ([]slack.Block, string) {
	var dayTexts []string
	quiet := 0
	total := 0
	marks := overlapMarks(rows)
	for i := range days {
		dayStart := from.AddDate(0, 0, i)
		dayEnd := from.AddDate(0, 0, i+1)
		var lines []string
		size := 0
		fits := func(line string) bool { return size+len(line)+1 <= maxDayText }
		add := func(line string) {
			lines = append(lines, line)
			size += len(line) + 1
		}
		hidden := 0
		for _, f := range freezes {
			if !release.Overlaps(f.StartAt, f.EndAt, dayStart, dayEnd) {
				continue
			}
			scope := "all environments"
			if f.Environment != "" {
				scope = bot.Escape(f.Environment)
			}
			line := fmt.Sprintf(":snowflake: Freeze F-%d (%s): %s — %s", f.ID, scope, bot.Escape(bot.Truncate(f.Reason, 200)), kit.Span(f.StartAt, f.EndAt))
			if !fits(line) {
				hidden++
				continue
			}
			add(line)
		}
		if hidden > 0 {
			add(fmt.Sprintf("…and %d more freeze%s (`/release freeze list`).", hidden, kit.Plural(hidden)))
		}
		n, shown := 0, 0
		for j := range rows {
			r := &rows[j]
			startsToday := !r.StartAt.Before(dayStart) && r.StartAt.Before(dayEnd)
			carriedOver := i == 0 && r.StartAt.Before(dayStart) && r.EndAt.After(dayStart)
			if !startsToday && !carriedOver {
				continue
			}
			n++
			if line := kit.ReleaseLine(r) + marks[r.ID]; shown < maxDayLines && shown == n-1 && fits(line) {
				add(line)
				shown++
			}
		}
		total += n
		if n > shown {
			lines = append(lines, fmt.Sprintf("…and %d more that day (`/release list`).", n-shown))
		}
		if len(lines) == 0 {
			quiet++
			continue
		}
		dayTexts = append(dayTexts, "*"+dayStart.Format("Monday 2 January")+"*\n"+strings.Join(lines, "\n"))
	}
	head := fmt.Sprintf("*Release calendar* — %s to %s (%s), %d release%s", from.Format("Mon 2 Jan"), from.AddDate(0, 0, days-1).Format("Mon 2 Jan"), loc, total, kit.Plural(total))
	if quiet > 0 {
		head += fmt.Sprintf("; %d quiet day%s not shown", quiet, kit.Plural(quiet))
	}
	blocks := []slack.Block{bot.Section(head)}
	if len(dayTexts) == 0 {
		blocks = append(blocks, bot.Section("Nothing planned and no freezes. `/release suggest <service>` finds a good slot."))
	}
	blocks = append(blocks, packDays(dayTexts, bot.MaxMessageBlocks-1)...)
	return blocks, fmt.Sprintf("Release calendar: %d release%s in %d days", total, kit.Plural(total), days)
}

// packDays puts whole days into sections separated by dividers, using at
// most maxBlocks blocks; days that do not fit are counted in a last line.
func packDays(days []string, maxBlocks int) []slack.Block {
	var blocks []slack.Block
	var cur strings.Builder
	for i, d := range days {
		if cur.Len() > 0 && cur.Len()+len(d)+2 > bot.MaxSectionText-50 {
			// Going on costs a section and a divider now and leaves room
			// for at least a section and the closing note afterwards.
			if len(blocks)+4 > maxBlocks {
				return append(blocks, bot.Section(cur.String()), bot.Context(fmt.Sprintf("…and %d more day%s with releases or freezes; ask for fewer days, e.g. `/release calendar days=7`.", len(days)-i, kit.Plural(len(days)-i))))
			}
			blocks = append(blocks, bot.Section(cur.String()), bot.Divider())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(d)
	}
	if cur.Len() > 0 {
		blocks = append(blocks, bot.Section(cur.String()))
	}
	return blocks
}

// StartOfDay is midnight of t's day in t's zone.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
