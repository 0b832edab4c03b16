package planning

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
)

// suggestHorizon is how far ahead suggest looks.
const suggestHorizon = 60 * 24 * time.Hour

// Suggest is /release suggest: free slots inside the release windows.
func (s *Service) Suggest(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	const usage = "`/release suggest <service> [env=<e>] [duration=<d>]`"
	args, err := kit.ParseArgs(req.Args, "env", "duration")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
	}
	if len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me the service: %s", usage)
	}
	service := strings.ToLower(args.Positional[0])
	if err := release.ValidateService(service); err != nil {
		return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	env := firstNonEmpty(args.Get("env"), defaultEnv(s.Config.Environments))
	if !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	duration := defaultDuration
	if args.Has("duration") {
		if duration, err = release.ParseDuration(args.Get("duration")); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
	}
	now := s.Now()
	horizonEnd := now.Add(suggestHorizon + 48*time.Hour)
	slots, err := s.Store.ActiveSlots(ctx, now, horizonEnd)
	if err != nil {
		return nil, err
	}
	freezes, err := s.Store.Freezes(ctx, now, horizonEnd)
	if err != nil {
		return nil, err
	}
	suggestions := release.Suggest(release.SuggestRequest{
		Service: service, Environment: env, Duration: duration, After: now.Add(15 * time.Minute),
		Location: s.Config.DefaultTimezone, Windows: s.Config.ReleaseWindows, Releases: slots, Freezes: toFreezes(freezes),
		Count: 3, Horizon: suggestHorizon,
	})
	if len(suggestions) == 0 {
		return bot.Reply("I found no free slot for %s in %s within the next %d days inside the release windows (%s in %s).", bot.Escape(service), env, int(suggestHorizon.Hours()/24), s.Config.ReleaseWindows, s.Config.DefaultTimezone), nil
	}
	lines := []string{fmt.Sprintf("*Good slots for %s in %s* (%s, release windows %s in %s):", bot.Escape(service), bot.Escape(env), release.FormatDuration(duration), s.Config.ReleaseWindows, s.Config.DefaultTimezone)}
	loc := s.Dir.Location(ctx, req.UserID)
	for i, sg := range suggestions {
		local := sg.Start.In(loc)
		lines = append(lines, fmt.Sprintf("%d. %s — %s\n      `/release new %s <version> %s %s env=%s duration=%s`",
			i+1, kit.Span(sg.Start, sg.End), sg.Why, service, local.Format("2006-01-02"), local.Format("15:04"), env, release.FormatDuration(duration)))
	}
	return bot.Reply("%s", strings.Join(lines, "\n")), nil
}
