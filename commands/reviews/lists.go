package reviews

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// maxListed is how many actions or reviews one answer shows.
const maxListed = 20

// defaultLessonDays is how far back /release lessons looks by default.
const defaultLessonDays = 90

// Actions is /release actions [mine|<service>]: open follow-up actions,
// each with its Done button.
func (s *Service) Actions(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	arg := strings.TrimSpace(req.Args)
	owner, service, scope := "", "", "open follow-up actions"
	switch {
	case arg == "mine":
		owner, scope = req.UserID, "your open follow-up actions"
	case arg != "":
		if err := release.ValidateService(arg); err != nil || strings.Contains(arg, " ") {
			return nil, bot.Userf("Usage: `/release actions [mine|<service>]`.")
		}
		service, scope = arg, "open follow-up actions of "+bot.Escape(arg)
	}
	actions, err := s.Store.ReviewActions(ctx, owner, service, false)
	if err != nil {
		return nil, err
	}
	return &bot.Response{Text: fmt.Sprintf("%d %s", len(actions), scope), Blocks: ActionsList(actions, scope)}, nil
}

// ActionsList shows actions with their Done buttons.
func ActionsList(actions []storage.ReviewAction, scope string) []slack.Block {
	if len(actions) == 0 {
		return []slack.Block{bot.Section(fmt.Sprintf("No %s. :sparkles:", scope))}
	}
	blocks := []slack.Block{bot.Section(fmt.Sprintf("*%s* (%d)", kit.Capitalize(scope), len(actions)))}
	for i := range actions {
		if i == maxListed {
			blocks = append(blocks, bot.Context(fmt.Sprintf("…and %d more.", len(actions)-maxListed)))
			break
		}
		a := &actions[i]
		line := fmt.Sprintf("%s · %s %s", delivery.ActionLine(a), release.ID(a.ReleaseID), bot.Escape(a.Service))
		blocks = append(blocks, bot.SectionWithButton(line, delivery.DoneButton(a)))
	}
	return blocks
}

// Lessons is /release lessons [service] [days=…]: what recent reviews
// learned.
func (s *Service) Lessons(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args, "days")
	if err != nil {
		return nil, bot.Userf("%s Usage: `/release lessons [service] [days=90]`.", kit.Capitalize(err.Error()))
	}
	days := defaultLessonDays
	if args.Has("days") {
		if days, err = strconv.Atoi(args.Get("days")); err != nil || days < 1 || days > 3650 {
			return nil, bot.Userf("`days` is a whole number of days from 1 to 3650, like `days=30`.")
		}
	}
	service := ""
	switch len(args.Positional) {
	case 0:
	case 1:
		service = args.Positional[0]
	default:
		return nil, bot.Userf("Usage: `/release lessons [service] [days=90]`.")
	}
	reviews, err := s.Store.RecentReviews(ctx, service, s.Now().Add(-time.Duration(days)*24*time.Hour), maxListed)
	if err != nil {
		return nil, err
	}
	return &bot.Response{Text: fmt.Sprintf("Lessons of %d reviews", len(reviews)), Blocks: LessonsList(reviews, service, days)}, nil
}

// LessonsList shows what reviews learned, newest first.
func LessonsList(reviews []storage.Review, service string, days int) []slack.Block {
	scope := fmt.Sprintf("the last %d days", days)
	if service != "" {
		scope = bot.Escape(service) + " in " + scope
	}
	if len(reviews) == 0 {
		return []slack.Block{bot.Section(fmt.Sprintf("No post-release reviews of %s.", scope))}
	}
	lines := []string{fmt.Sprintf("*Lessons learned: %s*", scope)}
	for i := range reviews {
		rv := &reviews[i]
		if rv.Release == nil {
			continue
		}
		lines = append(lines, "", kit.Name(rv.Release)+" — "+bot.Date(rv.CreatedAt, "{date_short_pretty}"))
		lines = append(lines, delivery.ReviewLines(rv)...)
	}
	return kit.PackLines(lines, bot.MaxMessageBlocks)
}

// RemindMissing reminds the owners of releases whose review is required
// and still missing REVIEW_DUE after they finished, once per working day
// of theirs. It only enqueues under unique keys, so every replica may run
// it.
func (s *Service) RemindMissing(ctx context.Context) error {
	now := s.Now()
	rows, err := s.Store.Unreviewed(ctx, []string{string(release.StatusCompleted), string(release.StatusFailed), string(release.StatusRolledBack)}, now.AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	incidents, err := s.Store.WithIncidents(ctx, ids)
	if err != nil {
		return err
	}
	added := false
	for i := range rows {
		r := &rows[i]
		in := release.ReviewInputs{Status: release.Status(r.Status), Type: release.Type(r.Type),
			IntoFreeze: r.RetroReview || r.FreezeReason != "", HasIncident: incidents[r.ID]}
		if !release.ReviewRequired(in) || r.FinishedAt == nil {
			continue
		}
		local := now.In(s.Dir.Location(ctx, r.OwnerID))
		if !release.ReviewReminderDue(*r.FinishedAt, now, s.Config.ReviewDue, local) {
			continue
		}
		ok, err := s.Store.Enqueue(ctx, delivery.RemindReview(r, local.Format("2006-01-02")))
		if err != nil {
			return err
		}
		added = added || ok
	}
	if added {
		s.Wake()
	}
	return nil
}
