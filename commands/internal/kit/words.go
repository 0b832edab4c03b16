package kit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The words users read when a release rule refuses them. The rules live in
// package release and return typed refusals; this file alone turns them
// into sentences, so the wording stays consistent and the rules stay free
// of Slack markup.

// Refusal turns a refusal of the release rules about r into the message
// its user reads; other errors pass unchanged.
func Refusal(r *storage.Release, err error) error {
	var te *release.TransitionError
	var done *release.AlreadyDecided
	var outdated *release.OutdatedRound
	switch {
	case errors.As(err, &te):
		return bot.Userf("%s — %s. Nothing was changed.", Name(r), te.Error())
	case errors.Is(err, release.ErrOwnRelease):
		return bot.Userf("You can't approve or reject %s: it is your own release, and nobody approves their own change.", Name(r))
	case errors.Is(err, release.ErrPlannedIt):
		return bot.Userf("You can't approve or reject %s: you planned it (for %s), and nobody approves a change they asked for.", Name(r), bot.Mention(r.OwnerID))
	case errors.Is(err, release.ErrChangedIt):
		return bot.Userf("You can't approve or reject %s: you made the change this approval is for, and nobody approves a change they asked for.", Name(r))
	case errors.Is(err, release.ErrNotApprover):
		return bot.Userf("You are not an approver of %s, so your click changes nothing. `/release policy show` lists who approves what.", Name(r))
	case errors.As(err, &done):
		return bot.Userf("You already %s %s on %s; your first decision stands.", done.Decision.PastTense(), Name(r), bot.Date(done.At, "{date_short_pretty} at {time}"))
	case errors.As(err, &outdated):
		return bot.Userf("This approval request for %s is outdated: %s. Nothing was changed.", Name(r), outdatedWhy(outdated))
	}
	return err
}

// NotEditable words release.StillEditable's refusal for the command that
// met it: edit, change (a form) or reschedule.
func NotEditable(r *storage.Release, err error, verb string) error {
	var ne *release.NotEditable
	if !errors.As(err, &ne) {
		return err
	}
	if verb == "edit" {
		return bot.Userf("%s is %s; only releases that have not started can be edited.", Name(r), ne.Status.Label())
	}
	return bot.Userf("%s is %s; a cancelled, started or finished release can't be %s.", Name(r), ne.Status.Label(), verb)
}

func outdatedWhy(o *release.OutdatedRound) string {
	switch o.RoundStatus {
	case storage.RoundApproved:
		return "the release was already approved"
	case storage.RoundRejected:
		return "the release was already rejected"
	case storage.RoundSuperseded:
		if o.Release == release.StatusCancelled {
			return "the release was cancelled"
		}
		return "the release was changed since, and a new request went out if it still needs your decision"
	case storage.RoundOpen:
		return fmt.Sprintf("the release is %s now, and this request was for an earlier version of it", o.Release.Label())
	}
	return "the request was closed"
}

// PlanRefusal words a refusal of the standard-change and rollback rules
// for the release being planned, as the field it is about and the
// sentence; fitting names the catalogue's templates that would cover it.
// ok is false for any other error.
func PlanRefusal(err error, fitting []string) (field, message string, ok bool) {
	var unknown *release.TemplateUnknown
	var misfit *release.TemplateMisfit
	var why string
	switch {
	case errors.Is(err, release.ErrRollbackPlanMissing):
		return "rollback", "A rollback plan is missing: the approval policy for this release needs one. Add rollback=\"…\" saying how you would undo it.", true
	case errors.Is(err, release.ErrTemplateNotStandard):
		return "template", "Only a standard release names a template: drop template= or use type=standard.", true
	case errors.Is(err, release.ErrTemplateNeeded):
		why = "A standard release must name the pre-approved template it follows (template=<name>)."
	case errors.As(err, &unknown):
		why = fmt.Sprintf("There is no standard template called %q.", Plain(unknown.Name))
	case errors.As(err, &misfit):
		why = fmt.Sprintf("Template %s does not cover this release: %s.", misfit.Template.Name, misfitWhy(misfit))
	default:
		return "", "", false
	}
	if len(fitting) > 0 {
		return "template", fmt.Sprintf("%s Templates that fit: %s. Otherwise plan it as type=normal.", why, strings.Join(fitting, ", ")), true
	}
	return "template", why + " No template fits it: plan it as type=normal, so that it is approved.", true
}

func misfitWhy(m *release.TemplateMisfit) string {
	t := m.Template
	switch m.Field {
	case "service":
		return "it covers " + t.Service + " only"
	case "env":
		return "it covers " + t.Environment + " only"
	}
	return fmt.Sprintf("it covers up to %s risk", t.MaxRisk)
}
