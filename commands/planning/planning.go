package planning

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
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
	return bot.Reply("%s", out.summary("Planned")), nil
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

// created is what planning a release produced, for the reply.
type created struct {
	r         *storage.Release
	conflicts []release.Conflict
	rp        approvals.Plan
	override  []release.Freeze
}

func (c created) summary(verb string) string {
	var b strings.Builder
	fmt.Fprintf(&b, ":white_check_mark: %s %s → %s for %s; %s.", verb, kit.Name(c.r), bot.Escape(c.r.Environment), kit.When(c.r), approvals.Summary(c.rp))
	if len(c.override) > 0 {
		fmt.Fprintf(&b, "\n:snowflake: It runs during the freeze “%s”; allowed as an emergency, recorded, and marked for a retroactive review.", bot.Escape(c.override[0].Reason))
	}
	for i, cf := range c.conflicts {
		if i == kit.MaxConflictLines {
			fmt.Fprintf(&b, "\n:warning: …and %d more overlapping releases; `/release calendar` shows them all.", len(c.conflicts)-i)
			break
		}
		fmt.Fprintf(&b, "\n:warning: It overlaps %s", conflictText(cf))
	}
	if w := c.rp.Warning(); w != "" {
		b.WriteString("\n:warning: " + w)
	}
	return b.String()
}

func conflictText(cf release.Conflict) string {
	what := "the same environment"
	switch {
	case cf.SameService && cf.SameEnvironment:
		what = "the same service and environment"
	case cf.SameService:
		what = "the same service"
	}
	return fmt.Sprintf("*%s* %s %s → %s (%s, %s).", cf.Other.ID, bot.Escape(cf.Other.Service), bot.Escape(cf.Other.Version), bot.Escape(cf.Other.Environment), kit.Span(cf.Other.Start, cf.Other.End), what)
}

// freezeRefusal explains why a slot is refused.
func freezeRefusal(f release.Freeze) string {
	return fmt.Sprintf("It overlaps the freeze F-%d “%s” (%s, %s). Pick another time, or plan it as type=emergency with reason=\"…\" if it cannot wait.",
		f.ID, bot.Escape(f.Reason), kit.Span(f.Start, f.End), bot.Escape(kit.OrAll(f.Environment)))
}

func toFreezes(ws []storage.FreezeWindow) []release.Freeze {
	out := make([]release.Freeze, len(ws))
	for i, w := range ws {
		out[i] = release.Freeze{ID: w.ID, Environment: w.Environment, Start: w.StartAt, End: w.EndAt, Reason: w.Reason}
	}
	return out
}

// outcome is what a planning transaction produced: the release planned
// or changed, or the field errors that refused it.
type outcome struct {
	created
	fe fieldErrors
}

// refused is an outcome that changes nothing and says why.
func refused(field, format string, args ...any) outcome {
	var o outcome
	o.fe.add(field, format, args...)
	return o
}

// create plans a release: freeze rule, conflicts, approval round,
// announcement, notifications and reminders, in one transaction.
func (s *Service) create(ctx context.Context, actor, channel string, p plan) (created, fieldErrors, error) {
	rp, err := s.rounds.PrepareRound(ctx, p.Type, p.Environment, p.Owner, actor)
	if err != nil {
		return created{}, nil, err
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (outcome, error) {
		slot := release.Slot{Service: p.Service, Environment: p.Environment, Start: p.Start, End: p.End()}
		freezes, err := tx.Freezes(slot.Start, slot.End)
		if err != nil {
			return outcome{}, err
		}
		hit := release.FreezesHit(slot, toFreezes(freezes))
		if len(hit) > 0 && !release.FreezeOverride(p.Type, p.Reason) {
			return refused("start", "%s", freezeRefusal(hit[0])), nil
		}
		others, err := tx.ActiveSlots(slot.Start, slot.End)
		if err != nil {
			return outcome{}, err
		}
		r := &storage.Release{CreatedBy: actor, Channel: channel, Status: string(release.StatusPlanned), Components: p.Components}
		p.apply(r)
		if len(hit) > 0 {
			r.FreezeReason = p.Reason
		}
		r.RetroReview = p.Type == release.TypeEmergency
		details := fmt.Sprintf("%s %s → %s, %s, %s/%s risk", p.Service, p.Version, p.Environment, kit.FallbackTime(p.Start), p.Type, p.Risk)
		if err := tx.CreateRelease(r, actor, details); err != nil {
			return outcome{}, err
		}
		if len(hit) > 0 {
			if err := tx.Audit(actor, "freeze override", r.ID, fmt.Sprintf("during freeze F-%d (%s): %s", hit[0].ID, hit[0].Reason, p.Reason)); err != nil {
				return outcome{}, err
			}
		}
		opened, err := approvals.OpenRound(tx, r, rp, actor)
		if err != nil {
			return outcome{}, err
		}
		if err := delivery.RecordChange(tx, r, delivery.EvPlanned, actor, ""); err != nil {
			return outcome{}, err
		}
		return outcome{created: created{r: r, conflicts: release.Conflicts(r.Slot(), others), rp: opened, override: hit}}, nil
	})
	return out.created, out.fe, err
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
	return &bot.Response{Text: out.summary("Planned"), NoticeChannel: st.Channel}, nil
}

// SubmitEdit saves the edit form.
func (s *Service) SubmitEdit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	st, p, invalid, err := s.readSubmission(ctx, req)
	if invalid != nil || err != nil {
		return invalid, err
	}
	out, fe, err := s.change(ctx, req.UserID, st.ReleaseID, st.Revision, delivery.EvEdited, func(r *storage.Release) plan { return p })
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

// errUnchanged means an edit or reschedule changed nothing.
var errUnchanged = errors.New("nothing changed")

// change applies an edit or a reschedule: same checks as planning, a new
// approval round when the release needs approval, and everything the change
// causes, in one transaction. revision, when non-zero, must still be the
// release's: a form opened on an older version is refused, not merged.
func (s *Service) change(ctx context.Context, actor string, id, revision int64, ev delivery.Event, edit func(*storage.Release) plan) (created, fieldErrors, error) {
	current, err := s.Store.Release(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return created{}, nil, bot.Userf("%s no longer exists.", release.ID(id))
	}
	if err != nil {
		return created{}, nil, err
	}
	next := edit(current)
	rp, err := s.rounds.PrepareRound(ctx, next.Type, next.Environment, next.Owner, current.CreatedBy, actor)
	if err != nil {
		return created{}, nil, err
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (outcome, error) {
		r, err := tx.LockRelease(id)
		if err != nil {
			return outcome{}, err
		}
		if !s.MayManage(actor, r) {
			return outcome{}, bot.Userf("Only the owner (%s) or an admin can change %s.", bot.Mention(r.OwnerID), kit.Name(r))
		}
		if revision != 0 && r.Revision != revision {
			return outcome{}, bot.Userf("%s changed while you were editing it; close this form and run `/release edit %s` again.", kit.Name(r), r.HumanID())
		}
		if err := release.StillEditable(release.Status(r.Status)); err != nil {
			return outcome{}, kit.NotEditable(r, err, "changed")
		}
		return s.apply(tx, r, edit(r), rp, actor, ev)
	})
	if errors.Is(err, errUnchanged) {
		return created{}, nil, bot.Userf("Nothing changed in %s.", kit.Name(current))
	}
	return out.created, out.fe, err
}

// apply writes a change to the locked release r: the freeze rule, the
// new approval round and everything the change causes.
func (s *Service) apply(tx *storage.Tx, r *storage.Release, p plan, rp approvals.Plan, actor string, ev delivery.Event) (outcome, error) {
	st := release.Status(r.Status)
	before := fromRelease(r)
	if samePlan(before, p) {
		return outcome{}, errUnchanged
	}
	slot := release.Slot{ID: release.ID(r.ID), Service: p.Service, Environment: p.Environment, Start: p.Start, End: p.End()}
	freezes, err := tx.Freezes(slot.Start, slot.End)
	if err != nil {
		return outcome{}, err
	}
	hit := release.FreezesHit(slot, toFreezes(freezes))
	// A freeze added after the release was planned refuses moving it or
	// changing what it is, not fixing its title or handing it over: the
	// freeze's author already saw it listed as affected.
	touchesFreeze := !p.Start.Equal(before.Start) || p.Duration != before.Duration ||
		p.Environment != before.Environment || p.Type != before.Type
	if len(hit) > 0 && !release.FreezeOverride(p.Type, firstNonEmpty(p.Reason, r.FreezeReason)) {
		if touchesFreeze {
			return refused("start", "%s", freezeRefusal(hit[0])), nil
		}
		hit = nil
	}
	others, err := tx.ActiveSlots(slot.Start, slot.End)
	if err != nil {
		return outcome{}, err
	}
	p.apply(r)
	switch {
	case len(hit) == 0:
		// Out of every freeze: an old override no longer applies.
		r.FreezeReason = ""
	case p.Reason != "":
		r.FreezeReason = p.Reason
	}
	r.RetroReview = r.RetroReview || p.Type == release.TypeEmergency
	if err := tx.ReplaceComponents(r.ID, p.Components); err != nil {
		return outcome{}, err
	}
	r.Components = p.Components
	if rp, err = s.store(tx, r, st, rp, actor, ev); err != nil {
		return outcome{}, err
	}
	if err := tx.Audit(actor, string(ev), r.ID, describeChange(before, p)); err != nil {
		return outcome{}, err
	}
	if len(hit) > 0 {
		if err := tx.Audit(actor, "freeze override", r.ID, fmt.Sprintf("during freeze F-%d (%s): %s", hit[0].ID, hit[0].Reason, r.FreezeReason)); err != nil {
			return outcome{}, err
		}
	}
	opened, err := approvals.OpenRound(tx, r, rp, actor)
	if err != nil {
		return outcome{}, err
	}
	if err := delivery.RecordChange(tx, r, ev, actor, describeChangeMrkdwn(before, p)); err != nil {
		return outcome{}, err
	}
	return outcome{created: created{r: r, conflicts: release.Conflicts(r.Slot(), others), rp: opened, override: hit}}, nil
}

// store saves a changed release in the status the change leaves it in,
// and says which approval round it needs.
func (s *Service) store(tx *storage.Tx, r *storage.Release, st release.Status, rp approvals.Plan, actor string, ev delivery.Event) (approvals.Plan, error) {
	switch st {
	case release.StatusRejected:
		// It stays rejected until /release resubmit opens a new round.
		return approvals.HoldRejected(r), tx.SaveRelease(r)
	case release.StatusPlanned:
		return rp, tx.SaveRelease(r)
	}
	// Approved: the change needs a fresh decision.
	if err := tx.Transition(r, release.StatusPlanned, actor, string(ev)+": needs approval again"); err != nil {
		return rp, kit.Refusal(r, err)
	}
	return rp, nil
}

func samePlan(a, b plan) bool {
	return a.Service == b.Service && a.Version == b.Version && a.Environment == b.Environment &&
		a.Type == b.Type && a.Risk == b.Risk && a.Start.Equal(b.Start) && a.Duration == b.Duration &&
		a.Owner == b.Owner && a.Title == b.Title && a.Impact == b.Impact && a.Rollback == b.Rollback &&
		componentsText(a.Components) == componentsText(b.Components) && (b.Reason == "" || a.Reason == b.Reason)
}

// describeChange lists what changed, for the audit log: plain text that
// reads the same anywhere.
func describeChange(a, b plan) string {
	return listChanges(a, b, kit.FallbackTime, func(user string) string { return user }, func(text string) string { return text })
}

// describeChangeMrkdwn lists what changed for the thread and subscribers:
// times in each reader's zone, people as mentions.
func describeChangeMrkdwn(a, b plan) string {
	return listChanges(a, b, func(t time.Time) string { return bot.Date(t, "{date_short_pretty} {time}") }, bot.Mention, bot.Escape)
}

func listChanges(a, b plan, showTime func(time.Time) string, showUser, showText func(string) string) string {
	var parts []string
	add := func(field, from, to string) {
		if from != to {
			parts = append(parts, fmt.Sprintf("%s %s → %s", field, showText(orDash(from)), showText(orDash(to))))
		}
	}
	add("service", a.Service, b.Service)
	add("version", a.Version, b.Version)
	add("env", a.Environment, b.Environment)
	add("type", string(a.Type), string(b.Type))
	add("risk", string(a.Risk), string(b.Risk))
	if !a.Start.Equal(b.Start) {
		parts = append(parts, fmt.Sprintf("start %s → %s", showTime(a.Start), showTime(b.Start)))
	}
	add("duration", release.FormatDuration(a.Duration), release.FormatDuration(b.Duration))
	if a.Owner != b.Owner {
		parts = append(parts, fmt.Sprintf("owner %s → %s", showUser(a.Owner), showUser(b.Owner)))
	}
	add("components", componentsText(a.Components), componentsText(b.Components))
	for _, t := range []struct{ field, a, b string }{{"title", a.Title, b.Title}, {"impact", a.Impact, b.Impact}, {"rollback plan", a.Rollback, b.Rollback}} {
		if t.a != t.b {
			parts = append(parts, t.field+" updated")
		}
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
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
	start, err := parseLocal(args.Positional[1], args.Positional[2], pc.Loc)
	if err != nil {
		return nil, bot.Userf("%s", err)
	}
	if start.Before(pc.Now) {
		return nil, bot.Userf("The new start (%s) is in the past; pick a time after now.", kit.LocalTime(start, pc.Loc))
	}
	if problem := tooFarAhead("new start", start, pc.Now, pc.Loc); problem != "" {
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
