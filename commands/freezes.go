package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

const freezeAddUsage = "`/release freeze add 2026-12-18 18:00 2027-01-04 08:00 [env=production] reason=\"Holiday freeze\"`"

func (s *Service) cmdFreezeAdd(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.isAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can add freeze windows. `/release freeze list` shows the current ones.")
	}
	args, err := ParseArgs(req.Args, "env", "reason")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", capitalize(err.Error()), freezeAddUsage)
	}
	if len(args.Positional) != 4 {
		return nil, bot.Userf("I need a start date and time and an end date and time: %s", freezeAddUsage)
	}
	reason := strings.TrimSpace(args.Get("reason"))
	if reason == "" {
		return nil, bot.Userf("Say why there is a freeze with reason=\"…\"; people who are refused will read it.")
	}
	if n := len([]rune(reason)); n > maxReason {
		return nil, bot.Userf("The reason is %d characters long; keep it within %d.", n, maxReason)
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.cfg.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s, or leave env= out to freeze all of them.", plain(env), strings.Join(s.cfg.Environments, ", "))
	}
	loc := s.dir.Location(ctx, req.UserID)
	start, err := parseLocal(args.Positional[0], args.Positional[1], loc)
	if err != nil {
		return nil, bot.Userf("Start: %s", err)
	}
	end, err := parseLocal(args.Positional[2], args.Positional[3], loc)
	if err != nil {
		return nil, bot.Userf("End: %s", err)
	}
	if !end.After(start) {
		return nil, bot.Userf("The freeze ends (%s) before it starts (%s).", localTime(end, loc), localTime(start, loc))
	}
	if !end.After(s.now()) {
		return nil, bot.Userf("The freeze ends in the past (%s); there is nothing to freeze.", localTime(end, loc))
	}
	if problem := tooFarAhead("freeze's end", end, s.now(), loc); problem != "" {
		return nil, bot.Userf("%s", problem)
	}
	f := &storage.FreezeWindow{Environment: env, StartAt: start, EndAt: end, Reason: reason, CreatedBy: req.UserID}
	var affected []storage.Slot
	err = s.inTx(ctx, func(tx *storage.Tx) error {
		if err := tx.AddFreeze(f); err != nil {
			return err
		}
		slots, err := tx.ActiveSlots(start, end)
		if err != nil {
			return err
		}
		for _, sl := range slots {
			if env == "" || sl.Environment == env {
				affected = append(affected, sl)
			}
		}
		return tx.Audit(req.UserID, "freeze added", 0, fmt.Sprintf("F-%d %s – %s (%s): %s", f.ID, fallbackTime(start), fallbackTime(end), orAll(env), reason))
	})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf(":snowflake: Added freeze *F-%d* for %s: %s — “%s”.", f.ID, orAll(env), span(start, end), bot.Escape(reason))
	if len(affected) > 0 {
		var ids []string
		for i, a := range affected {
			if i == maxConflictLines {
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

func orAll(env string) string {
	if env == "" {
		return "all environments"
	}
	return env
}

func (s *Service) cmdFreezeList(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) != "" {
		return nil, bot.Userf("`/release freeze list` takes no arguments.")
	}
	freezes, err := s.store.Freezes(ctx, s.now(), time.Time{})
	if err != nil {
		return nil, err
	}
	if len(freezes) == 0 {
		return bot.Reply("There are no current or coming freeze windows."), nil
	}
	lines := make([]string, len(freezes))
	for i, f := range freezes {
		lines[i] = fmt.Sprintf("`F-%d` %s · %s · “%s” · added by %s", f.ID, span(f.StartAt, f.EndAt), orAll(f.Environment), bot.Escape(f.Reason), bot.Mention(f.CreatedBy))
	}
	head := fmt.Sprintf("*Freeze windows* (%d)", len(freezes))
	return &bot.Response{Text: head, Blocks: append(packLines([]string{head}, 1), packLines(lines, bot.MaxMessageBlocks-1)...)}, nil
}

func (s *Service) cmdFreezeRemove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.isAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can remove freeze windows.")
	}
	args, err := ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which freeze: `/release freeze remove F-3` (`/release freeze list` shows them).")
	}
	id, err := parseFreezeID(args.Positional[0])
	if err != nil {
		return nil, err
	}
	var f *storage.FreezeWindow
	err = s.inTx(ctx, func(tx *storage.Tx) error {
		var err error
		if f, err = tx.RemoveFreeze(id); err != nil {
			return err
		}
		return tx.Audit(req.UserID, "freeze removed", 0, fmt.Sprintf("F-%d %s – %s (%s): %s", f.ID, fallbackTime(f.StartAt), fallbackTime(f.EndAt), orAll(f.Environment), f.Reason))
	})
	if err != nil {
		if isNotFound(err) {
			return nil, bot.Userf("There is no freeze F-%d. `/release freeze list` shows them.", id)
		}
		return nil, err
	}
	return bot.Reply("Removed freeze *F-%d* (“%s”, %s).", f.ID, bot.Escape(f.Reason), span(f.StartAt, f.EndAt)), nil
}

func parseFreezeID(s string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "F-"), "f-")
	id, err := strconv.ParseInt(t, 10, 64)
	if err != nil || id <= 0 {
		return 0, bot.Userf("%q is not a freeze id; they look like F-3.", plain(s))
	}
	return id, nil
}

// suggestHorizon is how far ahead suggest looks.
const suggestHorizon = 60 * 24 * time.Hour

func (s *Service) cmdSuggest(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	const usage = "`/release suggest <service> [env=<e>] [duration=<d>]`"
	args, err := ParseArgs(req.Args, "env", "duration")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", capitalize(err.Error()), usage)
	}
	if len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me the service: %s", usage)
	}
	service := strings.ToLower(args.Positional[0])
	if err := release.ValidateService(service); err != nil {
		return nil, bot.Userf("%s.", capitalize(err.Error()))
	}
	env := firstNonEmpty(args.Get("env"), defaultEnv(s.cfg.Environments))
	if !slices.Contains(s.cfg.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", plain(env), strings.Join(s.cfg.Environments, ", "))
	}
	duration := defaultDuration
	if args.Has("duration") {
		if duration, err = release.ParseDuration(args.Get("duration")); err != nil {
			return nil, bot.Userf("%s.", capitalize(err.Error()))
		}
	}
	now := s.now()
	horizonEnd := now.Add(suggestHorizon + 48*time.Hour)
	slots, err := s.store.ActiveSlots(ctx, now, horizonEnd)
	if err != nil {
		return nil, err
	}
	freezes, err := s.store.Freezes(ctx, now, horizonEnd)
	if err != nil {
		return nil, err
	}
	suggestions := release.Suggest(release.SuggestRequest{
		Service: service, Environment: env, Duration: duration, After: now.Add(15 * time.Minute),
		Location: s.cfg.DefaultTimezone, Windows: s.cfg.ReleaseWindows, Releases: slots, Freezes: toFreezes(freezes),
		Count: 3, Horizon: suggestHorizon,
	})
	if len(suggestions) == 0 {
		return bot.Reply("I found no free slot for %s in %s within the next %d days inside the release windows (%s in %s).", bot.Escape(service), env, int(suggestHorizon.Hours()/24), s.cfg.ReleaseWindows, s.cfg.DefaultTimezone), nil
	}
	lines := []string{fmt.Sprintf("*Good slots for %s in %s* (%s, release windows %s in %s):", bot.Escape(service), bot.Escape(env), release.FormatDuration(duration), s.cfg.ReleaseWindows, s.cfg.DefaultTimezone)}
	loc := s.dir.Location(ctx, req.UserID)
	for i, sg := range suggestions {
		local := sg.Start.In(loc)
		lines = append(lines, fmt.Sprintf("%d. %s — %s\n      `/release new %s <version> %s %s env=%s duration=%s`",
			i+1, span(sg.Start, sg.End), sg.Why, service, local.Format("2006-01-02"), local.Format("15:04"), env, release.FormatDuration(duration)))
	}
	return bot.Reply("%s", strings.Join(lines, "\n")), nil
}
