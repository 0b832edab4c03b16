package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func (s *Service) registerLifecycle(r *bot.Router) {
	for _, step := range lifecycleSteps {
		r.HandleCommand(bot.Subcommand{Name: step.command, Usage: step.usage, Summary: step.summary, Handler: s.lifecycleHandler(step)})
	}
}

type lifecycleStep struct {
	command, usage, summary string
	to                      release.Status
	ev                      event
	verb                    string
}

var lifecycleSteps = []lifecycleStep{
	{"start", "<id>", "Mark an approved release as started.", release.StatusInProgress, evStarted, "Started"},
	{"complete", "<id> [note…]", "Mark a started release as completed.", release.StatusCompleted, evCompleted, "Completed"},
	{"fail", "<id> [note…]", "Mark a started release as failed.", release.StatusFailed, evFailed, "Marked as failed"},
	{"rollback", "<id> [note…]", "Mark a started release as rolled back.", release.StatusRolledBack, evRolledBack, "Marked as rolled back"},
}

func (s *Service) lifecycleHandler(step lifecycleStep) bot.Handler {
	return func(ctx context.Context, req *bot.Request) (*bot.Response, error) {
		id, note, _ := strings.Cut(strings.TrimSpace(req.Args), " ")
		if id == "" {
			return nil, bot.Userf("Tell me which release: `/release %s R-17`.", step.command)
		}
		note = strings.TrimSpace(unescape(note))
		if step.to == release.StatusInProgress && note != "" {
			return nil, bot.Userf("`/release start` takes only the release id.")
		}
		if n := len([]rune(note)); n > maxReason {
			return nil, bot.Userf("The note is %d characters long; keep it within %d.", n, maxReason)
		}
		r, err := s.loadRelease(ctx, id)
		if err != nil {
			return nil, err
		}
		err = s.inTx(ctx, func(tx *storage.Tx) error {
			locked, err := tx.LockRelease(r.ID)
			if err != nil {
				return err
			}
			if !s.mayManage(req.UserID, locked) {
				return bot.Userf("Only the owner (%s) or an admin can do that to %s.", bot.Mention(locked.OwnerID), name(locked))
			}
			if err := tx.Transition(locked, step.to, req.UserID, note); err != nil {
				return userFacing(locked, err)
			}
			r = locked
			return s.recordChange(tx, locked, step.ev, req.UserID, note)
		})
		if err != nil {
			return nil, err
		}
		return bot.Reply("%s %s. %s", step.verb, name(r), fmt.Sprintf("The announcement and subscribers are updated.")), nil
	}
}
