package surveys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// CallbackComment is the comment form's callback id.
const CallbackComment = "survey.comment"

// maxComment is how long a comment may be.
const maxComment = 1000

// answered is what an answer changed, for the reply.
type answered struct {
	r    *storage.Release
	resp *storage.SurveyResponse
	sv   *storage.Survey
	// changed: the person had answered this question before.
	changed bool
}

// Score is a click on 1–5.
func (s *Service) Score(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.clicked(ctx, req, func(resp *storage.SurveyResponse, v string) (bool, error) {
		n, err := release.ParseScore(v)
		changed := resp.Score != 0
		resp.Score = n
		return changed, err
	})
}

// Adoption is a click on yes / not yet / no.
func (s *Service) Adoption(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.clicked(ctx, req, func(resp *storage.SurveyResponse, v string) (bool, error) {
		a, err := release.ParseAdoption(v)
		changed := resp.Adoption != ""
		resp.Adoption = string(a)
		return changed, err
	})
}

func (s *Service) clicked(ctx context.Context, req *bot.Request, apply func(*storage.SurveyResponse, string) (bool, error)) (*bot.Response, error) {
	id, v, err := surveyFromValue(req.ActionValue())
	if err != nil {
		return nil, err
	}
	a, err := s.answer(ctx, req.UserID, id, func(resp *storage.SurveyResponse) (bool, error) { return apply(resp, v) })
	if err != nil {
		return nil, err
	}
	verb := "Thank you! Your answer about"
	if a.changed {
		verb = "Changed. Your answer about"
	}
	return bot.Reply("%s %s: %s. You may change it until %s.", verb, kit.Name(a.r), delivery.AnswerText(a.resp), bot.Date(a.sv.ClosesAt, "{date_short_pretty} at {time}")), nil
}

// answer applies one person's answer to survey id in one transaction,
// with its audit entry, the update of their survey DM and, for "not yet",
// the follow-up.
func (s *Service) answer(ctx context.Context, user string, id int64, apply func(*storage.SurveyResponse) (bool, error)) (*answered, error) {
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*answered, error) {
		sv, r, invited, err := s.lockSurvey(tx, id, user)
		if err != nil {
			return nil, err
		}
		if err := release.AnswerAllowed(release.SurveyCheck{Status: release.Status(r.Status), ClosesAt: sv.ClosesAt, Now: now, Invited: invited, Public: sv.Public}); err != nil {
			s.Log.Info("survey answer refused", "release", r.HumanID(), "user", user, "why", err.Error())
			return nil, kit.SurveyRefusal(r, err)
		}
		resp, err := tx.Response(sv.ID, user)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			resp = &storage.SurveyResponse{SurveyID: sv.ID, UserID: user}
		}
		changed, err := apply(resp)
		if err != nil {
			return nil, err
		}
		if err := tx.SaveResponse(resp); err != nil {
			return nil, err
		}
		if err := s.afterAnswer(tx, r, sv, resp, invited, now); err != nil {
			return nil, err
		}
		return &answered{r: r, resp: resp, sv: sv, changed: changed}, tx.Audit(user, "survey answered", r.ID, delivery.AnswerText(resp))
	})
}

func (s *Service) afterAnswer(tx *storage.Tx, r *storage.Release, sv *storage.Survey, resp *storage.SurveyResponse, invited bool, now time.Time) error {
	if invited {
		if _, err := tx.Enqueue(delivery.UpdateSurvey(r.ID, sv.ID, resp.UserID, resp.Changes)); err != nil {
			return err
		}
	}
	if release.Adoption(resp.Adoption) == release.AdoptionNotYet {
		_, err := tx.Enqueue(delivery.FollowUpAdoption(r, sv, resp.UserID, now.Add(s.Config.AdoptionFollowUp)))
		return err
	}
	return nil
}

// lockSurvey reads the survey and its release for a change, and whether
// user was invited.
func (s *Service) lockSurvey(tx *storage.Tx, id int64, user string) (*storage.Survey, *storage.Release, bool, error) {
	sv, err := tx.LockSurvey(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, false, bot.Userf("That survey no longer exists.")
	}
	if err != nil {
		return nil, nil, false, err
	}
	r, err := tx.LockRelease(sv.ReleaseID)
	if err != nil {
		return nil, nil, false, err
	}
	invited, err := tx.Invited(sv.ID, user)
	return sv, r, invited, err
}

// FollowUp is a click on the adoption follow-up's answers.
func (s *Service) FollowUp(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, v, err := surveyFromValue(req.ActionValue())
	if err != nil {
		return nil, err
	}
	a, err := release.ParseAdoption(v)
	if err != nil {
		return nil, err
	}
	r, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*storage.Release, error) {
		sv, r, _, err := s.lockSurvey(tx, id, req.UserID)
		if err != nil {
			return nil, err
		}
		resp, err := tx.Response(sv.ID, req.UserID)
		if err != nil {
			return nil, err
		}
		prior := release.Adoption("")
		if resp != nil {
			prior = release.Adoption(resp.Adoption)
		}
		if err := release.FollowUpAllowed(release.Status(r.Status), prior); err != nil {
			s.Log.Info("adoption follow-up refused", "release", r.HumanID(), "user", req.UserID, "why", err.Error())
			return nil, kit.SurveyRefusal(r, err)
		}
		resp.FollowUp = string(a)
		if err := tx.SaveResponse(resp); err != nil {
			return nil, err
		}
		return r, tx.Audit(req.UserID, "adoption follow-up answered", r.ID, a.Label())
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply("Thank you! Using what %s delivered: %s.", kit.Name(r), a.Label()), nil
}

// Comment is a click on Add a comment: the form opens when the person may
// still answer.
func (s *Service) Comment(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, _, err := surveyFromValue(req.ActionValue())
	if err != nil {
		return nil, err
	}
	sv, err := s.Store.Survey(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, bot.Userf("That survey no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	r, err := s.Store.Release(ctx, sv.ReleaseID)
	if err != nil {
		return nil, err
	}
	invited, err := s.Store.IsInvited(ctx, sv.ID, req.UserID)
	if err != nil {
		return nil, err
	}
	if err := release.AnswerAllowed(release.SurveyCheck{Status: release.Status(r.Status), ClosesAt: sv.ClosesAt, Now: s.Now(), Invited: invited, Public: sv.Public}); err != nil {
		s.Log.Info("survey comment refused", "release", r.HumanID(), "user", req.UserID, "why", err.Error())
		return nil, kit.SurveyRefusal(r, err)
	}
	current := ""
	if resp, err := s.Store.SurveyResponse(ctx, sv.ID, req.UserID); err == nil && resp != nil {
		current = resp.Comment
	}
	if _, err := s.API.OpenView(ctx, req.TriggerID, commentModal(r, sv.ID, req.ChannelID, current)); err != nil {
		return nil, fmt.Errorf("open comment modal: %w", err)
	}
	return nil, nil
}

// SubmitComment saves the comment typed in the form.
func (s *Service) SubmitComment(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	id, channel, err := kit.ParseRowMetadata(req.View.PrivateMetadata, "comment")
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(req.View.State.Values["comment"]["comment"].Value)
	if n := len([]rune(text)); n > maxComment {
		return &bot.Response{Errors: map[string]string{"comment": fmt.Sprintf("Keep it within %d characters (this is %d).", maxComment, n)}}, nil
	}
	a, err := s.answer(ctx, req.UserID, id, func(resp *storage.SurveyResponse) (bool, error) {
		changed := resp.Comment != ""
		resp.Comment = text
		return changed, nil
	})
	if msg, ok := bot.UserMessage(err); ok {
		return &bot.Response{Errors: map[string]string{"comment": msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &bot.Response{Text: fmt.Sprintf("Thank you! Your comment about %s is saved.", kit.Name(a.r)), NoticeChannel: channel}, nil
}

func commentModal(r *storage.Release, surveyID int64, channel, current string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(bot.PlainText("What should the team know?", 150), "comment")
	input.Multiline = true
	input.MaxLength = maxComment
	input.InitialValue = current
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackComment,
		Title:           bot.PlainText("Comment on "+r.HumanID(), bot.MaxModalTitle),
		Submit:          bot.PlainText("Save", bot.MaxModalTitle),
		Close:           bot.PlainText("Cancel", bot.MaxModalTitle),
		PrivateMetadata: kit.RowMetadata(surveyID, channel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			bot.Section(bot.Escape(delivery.SurveyQuestion(r))),
			slack.NewInputBlock("comment", bot.PlainText("Comment", 2000), nil, input),
		}},
	}
}
