// Package lifecycle moves a release through its life once it is planned:
// start, complete, fail, roll back, cancel. Which moves are allowed is
// release.CheckTransition.
package lifecycle

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Service serves the lifecycle commands.
type Service struct {
	*kit.Deps
	// exec keeps readiness checks and what is live where in step with
	// the moves typed here.
	exec *execution.Service
}

// New builds the service.
func New(d *kit.Deps, exec *execution.Service) *Service { return &Service{Deps: d, exec: exec} }

type step struct {
	command string
	to      release.Status
	ev      delivery.Event
	verb    string // what the reply says was done
	action  string // what a refusal says the caller may not do
}

var (
	startStep    = step{"start", release.StatusInProgress, delivery.EvStarted, "Started", "start"}
	completeStep = step{"complete", release.StatusCompleted, delivery.EvCompleted, "Completed", "complete"}
	failStep     = step{"fail", release.StatusFailed, delivery.EvFailed, "Marked as failed", "mark as failed"}
	rollbackStep = step{"rollback", release.StatusRolledBack, delivery.EvRolledBack, "Marked as rolled back", "mark as rolled back"}
)

// Start is /release start.
func (s *Service) Start(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.move(ctx, req, startStep)
}

// Complete is /release complete.
func (s *Service) Complete(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.move(ctx, req, completeStep)
}

// Fail is /release fail.
func (s *Service) Fail(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.move(ctx, req, failStep)
}

// Rollback is /release rollback.
func (s *Service) Rollback(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.move(ctx, req, rollbackStep)
}

func (s *Service) move(ctx context.Context, req *bot.Request, st step) (*bot.Response, error) {
	id, note := idAndText(req.Args)
	if id == "" {
		return nil, bot.Userf("Tell me which release: `/release %s R-17`.", st.command)
	}
	if st.to == release.StatusInProgress && note != "" {
		return nil, bot.Userf("`/release start` takes only the release id.")
	}
	if n := len([]rune(note)); n > kit.MaxReason {
		return nil, bot.Userf("The note is %d characters long; keep it within %d.", n, kit.MaxReason)
	}
	also, err := s.execution(ctx, id, st.to)
	if err != nil {
		return nil, err
	}
	r, err := s.moveRelease(ctx, req.UserID, id, st.to, st.ev, note, st.action, also)
	if err != nil {
		return nil, err
	}
	return bot.Reply("%s %s. The announcement and subscribers are updated.", st.verb, kit.Name(r)), nil
}

// execution is what a move needs besides: a start passes the readiness
// checks its policy requires; every move keeps what is live in step.
func (s *Service) execution(ctx context.Context, id string, to release.Status) (func(*storage.Tx, *storage.Release) error, error) {
	var required []string
	if to == release.StatusInProgress {
		r, err := s.LoadRelease(ctx, id)
		if err != nil {
			return nil, err
		}
		if required, err = s.exec.RequiredChecks(ctx, r); err != nil {
			return nil, err
		}
	}
	return func(tx *storage.Tx, locked *storage.Release) error {
		if to == release.StatusInProgress {
			if err := s.exec.StartAllowed(tx, locked, required); err != nil {
				return err
			}
		}
		return s.exec.AfterMove(tx, locked)
	}, nil
}

// Cancel is /release cancel: before it starts, its rounds close and its
// reminders are dropped.
func (s *Service) Cancel(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, reason := idAndText(req.Args)
	if id == "" {
		return nil, bot.Userf("Tell me which release: `/release cancel R-17 [reason]`.")
	}
	if n := len([]rune(reason)); n > kit.MaxReason {
		return nil, bot.Userf("The reason is %d characters long; keep it within %d.", n, kit.MaxReason)
	}
	r, err := s.moveRelease(ctx, req.UserID, id, release.StatusCancelled, delivery.EvCancelled, reason, "cancel", func(tx *storage.Tx, locked *storage.Release) error {
		return approvals.Supersede(tx, locked, "the release was cancelled")
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply(":heavy_multiplication_x: Cancelled %s. Subscribers are told and its reminders are off.", kit.Name(r)), nil
}

// idAndText splits "R-17 free text" at the first white space of any kind
// (Slack keeps the newlines people type) and unescapes the text.
func idAndText(args string) (id, text string) {
	id = strings.TrimSpace(args)
	if i := strings.IndexFunc(id, unicode.IsSpace); i >= 0 {
		id, text = id[:i], id[i:]
	}
	return id, strings.TrimSpace(kit.Unescape(text))
}

// moveRelease takes a release its owner or an admin asked to move to
// status to: the permission is checked on the locked row (the owner may
// have changed since it was read), and the change, its audit line and its
// notifications commit together. also adds what one move needs besides.
func (s *Service) moveRelease(ctx context.Context, user, id string, to release.Status, ev delivery.Event, note, action string, also func(*storage.Tx, *storage.Release) error) (*storage.Release, error) {
	r, err := s.LoadRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*storage.Release, error) {
		locked, err := tx.LockRelease(r.ID)
		if err != nil {
			return nil, err
		}
		if !s.MayManage(user, locked) {
			return nil, bot.Userf("Only the owner (%s) or an admin can %s %s.", bot.Mention(locked.OwnerID), action, kit.Name(locked))
		}
		if err := tx.Transition(locked, to, user, note); err != nil {
			return nil, kit.Refusal(locked, err)
		}
		if also != nil {
			if err := also(tx, locked); err != nil {
				return nil, err
			}
		}
		return locked, delivery.RecordChange(tx, locked, ev, user, kit.EscapeNote(note))
	})
}
