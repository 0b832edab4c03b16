package planning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

const (
	ActionListMore  = "list.more"
	listPageSize    = 20
	maxCalendarDays = 90
)

// listQuery is a parsed `/release list`; it also travels in the "More"
// button's value so the next page is the same query.
type listQuery struct {
	Scope       string // upcoming, recent, all
	Service     string
	Environment string
	Offset      int
}

func (q listQuery) encode() string {
	return strings.Join([]string{q.Scope, q.Service, q.Environment, strconv.Itoa(q.Offset)}, "|")
}

func decodeListQuery(s string) (listQuery, error) {
	parts := strings.Split(s, "|")
	if len(parts) != 4 {
		return listQuery{}, fmt.Errorf("list query %q", s)
	}
	off, err := strconv.Atoi(parts[3])
	if err != nil || off < 0 {
		return listQuery{}, fmt.Errorf("list query %q", s)
	}
	return listQuery{Scope: parts[0], Service: parts[1], Environment: parts[2], Offset: off}, nil
}

// List is /release list.
func (s *Service) List(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	const usage = "`/release list [upcoming|recent|all] [service=<s>] [env=<e>]`"
	args, err := kit.ParseArgs(req.Args, "service", "env")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
	}
	q := listQuery{Scope: "upcoming", Service: strings.ToLower(args.Get("service")), Environment: args.Get("env")}
	switch len(args.Positional) {
	case 0:
	case 1:
		q.Scope = strings.ToLower(args.Positional[0])
		if q.Scope != "upcoming" && q.Scope != "recent" && q.Scope != "all" {
			return nil, bot.Userf("%q is not a list; use upcoming, recent or all.", kit.Plain(args.Positional[0]))
		}
	default:
		return nil, bot.Userf("Usage: %s", usage)
	}
	// The filters travel in the "More" button's value, so they are checked
	// here and not only trusted to match nothing.
	if args.Has("service") {
		if err := release.ValidateService(q.Service); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
	}
	if args.Has("env") && !slices.Contains(s.Config.Environments, q.Environment) {
		return nil, bot.Userf("%q is not an environment here; use %s.", kit.Plain(q.Environment), strings.Join(s.Config.Environments, ", "))
	}
	return s.listPage(ctx, q)
}

// ListMore is the More button of a list: its next page.
func (s *Service) ListMore(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	q, err := decodeListQuery(req.ActionValue())
	if err != nil {
		return nil, bot.Userf("That list is out of date; run `/release list` again.")
	}
	return s.listPage(ctx, q)
}

func (s *Service) listPage(ctx context.Context, q listQuery) (*bot.Response, error) {
	now := s.Now()
	f := storage.ReleaseFilter{Service: q.Service, Environment: q.Environment, Limit: listPageSize, Offset: q.Offset}
	switch q.Scope {
	case "upcoming":
		f.From = now
		f.Statuses = []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress}
	case "recent":
		f.To, f.Newest = now, true
	default:
		f.Newest = true
	}
	rows, total, err := s.Store.Releases(ctx, f)
	if err != nil {
		return nil, err
	}
	return listMessage(q, rows, total), nil
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

// Show is /release show.
func (s *Service) Show(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release show R-17`.")
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	progress := ""
	round, err := s.Store.LatestRound(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if round != nil {
		progress = fmt.Sprintf("approval round %d: %s", round.Number, kit.ProgressText(round))
	}
	blocks := kit.Card(r, progress)
	blocks = append(blocks, bot.Context(fmt.Sprintf("`/release audit %s` shows its full history.", r.HumanID())))
	return &bot.Response{Text: kit.CardText(r), Blocks: blocks}, nil
}

// Calendar is /release calendar, in the reader's zone.
func (s *Service) Calendar(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args, "days")
	if err != nil || len(args.Positional) > 0 {
		return nil, bot.Userf("Usage: `/release calendar [days=<n>]` (default 14, at most %d).", maxCalendarDays)
	}
	days := 14
	if args.Has("days") {
		days, err = strconv.Atoi(args.Get("days"))
		if err != nil || days < 1 || days > maxCalendarDays {
			return nil, bot.Userf("days=%s: give a number of days from 1 to %d.", kit.Plain(args.Get("days")), maxCalendarDays)
		}
	}
	loc := s.Dir.Location(ctx, req.UserID)
	now := s.Now()
	from := StartOfDay(now.In(loc))
	to := from.AddDate(0, 0, days)
	rows, _, err := s.Store.Releases(ctx, storage.ReleaseFilter{From: from, To: to,
		Statuses: []release.Status{release.StatusPlanned, release.StatusApproved, release.StatusRejected, release.StatusInProgress, release.StatusCompleted, release.StatusFailed, release.StatusRolledBack}})
	if err != nil {
		return nil, err
	}
	freezes, err := s.Store.Freezes(ctx, from, to)
	if err != nil {
		return nil, err
	}
	blocks, text := CalendarBlocks(rows, freezes, from, days, loc)
	return &bot.Response{Text: text, Blocks: blocks}, nil
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
			if line := kit.ReleaseLine(r); shown < maxDayLines && shown == n-1 && fits(line) {
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
