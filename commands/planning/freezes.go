package planning

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

const freezeAddUsage = "`/release freeze add 2026-12-18 18:00 2027-01-04 08:00 [env=production] reason=\"Holiday freeze\"`"

// FreezeAdd is /release freeze add (admins).
func (s *Service) FreezeAdd(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can add freeze windows. `/release freeze list` shows the current ones.")
	}
	f, err := s.parseFreeze(ctx, req)
	if err != nil {
		return nil, err
	}
	start, end, env, reason := f.StartAt, f.EndAt, f.Environment, f.Reason
	affected, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) ([]storage.Slot, error) {
		// A copy each run: a rolled-back run may have filled in the id of
		// a row that no longer exists.
		row := *f
		if err := tx.AddFreeze(&row); err != nil {
			return nil, err
		}
		f.ID = row.ID
		slots, err := tx.ActiveSlots(start, end)
		if err != nil {
			return nil, err
		}
		var affected []storage.Slot
		for _, sl := range slots {
			if env == "" || sl.Environment == env {
				affected = append(affected, sl)
			}
		}
		return affected, tx.Audit(req.UserID, "freeze added", 0, fmt.Sprintf("F-%d %s – %s (%s): %s", row.ID, kit.FallbackTime(start), kit.FallbackTime(end), kit.OrAll(env), reason))
	})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf(":snowflake: Added freeze *F-%d* for %s: %s — “%s”.", f.ID, kit.OrAll(env), kit.Span(start, end), bot.Escape(reason))
	if len(affected) > 0 {
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
		text += fmt.Sprintf("\n:warning: %d planned %s not changed: %s. %s", len(affected), what, strings.Join(ids, ", "), advice)
	}
	return bot.Reply("%s", text), nil
}

// parseFreeze reads `/release freeze add`: the window in the caller's zone,
// the environment and the reason.
func (s *Service) parseFreeze(ctx context.Context, req *bot.Request) (*storage.FreezeWindow, error) {
	args, err := kit.ParseArgs(req.Args, "env", "reason")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), freezeAddUsage)
	}
	if len(args.Positional) != 4 {
		return nil, bot.Userf("I need a start date and time and an end date and time: %s", freezeAddUsage)
	}
	reason := strings.TrimSpace(args.Get("reason"))
	if reason == "" {
		return nil, bot.Userf("Say why there is a freeze with reason=\"…\"; people who are refused will read it.")
	}
	if n := len([]rune(reason)); n > kit.MaxReason {
		return nil, bot.Userf("The reason is %d characters long; keep it within %d.", n, kit.MaxReason)
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s, or leave env= out to freeze all of them.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	loc := s.Dir.Location(ctx, req.UserID)
	start, err := parseLocal(args.Positional[0], args.Positional[1], loc)
	if err != nil {
		return nil, bot.Userf("Start: %s", err)
	}
	end, err := parseLocal(args.Positional[2], args.Positional[3], loc)
	if err != nil {
		return nil, bot.Userf("End: %s", err)
	}
	if !end.After(start) {
		return nil, bot.Userf("The freeze ends (%s) before it starts (%s).", kit.LocalTime(end, loc), kit.LocalTime(start, loc))
	}
	if !end.After(s.Now()) {
		return nil, bot.Userf("The freeze ends in the past (%s); there is nothing to freeze.", kit.LocalTime(end, loc))
	}
	if problem := tooFarAhead("freeze's end", end, s.Now(), loc); problem != "" {
		return nil, bot.Userf("%s", problem)
	}
	return &storage.FreezeWindow{Environment: env, StartAt: start, EndAt: end, Reason: reason, CreatedBy: req.UserID}, nil
}

// FreezeList is /release freeze list.
func (s *Service) FreezeList(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) != "" {
		return nil, bot.Userf("`/release freeze list` takes no arguments.")
	}
	freezes, err := s.Store.Freezes(ctx, s.Now(), time.Time{})
	if err != nil {
		return nil, err
	}
	if len(freezes) == 0 {
		return bot.Reply("There are no current or coming freeze windows."), nil
	}
	lines := make([]string, len(freezes))
	for i, f := range freezes {
		lines[i] = fmt.Sprintf("`F-%d` %s · %s · “%s” · added by %s", f.ID, kit.Span(f.StartAt, f.EndAt), kit.OrAll(f.Environment), bot.Escape(f.Reason), bot.Mention(f.CreatedBy))
	}
	head := fmt.Sprintf("*Freeze windows* (%d)", len(freezes))
	return &bot.Response{Text: head, Blocks: append(kit.PackLines([]string{head}, 1), kit.PackLines(lines, bot.MaxMessageBlocks-1)...)}, nil
}

// FreezeRemove is /release freeze remove (admins).
func (s *Service) FreezeRemove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can remove freeze windows.")
	}
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which freeze: `/release freeze remove F-3` (`/release freeze list` shows them).")
	}
	id, err := parseFreezeID(args.Positional[0])
	if err != nil {
		return nil, err
	}
	f, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*storage.FreezeWindow, error) {
		f, err := tx.RemoveFreeze(id)
		if err != nil {
			return nil, err
		}
		return f, tx.Audit(req.UserID, "freeze removed", 0, fmt.Sprintf("F-%d %s – %s (%s): %s", f.ID, kit.FallbackTime(f.StartAt), kit.FallbackTime(f.EndAt), kit.OrAll(f.Environment), f.Reason))
	})
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, bot.Userf("There is no freeze F-%d. `/release freeze list` shows them.", id)
		}
		return nil, err
	}
	return bot.Reply("Removed freeze *F-%d* (“%s”, %s).", f.ID, bot.Escape(f.Reason), kit.Span(f.StartAt, f.EndAt)), nil
}

func parseFreezeID(s string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "F-"), "f-")
	id, err := strconv.ParseInt(t, 10, 64)
	if err != nil || id <= 0 {
		return 0, bot.Userf("%q is not a freeze id; they look like F-3.", kit.Plain(s))
	}
	return id, nil
}

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
