package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func roundFromAction(req *bot.Request) (int64, error) {
	id, err := strconv.ParseInt(req.ActionValue(), 10, 64)
	if err != nil || id <= 0 {
		return 0, bot.Userf("That button does not belong to an approval request I know.")
	}
	return id, nil
}

// Approve is the Approve button of a request, the announcement or the App Home.
func (s *Service) Approve(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	roundID, err := roundFromAction(req)
	if err != nil {
		return nil, err
	}
	resp, err := s.decide(ctx, req.UserID, roundID, release.Approve, "")
	if fromHome(req) {
		s.refreshHome(ctx, req.UserID)
	}
	if _, refused := bot.UserMessage(err); refused {
		s.repairRequest(ctx, req, roundID)
	}
	return resp, err
}

// repairRequest brings an approver's request DM up to date when a click on
// it was refused: a request that still offers its buttons after the round
// closed or after the approver decided was not updated (Slack refused the
// update, say), and the click proves it. It is updated again, once per
// state of the round.
func (s *Service) repairRequest(ctx context.Context, req *bot.Request, roundID int64) {
	if req.MessageTS == "" || req.IsEphemeral {
		return
	}
	round, err := s.Store.Round(ctx, roundID)
	if err != nil {
		return
	}
	for _, a := range round.Approvers {
		if a.UserID != req.UserID || a.DMTS != req.MessageTS {
			continue
		}
		added, err := s.Store.Enqueue(ctx, delivery.RepairApprovalDM(round.ReleaseID, a.ID, fmt.Sprintf("%s:%d", round.Status, len(round.Decisions))))
		if err != nil {
			s.Log.Warn("could not repair an approval request", "round", roundID, "user", req.UserID, "err", err)
		} else if added {
			s.Wake()
		}
	}
}

// fromHome reports whether a click came from the App Home, which has no
// response_url: the answer goes by DM and the Home is published again so
// it no longer offers a decision that was made.
func fromHome(req *bot.Request) bool {
	return req.View != nil && req.View.Type == slack.VTHomeTab
}

// refreshHome publishes the user's App Home again after a decision (or a
// refused click) made there.
func (s *Service) refreshHome(ctx context.Context, user string) {
	if err := s.home.Publish(context.WithoutCancel(ctx), user); err != nil {
		s.Log.Warn("could not refresh the App Home after a decision", "user", user, "err", err)
	}
}

// homeMarker in the reject modal's metadata says the modal was opened from
// the App Home.
const homeMarker = "home"

// Reject asks for the reason first; the decision happens on submit.
func (s *Service) Reject(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	roundID, err := roundFromAction(req)
	if err != nil {
		return nil, err
	}
	// The checks run before the modal opens so nobody types a reason for a
	// click that would be refused; views.open comes right after, well within
	// the trigger's life, as the checks only read.
	_, r, err := s.checkDecision(ctx, req.UserID, roundID)
	if err != nil {
		if fromHome(req) {
			s.refreshHome(ctx, req.UserID)
		}
		if _, refused := bot.UserMessage(err); refused {
			s.repairRequest(ctx, req, roundID)
		}
		return nil, err
	}
	origin := ""
	if fromHome(req) {
		origin = homeMarker
	}
	view := rejectModal(roundID, req.ChannelID, origin, r)
	if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open reject modal: %w", err)
	}
	return nil, nil
}

// SubmitReject records a rejection with the reason typed in the reject modal.
func (s *Service) SubmitReject(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	parts := strings.SplitN(req.View.PrivateMetadata, "|", 3)
	idText, channel, origin := parts[0], "", ""
	if len(parts) > 1 {
		channel = parts[1]
	}
	if len(parts) > 2 {
		origin = parts[2]
	}
	roundID, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("reject modal metadata %q: %w", req.View.PrivateMetadata, err)
	}
	reason := strings.TrimSpace(req.View.State.Values["reason"]["reason"].Value)
	if reason == "" {
		return &bot.Response{Errors: map[string]string{"reason": "Please say why, so the owner can fix it."}}, nil
	}
	if n := len([]rune(reason)); n > kit.MaxReason {
		return &bot.Response{Errors: map[string]string{"reason": fmt.Sprintf("Keep it within %d characters (this is %d).", kit.MaxReason, n)}}, nil
	}
	resp, err := s.decide(ctx, req.UserID, roundID, release.Reject, reason)
	if origin == homeMarker {
		s.refreshHome(ctx, req.UserID)
	}
	if msg, ok := bot.UserMessage(err); ok {
		return &bot.Response{Errors: map[string]string{"reason": msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	resp.NoticeChannel = channel
	return resp, nil
}

// checkDecision applies the rules every click must pass and returns the
// round and its release.
func (s *Service) checkDecision(ctx context.Context, user string, roundID int64) (*storage.ApprovalRound, *storage.Release, error) {
	round, err := s.Store.Round(ctx, roundID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, bot.Userf("That approval request no longer exists.")
	}
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Store.Release(ctx, round.ReleaseID)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.Store.AuditTrail(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	return round, r, kit.Refusal(r, release.DecisionAllowed(decisionCheck(round, r, trail, user)))
}

// decisionCheck gathers what release.DecisionAllowed reads. The round
// that decides the release now excludes everyone who changed it since its
// last decision; an outdated round, only whoever asked for it (a click on
// it is refused as outdated anyway).
func decisionCheck(round *storage.ApprovalRound, r *storage.Release, trail []storage.AuditEntry, user string) release.DecisionCheck {
	approvers := make([]string, len(round.Approvers))
	for i, a := range round.Approvers {
		approvers[i] = a.UserID
	}
	changers := []string{round.RequestedBy}
	if kit.RoundCurrent(round, r) {
		changers = append(changers, changersOf(trail)...)
	}
	return release.DecisionCheck{
		User: user, Owner: r.OwnerID, Planner: r.CreatedBy, Changers: changers, Approvers: approvers, Votes: kit.Votes(round),
		Current: kit.RoundCurrent(round, r), RoundStatus: round.Status, Release: release.Status(r.Status),
	}
}

// changersOf is release.Changers of a release's audit trail: the entries
// of its changes (planned, edited, rescheduled, back to planned, a round
// opened) and of its decisions (approved or rejected).
func changersOf(trail []storage.AuditEntry) []string {
	var history []release.Change
	for _, e := range trail {
		switch {
		case e.Action == auditApproved || e.Action == auditRejected:
			history = append(history, release.Change{Decided: true})
		case changeActions[e.Action] && e.Actor != kit.PolicyActor:
			history = append(history, release.Change{Actor: e.Actor})
		}
	}
	return release.Changers(history)
}

// Audit actions that segregation of duties reads: the release's status
// moves (storage.Tx.Transition), its creation (storage.Tx.CreateRelease),
// its edits and reschedules (planning) and the rounds opened here.
const (
	auditApproved = "status:" + string(release.StatusApproved)
	auditRejected = "status:" + string(release.StatusRejected)
	auditRound    = "round opened"
)

var changeActions = map[string]bool{
	"created": true, string(delivery.EvEdited): true, string(delivery.EvRescheduled): true,
	"status:" + string(release.StatusPlanned): true, auditRound: true,
}

// decide records an approval or a rejection. The release row is locked
// first, so two approvers clicking at once are counted one after the other
// and the quorum is reached exactly once.
func (s *Service) decide(ctx context.Context, user string, roundID int64, decision release.Decision, reason string) (*bot.Response, error) {
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*bot.Response, error) {
		releaseID, err := tx.RoundRelease(roundID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, bot.Userf("That approval request no longer exists.")
		}
		if err != nil {
			return nil, err
		}
		r, err := tx.LockRelease(releaseID)
		if err != nil {
			return nil, err
		}
		// Read under the lock: another decision may have closed it.
		round, err := tx.Round(roundID)
		if err != nil {
			return nil, err
		}
		trail, err := tx.AuditTrail(r.ID)
		if err != nil {
			return nil, err
		}
		// A closed round's requests were re-rendered as outdated when it
		// closed; the refusal itself changes nothing.
		if err := release.DecisionAllowed(decisionCheck(round, r, trail, user)); err != nil {
			return nil, kit.Refusal(r, err)
		}
		d := &storage.ApprovalDecision{RoundID: round.ID, ApproverID: user, Decision: string(decision), Reason: reason, DecidedAt: now}
		if err := tx.AddDecision(d); errors.Is(err, storage.ErrDuplicate) {
			return nil, bot.Userf("You already decided on %s; your first decision stands.", kit.Name(r))
		} else if err != nil {
			return nil, err
		}
		round.Decisions = append(round.Decisions, *d)
		details := fmt.Sprintf("round %d", round.Number)
		if reason != "" {
			details += ": " + reason
		}
		if err := tx.Audit(user, decision.PastTense(), r.ID, details); err != nil {
			return nil, err
		}
		q, err := release.ParseQuorum(round.Required)
		if err != nil {
			return nil, fmt.Errorf("round %d quorum: %w", round.ID, err)
		}
		return settle(tx, r, round, q.Outcome(len(round.Approvers), kit.Votes(round)), user, reason)
	})
}

// settle applies a round's outcome after a decision: close it and move
// the release when it is decided, show the progress otherwise.
func settle(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, outcome release.Outcome, user, reason string) (*bot.Response, error) {
	switch outcome {
	case release.OutcomeApproved:
		if err := closeRound(tx, r, round, storage.RoundApproved, release.StatusApproved, delivery.EvApproved, user, ""); err != nil {
			return nil, err
		}
		if err := delivery.Direct(tx, fmt.Sprintf("approved:%d", round.ID), r.ID, r.OwnerID, approvedMessage(r, round)); err != nil {
			return nil, err
		}
		return bot.Reply(":white_check_mark: You approved %s. That completes the approval (%s); %s is told it can start.", kit.Name(r), kit.ProgressText(round), bot.Mention(r.OwnerID)), nil
	case release.OutcomeRejected:
		if err := closeRound(tx, r, round, storage.RoundRejected, release.StatusRejected, delivery.EvRejected, user, reason); err != nil {
			return nil, err
		}
		if err := delivery.Direct(tx, fmt.Sprintf("rejected:%d", round.ID), r.ID, r.OwnerID, rejectedMessage(r, user, reason)); err != nil {
			return nil, err
		}
		return bot.Reply(":no_entry: You rejected %s. %s gets your reason and can change the release and resubmit it.", kit.Name(r), bot.Mention(r.OwnerID)), nil
	}
	if err := refreshRoundFor(tx, r, round, user); err != nil {
		return nil, err
	}
	return bot.Reply(":white_check_mark: You approved %s. %s.", kit.Name(r), kit.ProgressText(round)), nil
}

// maxAuditEntries bounds one audit view; older entries are summarised.
const maxAuditEntries = 400

// Approvals is /release approvals: the caller's pending decisions.
func (s *Service) Approvals(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) != "" {
		return nil, bot.Userf("`/release approvals` takes no arguments.")
	}
	rounds, err := s.Store.PendingFor(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	if len(rounds) == 0 {
		return bot.Reply("You have no pending approval decisions. :sparkles:"), nil
	}
	blocks := []slack.Block{bot.Section(fmt.Sprintf("*You have %d pending decision%s:*", len(rounds), kit.Plural(len(rounds))))}
	shown := 0
	for _, round := range rounds {
		if len(blocks)+3 > bot.MaxMessageBlocks {
			break
		}
		r, err := s.Store.Release(ctx, round.ReleaseID)
		if err != nil {
			return nil, err
		}
		full, err := s.Store.Round(ctx, round.ID)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, bot.Divider(), bot.Section(kit.ReleaseLine(r)+"\n"+kit.ProgressText(full)), kit.ListDecisionButtons(round.ID, r))
		shown++
	}
	if shown < len(rounds) {
		blocks = append(blocks, bot.Context(fmt.Sprintf("…and %d more; decide on these first.", len(rounds)-shown)))
	}
	return &bot.Response{Text: fmt.Sprintf("You have %d pending approval decision%s.", len(rounds), kit.Plural(len(rounds))), Blocks: blocks}, nil
}

// Resubmit is /release resubmit: a rejected release asks for approval again.
func (s *Service) Resubmit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release resubmit R-17`.")
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	if !s.MayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can resubmit %s.", bot.Mention(r.OwnerID), kit.Name(r))
	}
	if release.Status(r.Status) != release.StatusRejected {
		return nil, bot.Userf("%s is %s; only a rejected release can be resubmitted.", kit.Name(r), release.Status(r.Status).Label())
	}
	rp, err := s.PrepareRound(ctx, release.Type(r.Type), r.Environment, release.Risk(r.Risk), r.OwnerID, r.CreatedBy, req.UserID)
	if err != nil {
		return nil, err
	}
	type resubmitted struct {
		r  *storage.Release
		rp Plan
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (resubmitted, error) {
		locked, err := tx.LockRelease(r.ID)
		if err != nil {
			return resubmitted{}, err
		}
		// Checked again on the locked row: a second resubmit racing the
		// first would otherwise pass (planned → planned is allowed) and
		// open yet another round.
		if !s.MayManage(req.UserID, locked) {
			return resubmitted{}, bot.Userf("Only the owner (%s) or an admin can resubmit %s.", bot.Mention(locked.OwnerID), kit.Name(locked))
		}
		if release.Status(locked.Status) != release.StatusRejected {
			return resubmitted{}, bot.Userf("%s is %s; only a rejected release can be resubmitted.", kit.Name(locked), release.Status(locked.Status).Label())
		}
		if err := tx.Transition(locked, release.StatusPlanned, req.UserID, "resubmitted for approval"); err != nil {
			return resubmitted{}, kit.Refusal(locked, err)
		}
		opened, err := OpenRound(tx, locked, rp, req.UserID)
		if err != nil {
			return resubmitted{}, err
		}
		return resubmitted{locked, opened}, delivery.RecordChange(tx, locked, delivery.EvResubmitted, req.UserID, "")
	})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("Resubmitted %s: %s.", kit.Name(out.r), Summary(out.rp))
	if w := out.rp.Warning(); w != "" {
		text += "\n:warning: " + w
	}
	return bot.Reply("%s", text), nil
}

// Audit is /release audit: a release's history.
func (s *Service) Audit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release audit R-17`.")
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	trail, err := s.Store.AuditTrail(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return auditView(r, trail), nil
}

// ResubmitClicked is the Resubmit button of the owner's rejection DM.
func (s *Service) ResubmitClicked(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.Resubmit(ctx, kit.ClickArgs(req))
}
