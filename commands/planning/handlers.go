package planning

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func (s *Service) parseContext(ctx context.Context, user string) parseContext {
	return parseContext{Caller: user, Loc: s.Dir.Location(ctx, user), Now: s.Now(), Environments: s.Config.Environments}
}

// New is /release new: typed in one line, or the form when there are no arguments.
func (s *Service) New(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) == "" {
		// Open the form before anything slow: the trigger lives 3 seconds.
		view := releaseModal(CallbackNew, "New release", "Plan", modalState{Channel: req.ChannelID}, plan{Owner: req.UserID, Environment: defaultEnv(s.Config.Environments), Type: defaultType, Risk: defaultRisk, Duration: defaultDuration}, s.Config.Environments, s.Now())
		if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
			return nil, fmt.Errorf("open new-release form: %w", err)
		}
		return nil, nil
	}
	p, fe := parseNew(req.Args, s.parseContext(ctx, req.UserID))
	if len(fe) > 0 {
		return nil, bot.Userf("%s", fe.message("I couldn't plan that release:"))
	}
	if problem := s.ownerProblem(ctx, req.UserID, p.Owner); problem != "" {
		return nil, bot.Userf("I couldn't plan that release: %s", problem)
	}
	if problem := s.announceProblem(ctx, req.ChannelID); problem != "" {
		return nil, bot.Userf("I couldn't plan that release: %s", problem)
	}
	out, fe, err := s.create(ctx, req.UserID, req.ChannelID, p)
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return nil, bot.Userf("%s", fe.message("I couldn't plan that release:"))
	}
	return bot.Reply("%s", s.withOpenActions(ctx, p.Service, out.summary("Planned"))), nil
}

// ownerProblem says why owner cannot own a release, or "" when they can:
// reminders and approvals go to the owner, so it must be a person who is
// still in the workspace. Callers always qualify; when Slack cannot tell,
// planning goes ahead.
func (s *Service) ownerProblem(ctx context.Context, caller, owner string) string {
	if owner == caller {
		return ""
	}
	u, err := s.API.UserInfo(ctx, owner)
	switch {
	case bot.ErrorCode(err) == "user_not_found":
		return fmt.Sprintf("the owner %s is not in this workspace; mention a colleague, like @ana.", bot.Mention(owner))
	case err != nil || u == nil:
		s.Log.Info("could not check a release's owner", "owner", owner, "err", err)
	case u.Deleted:
		return fmt.Sprintf("the owner %s is deactivated; choose someone who is still here.", bot.Mention(owner))
	case u.IsBot:
		return fmt.Sprintf("the owner %s is a bot; a release needs a person who can be reminded and asked.", bot.Mention(owner))
	}
	return ""
}

// cantAnnounce explains a home channel the bot cannot post in.
const cantAnnounce = "I can't post in this channel, so nobody here would see its announcement. Invite me with `/invite @releasebot` and try again, or plan it in a channel I'm in."

// announceProblem says why the release's announcement could not be posted
// in channel, its home channel, or "" when it can. Slack hides private
// channels the bot is not in. When Slack cannot tell (an outage), planning
// goes ahead: the outbox retries the announcement and alerts the admins.
func (s *Service) announceProblem(ctx context.Context, channel string) string {
	ch, err := s.API.ConversationInfo(ctx, channel)
	switch {
	case bot.ErrorCode(err) == "channel_not_found":
		return cantAnnounce
	case err != nil:
		s.Log.Info("could not check a release's home channel", "channel", channel, "err", err)
	case ch.IsArchived:
		return "This channel is archived, so nobody would see its announcement. Plan it in another channel."
	case ch.IsPrivate && !ch.IsMember:
		return cantAnnounce
	}
	return ""
}

// Edit is /release edit: the form, filled with the release as it is.
func (s *Service) Edit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release edit R-17`.")
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	if !s.MayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can edit %s.", bot.Mention(r.OwnerID), kit.Name(r))
	}
	if err := release.StillEditable(release.Status(r.Status)); err != nil {
		return nil, kit.NotEditable(r, err, "edit")
	}
	view := releaseModal(CallbackEdit, "Edit "+r.HumanID(), "Save", modalState{Channel: req.ChannelID, ReleaseID: r.ID, Revision: r.Revision}, fromRelease(r), s.Config.Environments, s.Now())
	if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open edit form: %w", err)
	}
	return nil, nil
}

// readSubmission reads a planning form: what it was opened for and what
// was typed. A response instead means the form stays open with its field
// errors.
func (s *Service) readSubmission(ctx context.Context, req *bot.Request) (modalState, plan, *bot.Response, error) {
	st, err := decodeModalState(req.View.PrivateMetadata)
	if err != nil {
		return st, plan{}, nil, err
	}
	p, fe := readModal(req.View, s.parseContext(ctx, req.UserID))
	if len(fe) > 0 {
		return st, p, &bot.Response{Errors: fe.modal()}, nil
	}
	if problem := s.ownerProblem(ctx, req.UserID, p.Owner); problem != "" {
		return st, p, &bot.Response{Errors: map[string]string{"owner": kit.Capitalize(problem)}}, nil
	}
	return st, p, nil, nil
}

// SubmitNew plans the release typed in the new-release form.
func (s *Service) SubmitNew(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	st, p, invalid, err := s.readSubmission(ctx, req)
	if invalid != nil || err != nil {
		return invalid, err
	}
	if problem := s.announceProblem(ctx, st.Channel); problem != "" {
		// Not a field's fault, but the form stays open: after an invite,
		// submitting again works.
		return &bot.Response{Errors: map[string]string{"service": problem}}, nil
	}
	out, fe, err := s.create(ctx, req.UserID, st.Channel, p)
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return &bot.Response{Errors: fe.modal()}, nil
	}
	return &bot.Response{Text: s.withOpenActions(ctx, p.Service, out.summary("Planned")), NoticeChannel: st.Channel}, nil
}

// SubmitEdit saves the edit form.
func (s *Service) SubmitEdit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	st, p, invalid, err := s.readSubmission(ctx, req)
	if invalid != nil || err != nil {
		return invalid, err
	}
	out, fe, err := s.change(ctx, req.UserID, st.ReleaseID, st.Revision, delivery.EvEdited, func(*storage.Release) plan { return p })
	if msg, ok := bot.UserMessage(err); ok {
		return &bot.Response{Errors: map[string]string{"service": msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return &bot.Response{Errors: fe.modal()}, nil
	}
	return &bot.Response{Text: out.summary("Saved"), NoticeChannel: st.Channel}, nil
}

// Reschedule is /release reschedule.
func (s *Service) Reschedule(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	const usage = "`/release reschedule R-17 2026-12-03 14:30 [duration=2h]`"
	args, err := kit.ParseArgs(req.Args, "duration")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
	}
	if len(args.Positional) != 3 {
		return nil, bot.Userf("I need the release, a date and a time: %s", usage)
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	if !s.MayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can reschedule %s.", bot.Mention(r.OwnerID), kit.Name(r))
	}
	if err := release.StillEditable(release.Status(r.Status)); err != nil {
		return nil, kit.NotEditable(r, err, "rescheduled")
	}
	pc := s.parseContext(ctx, req.UserID)
	start, err := kit.ParseLocal(args.Positional[1], args.Positional[2], pc.Loc)
	if err != nil {
		return nil, bot.Userf("%s", err)
	}
	if start.Before(pc.Now) {
		return nil, bot.Userf("The new start (%s) is in the past; pick a time after now.", kit.LocalTime(start, pc.Loc))
	}
	if problem := kit.TooFarAhead("new start", start, pc.Now, pc.Loc); problem != "" {
		return nil, bot.Userf("%s", problem)
	}
	var duration time.Duration // 0: keep the release's own
	if args.Has("duration") {
		if duration, err = release.ParseDuration(args.Get("duration")); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
	}
	out, fe, err := s.change(ctx, req.UserID, r.ID, 0, delivery.EvRescheduled, func(cur *storage.Release) plan {
		p := fromRelease(cur)
		p.Start, p.Reason = start, ""
		if duration > 0 {
			p.Duration = duration
		}
		return p
	})
	if err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return nil, bot.Userf("%s", fe.message(fmt.Sprintf("I couldn't reschedule %s:", kit.Name(r))))
	}
	return bot.Reply("%s", out.summary("Rescheduled")), nil
}
