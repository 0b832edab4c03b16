// Package reviews is the post-release review: the form (from /release
// review or the finished announcement's button), its follow-up actions
// with their due-date reminders and Done buttons, the lessons of recent
// reviews, and the reminders about required reviews still missing. Which
// releases need one, and who may write it, is release.ReviewRequired and
// release.ReviewAllowed.
package reviews

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Service serves the reviews.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Review is /release review <id>: the review form.
func (s *Service) Review(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id := strings.TrimSpace(req.Args)
	if id == "" || strings.ContainsAny(id, " \n\t") {
		return nil, bot.Userf("Tell me which release: `/release review R-17`.")
	}
	r, err := s.LoadRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.openForm(ctx, req, r)
}

// WriteReview is the Write review button.
func (s *Service) WriteReview(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, err := strconv.ParseInt(req.ActionValue(), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("review button value %q: %w", req.ActionValue(), err)
	}
	r, err := s.LoadRelease(ctx, release.ID(id).String())
	if err != nil {
		return nil, err
	}
	return s.openForm(ctx, req, r)
}

// openForm checks the rule before the form opens, so nobody types a
// review that would be refused.
func (s *Service) openForm(ctx context.Context, req *bot.Request, r *storage.Release) (*bot.Response, error) {
	rv, err := s.Store.ReviewOf(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	if err := release.ReviewAllowed(release.Status(r.Status), rv != nil && rv.Final, s.MayManage(req.UserID, r)); err != nil {
		s.Log.Info("review refused", "release", r.HumanID(), "user", req.UserID, "why", err.Error())
		return nil, kit.ReviewRefusal(r, err)
	}
	if _, err := s.API.OpenView(ctx, req.TriggerID, reviewModal(r, rv, req.ChannelID)); err != nil {
		return nil, fmt.Errorf("open review modal: %w", err)
	}
	return nil, nil
}

// SubmitReview saves the review: it is posted in the thread, its actions'
// owners will be reminded on their due dates, and the release no longer
// needs a retroactive review.
func (s *Service) SubmitReview(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, channel, err := kit.ParseRowMetadata(req.View.PrivateMetadata, "review")
	if err != nil {
		return nil, err
	}
	r, err := s.Store.Release(ctx, id)
	if err != nil {
		return nil, err
	}
	form, errs := readReviewModal(req.View, r, dayIn(s.Now(), s.Dir.Location(ctx, req.UserID)))
	if len(errs) > 0 {
		return &bot.Response{Errors: errs}, nil
	}
	due := make([]time.Time, len(form.actions))
	for i, a := range form.actions {
		if due[i], err = release.ActionDueAt(a.DueOn, s.Dir.Location(ctx, a.OwnerID)); err != nil {
			return nil, err
		}
	}
	rv, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*storage.Review, error) {
		return s.save(tx, req.UserID, id, form, due)
	})
	if msg, ok := bot.UserMessage(err); ok {
		return &bot.Response{Errors: map[string]string{"criteria": msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	state := "It is posted in the release thread; you can change it until you mark it final."
	if rv.Final {
		state = "It is posted in the release thread and final."
	}
	return &bot.Response{Text: fmt.Sprintf("Saved the review of %s with %d follow-up action%s. %s", kit.Name(r), len(form.actions), kit.Plural(len(form.actions)), state), NoticeChannel: channel}, nil
}

func (s *Service) save(tx *storage.Tx, user string, id int64, form reviewForm, due []time.Time) (*storage.Review, error) {
	r, err := tx.LockRelease(id)
	if err != nil {
		return nil, err
	}
	rv, err := tx.ReviewOf(id)
	if err != nil {
		return nil, err
	}
	if err := release.ReviewAllowed(release.Status(r.Status), rv != nil && rv.Final, s.MayManage(user, r)); err != nil {
		s.Log.Info("review refused", "release", r.HumanID(), "user", user, "why", err.Error())
		return nil, kit.ReviewRefusal(r, err)
	}
	action := "review edited"
	if rv == nil {
		rv, action = &storage.Review{ReleaseID: id, Revision: 1}, "review written"
	}
	rv.AuthorID, rv.Criteria, rv.WentWell, rv.WentWrong, rv.Final = user, string(form.criteria), form.wentWell, form.wentWrong, form.final
	if err := tx.SaveReview(rv, form.actions); err != nil {
		return nil, err
	}
	if _, err := tx.Enqueue(delivery.PostReview(r, rv)); err != nil {
		return nil, err
	}
	for i := range form.actions {
		if _, err := tx.Enqueue(delivery.RemindAction(&form.actions[i], due[i])); err != nil {
			return nil, err
		}
	}
	details := fmt.Sprintf("success criteria: %s; %d follow-up actions", form.criteria, len(form.actions))
	if form.final {
		details += "; final"
	}
	return rv, tx.Audit(user, action, id, details)
}

// Done is the Done button of a follow-up action.
func (s *Service) Done(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, err := strconv.ParseInt(req.ActionValue(), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("done button value %q: %w", req.ActionValue(), err)
	}
	type closed struct {
		r *storage.Release
		a *storage.ReviewAction
	}
	c, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*closed, error) {
		a, err := tx.LockReviewAction(id)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, bot.Userf("That follow-up action no longer exists; the review was changed since.")
		}
		if err != nil {
			return nil, err
		}
		r, err := tx.LockRelease(a.ReleaseID)
		if err != nil {
			return nil, err
		}
		if err := release.CloseActionAllowed(a.DoneAt != nil, a.OwnerID == req.UserID, s.MayManage(req.UserID, r)); err != nil {
			s.Log.Info("closing action refused", "release", r.HumanID(), "user", req.UserID, "why", err.Error())
			return nil, kit.ReviewRefusal(r, err)
		}
		if err := tx.CloseReviewAction(a, req.UserID); err != nil {
			return nil, err
		}
		return &closed{r, a}, tx.Audit(req.UserID, "follow-up action done", r.ID, fmt.Sprintf("action %d", a.ID))
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply(":white_check_mark: Done: %s (from the review of %s).", bot.Escape(c.a.Text), kit.Name(c.r)), nil
}
