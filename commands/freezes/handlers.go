// Package freezes is the freeze windows: times when releases wait, unless
// an emergency overrides them (release.FreezeOverride).
package freezes

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
	"github.com/releasebot/releasebot/storage"
)

// Service serves the freeze commands.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

const freezeAddUsage = "`/release freeze add 2026-12-18 18:00 2027-01-04 08:00 [env=production] reason=\"Holiday freeze\"`"

// FreezeAdd is /release freeze add (admins).
func (s *Service) FreezeAdd(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can add freeze windows. `/release freeze list` shows the current ones.")
	}
	if strings.TrimSpace(req.Args) == "" && req.TriggerID != "" {
		return s.openForm(ctx, req)
	}
	f, err := s.parseFreeze(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.add(ctx, req.UserID, f)
}

// add stores a checked freeze, audited, and says which planned releases
// it overlaps.
func (s *Service) add(ctx context.Context, user string, f *storage.FreezeWindow) (*bot.Response, error) {
	type added struct {
		freeze   storage.FreezeWindow
		affected []storage.Slot
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (added, error) {
		// A copy each run: a rolled-back run may have filled in the id of
		// a row that no longer exists.
		row := *f
		if err := tx.AddFreeze(&row); err != nil {
			return added{}, err
		}
		slots, err := tx.ActiveSlots(row.StartAt, row.EndAt)
		if err != nil {
			return added{}, err
		}
		var affected []storage.Slot
		for _, sl := range slots {
			if row.Environment == "" || sl.Environment == row.Environment {
				affected = append(affected, sl)
			}
		}
		return added{row, affected}, tx.Audit(user, "freeze added", 0, fmt.Sprintf("F-%d %s – %s (%s): %s", row.ID, kit.FallbackTime(row.StartAt), kit.FallbackTime(row.EndAt), kit.OrAll(row.Environment), row.Reason))
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply("%s", addedText(&out.freeze, out.affected)), nil
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
	loc := s.Dir.Location(ctx, req.UserID)
	start, err := kit.ParseLocal(args.Positional[0], args.Positional[1], loc)
	if err != nil {
		return nil, bot.Userf("Start: %s", err)
	}
	end, err := kit.ParseLocal(args.Positional[2], args.Positional[3], loc)
	if err != nil {
		return nil, bot.Userf("End: %s", err)
	}
	return s.checkFreeze(loc, req.UserID, args.Get("env"), args.Get("reason"), start, end)
}

// checkFreeze checks a freeze however it was entered, typed or in the form.
func (s *Service) checkFreeze(loc *time.Location, user, env, reason string, start, end time.Time) (*storage.FreezeWindow, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, bot.Userf("Say why there is a freeze with reason=\"…\"; people who are refused will read it.")
	}
	if n := len([]rune(reason)); n > kit.MaxReason {
		return nil, bot.Userf("The reason is %d characters long; keep it within %d.", n, kit.MaxReason)
	}
	if env != "" && !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s, or leave env= out to freeze all of them.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	if !end.After(start) {
		return nil, bot.Userf("The freeze ends (%s) before it starts (%s).", kit.LocalTime(end, loc), kit.LocalTime(start, loc))
	}
	if !end.After(s.Now()) {
		return nil, bot.Userf("The freeze ends in the past (%s); there is nothing to freeze.", kit.LocalTime(end, loc))
	}
	if problem := kit.TooFarAhead("freeze's end", end, s.Now(), loc); problem != "" {
		return nil, bot.Userf("%s", problem)
	}
	return &storage.FreezeWindow{Environment: env, StartAt: start, EndAt: end, Reason: reason, CreatedBy: user}, nil
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
		lines[i] = freezeLine(f)
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
