package planning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// ActionListMore is the route of a list's More button.
const ActionListMore = "list.more"

const (
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
	if blocks, err = s.withReview(ctx, r, blocks); err != nil {
		return nil, err
	}
	evidence, err := execution.ShowLines(ctx, s.Store, r, s.Config.SuccessWindow)
	if err != nil {
		return nil, err
	}
	if len(evidence) > 0 {
		blocks = append(blocks, kit.PackLines(evidence, 5)...)
	}
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
