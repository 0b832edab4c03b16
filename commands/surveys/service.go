// Package surveys asks a finished release's stakeholders how satisfied
// they are and whether they use what it delivered, takes their answers
// (changeable until the survey closes), follows up on "not yet" and
// summarises the results when the survey closes. Who may answer and until
// when is release.AnswerAllowed; every message goes through the outbox,
// keyed so that each person is asked once per release.
package surveys

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

// Service serves the surveys.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// surveyedStatuses are release.Surveyed as stored.
func surveyedStatuses() []string {
	out := make([]string, 0, len(release.Surveyed))
	for _, s := range release.Surveyed {
		out = append(out, string(s))
	}
	return out
}

// OpenDue opens the survey of every release that finished SURVEY_DELAY ago
// or more, and not so long ago that its survey would already be closed.
// Whichever way a release finished (a command, a button, an API call),
// its finish time is what counts. It writes under unique keys, so every
// replica may run it.
func (s *Service) OpenDue(ctx context.Context) error {
	now := s.Now()
	fb := s.Config.Feedback
	due, err := s.Store.FinishedUnsurveyed(ctx, surveyedStatuses(), now.Add(-fb.SurveyDelay-fb.SurveyOpenFor), now.Add(-fb.SurveyDelay))
	if err != nil {
		return err
	}
	for i := range due {
		if _, err := s.open(ctx, &due[i]); err != nil {
			return fmt.Errorf("open survey of %s: %w", due[i].HumanID(), err)
		}
	}
	return nil
}

// open opens r's survey (once, whoever asks first) and returns it.
func (s *Service) open(ctx context.Context, r *storage.Release) (*storage.Survey, error) {
	holders, err := s.Store.Stakeholders(ctx, r.Service)
	if err != nil {
		return nil, err
	}
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*storage.Survey, error) {
		sv := &storage.Survey{ReleaseID: r.ID, OpenedAt: now, ClosesAt: now.Add(s.Config.SurveyOpenFor)}
		invited := make([]string, 0, len(holders))
		for _, h := range holders {
			invited = append(invited, h.UserID)
		}
		opened, err := tx.OpenSurvey(sv, invited)
		if err != nil || !opened {
			return nil, err
		}
		for _, u := range invited {
			for _, m := range []*storage.OutboxMessage{delivery.AskStakeholder(r, sv, u), delivery.RemindStakeholder(r, sv, u), delivery.CloseSurveyDM(r, sv, u)} {
				if _, err := tx.Enqueue(m); err != nil {
					return nil, err
				}
			}
		}
		for _, m := range delivery.SummarizeSurvey(r, sv) {
			if _, err := tx.Enqueue(m); err != nil {
				return nil, err
			}
		}
		s.Log.Info("survey opened", "release", r.HumanID(), "invited", len(invited))
		return sv, tx.Audit(kit.PolicyActor, "survey opened", r.ID, fmt.Sprintf("%d stakeholders invited, closes %s", len(invited), kit.FallbackTime(sv.ClosesAt)))
	})
}

// surveyOf reads r's survey, opening it when it finished and the delay
// has not run out yet (someone asked for it early).
func (s *Service) surveyOf(ctx context.Context, r *storage.Release) (*storage.Survey, error) {
	sv, err := s.Store.SurveyOf(ctx, r.ID)
	if errors.Is(err, storage.ErrNotFound) {
		if _, err := s.open(ctx, r); err != nil {
			return nil, err
		}
		return s.Store.SurveyOf(ctx, r.ID)
	}
	return sv, err
}

// Survey is /release survey <id> here: the survey, posted in this
// channel, where anyone may answer.
func (s *Service) Survey(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	fields := strings.Fields(req.Args)
	if len(fields) != 2 || fields[1] != "here" {
		return nil, bot.Userf("Tell me which release, and say `here`: `/release survey R-17 here` posts its survey in this channel.")
	}
	r, err := s.LoadRelease(ctx, fields[0])
	if err != nil {
		return nil, err
	}
	if !s.MayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can post the survey of %s.", bot.Mention(r.OwnerID), kit.Name(r))
	}
	if !surveyed(release.Status(r.Status)) {
		return nil, bot.Userf("%s is %s; a survey follows a release that completed, failed or was rolled back.", kit.Name(r), release.Status(r.Status).Label())
	}
	sv, err := s.surveyOf(ctx, r)
	if err != nil {
		return nil, err
	}
	if !s.Now().Before(sv.ClosesAt) {
		return nil, bot.Userf("The survey of %s closed on %s; its summary is in the release thread.", kit.Name(r), bot.Date(sv.ClosesAt, "{date_short_pretty}"))
	}
	_, err = kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (bool, error) {
		if err := tx.MakeSurveyPublic(sv.ID); err != nil {
			return false, err
		}
		if _, err := tx.Enqueue(delivery.PostSurvey(r, sv, req.ChannelID)); err != nil {
			return false, err
		}
		return true, tx.Audit(req.UserID, "survey posted", r.ID, "in "+req.ChannelID)
	})
	if err != nil {
		return nil, err
	}
	return bot.Reply("The survey of %s is on its way to this channel; anyone here may answer it.", kit.Name(r)), nil
}

func surveyed(st release.Status) bool {
	for _, s := range release.Surveyed {
		if s == st {
			return true
		}
	}
	return false
}

// surveyFromValue reads a survey button's value: the survey id and the
// answer.
func surveyFromValue(v string) (int64, string, error) {
	idText, answer, ok := strings.Cut(v, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil {
		return 0, "", fmt.Errorf("survey button value %q", v)
	}
	return id, answer, nil
}
