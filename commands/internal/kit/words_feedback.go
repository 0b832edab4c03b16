package kit

import (
	"errors"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The words for the survey and review rules' refusals (release/feedback.go),
// kept beside words.go for the same reason.

// SurveyRefusal words a refused survey answer about r.
func SurveyRefusal(r *storage.Release, err error) error {
	switch {
	case errors.Is(err, release.ErrSurveyClosed):
		return bot.Userf("The survey of %s is closed, so your answer was not recorded. Thank you all the same.", Name(r))
	case errors.Is(err, release.ErrSurveyCancelled):
		return bot.Userf("%s was cancelled, so there is nothing to answer. Nothing was recorded.", Name(r))
	case errors.Is(err, release.ErrNotSurveyed):
		return bot.Userf("This survey of %s was sent to its service's stakeholders, and you are not one of them. Nothing was recorded.", Name(r))
	case errors.Is(err, release.ErrNoFollowUp):
		return bot.Userf("You did not answer \"not yet\" about %s, so there is no follow-up to answer. Nothing was recorded.", Name(r))
	}
	return err
}

// ReviewRefusal words a refused review or follow-up action about r.
func ReviewRefusal(r *storage.Release, err error) error {
	switch {
	case errors.Is(err, release.ErrNotFinished):
		return bot.Userf("%s is %s; a review follows a release that completed, failed or was rolled back.", Name(r), release.Status(r.Status).Label())
	case errors.Is(err, release.ErrNotReviewer):
		return bot.Userf("Only the owner (%s) or an admin can write the review of %s.", bot.Mention(r.OwnerID), Name(r))
	case errors.Is(err, release.ErrReviewFinal):
		return bot.Userf("The review of %s is final and can no longer be changed.", Name(r))
	case errors.Is(err, release.ErrNotActionCloser):
		return bot.Userf("Only the action's owner, %s's owner (%s) or an admin can close this action.", Name(r), bot.Mention(r.OwnerID))
	case errors.Is(err, release.ErrActionAlreadyDone):
		return bot.Userf("That follow-up action of %s is already done.", Name(r))
	}
	return err
}
