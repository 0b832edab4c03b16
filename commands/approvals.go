package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// policyActor is the audit actor of decisions made by policy, not a person.
const policyActor = "policy"

// Action routes and modal callbacks of the approval flow.
const (
	actionApprove  = "approval.approve"
	actionReject   = "approval.reject"
	callbackReject = "approval.reject"
)

// roundPlan is a policy applied to one release: who may approve and how
// many approvals it needs. It is worked out before the transaction because
// resolving user groups asks Slack.
type roundPlan struct {
	PreApproved bool
	// Hold, when set, says why no round opens now (a rejected release
	// that was changed waits for /release resubmit).
	Hold      string
	Quorum    release.Quorum
	Approvers []string // everyone the policy names, groups resolved
	Eligible  []string // Approvers minus the owner
	Source    string
}

// without leaves users out of the people who may approve.
func (rp roundPlan) without(users ...string) roundPlan {
	if !slices.ContainsFunc(rp.Eligible, func(u string) bool { return slices.Contains(users, u) }) {
		return rp
	}
	out := rp
	out.Eligible = nil
	for _, u := range rp.Eligible {
		if !slices.Contains(users, u) {
			out.Eligible = append(out.Eligible, u)
		}
	}
	return out
}

// Needed is how many approvals the round needs.
func (rp roundPlan) Needed() int { return rp.Quorum.Needed(len(rp.Eligible)) }

// Warning says why the round cannot succeed, if it cannot.
func (rp roundPlan) Warning() string {
	switch {
	case rp.PreApproved, rp.Hold != "":
		return ""
	case len(rp.Eligible) == 0:
		return "Nobody can approve it: the policy names no one besides the owner and whoever asked for this change. An admin can fix this with `/release policy set`."
	case !rp.Quorum.Reachable(len(rp.Eligible)):
		who := fmt.Sprintf("only %d people can", len(rp.Eligible))
		if len(rp.Eligible) == 1 {
			who = "only 1 person can"
		}
		return fmt.Sprintf("It needs %d approvals but %s approve it (nobody approves their own release). An admin can fix this with `/release policy set`.",
			rp.Needed(), who)
	}
	return ""
}

// prepareRound finds the policy for the release and resolves its approvers;
// the owner and the requesters (who planned it, who made the change the
// round decides) are never among them.
func (s *Service) prepareRound(ctx context.Context, typ release.Type, env, owner string, requesters ...string) (roundPlan, error) {
	policy, err := s.store.Policy(ctx, string(typ), env)
	if err != nil {
		return roundPlan{}, err
	}
	var rp roundPlan
	var entries []string
	if policy == nil {
		switch typ {
		case release.TypeStandard:
			return roundPlan{PreApproved: true, Source: "default policy: standard changes are pre-approved"}, nil
		default:
			rp.Quorum = release.Quorum{Kind: release.QuorumAny}
			entries = s.cfg.Admins
			rp.Source = fmt.Sprintf("default policy: one approval from the admins (%s changes)", typ)
		}
	} else {
		q, err := release.ParseQuorum(policy.Required)
		if err != nil {
			return roundPlan{}, fmt.Errorf("stored policy %d: %w", policy.ID, err)
		}
		rp.Quorum = q
		entries = splitEntries(policy.Approvers)
		scope := "all environments"
		if policy.Environment != "" {
			scope = policy.Environment
		}
		rp.Source = fmt.Sprintf("policy for %s changes in %s (required=%s)", typ, scope, q)
	}
	seen := map[string]bool{}
	for _, entry := range entries {
		members := []string{entry}
		if strings.HasPrefix(entry, "S") {
			members, err = s.api.UserGroupMembers(ctx, entry)
			if err != nil {
				return roundPlan{}, bot.Userf("I couldn't read the members of the user group <!subteam^%s> (%s); the approval round was not opened. Please try again.", entry, bot.ErrorCode(err))
			}
		}
		for _, u := range members {
			if !seen[u] {
				seen[u] = true
				rp.Approvers = append(rp.Approvers, u)
			}
		}
	}
	rp.Eligible = slices.Clone(rp.Approvers)
	return rp.without(append(requesters, owner)...), nil
}

// maxAuditList bounds the approvers an audit entry names, so that the
// entry fits its column (4000 characters) and one section of the audit
// view; the round's approvers are all stored with the round.
const maxAuditList = 2000

// auditList joins ids up to about max characters and counts the rest.
func auditList(ids []string, max int) string {
	var b strings.Builder
	for i, id := range ids {
		if b.Len()+len(id)+2 > max {
			fmt.Fprintf(&b, " and %d more", len(ids)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(id)
	}
	return b.String()
}

// holdRejected is the plan of a rejected release that was edited or
// rescheduled: no round opens until the owner resubmits it.
func holdRejected(r *storage.Release) roundPlan {
	return roundPlan{Hold: fmt.Sprintf("it stays rejected until you ask for approval again with `/release resubmit %s`", r.HumanID())}
}

func splitEntries(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// openRound starts approval of the release as it is now: earlier open
// rounds are superseded, every eligible approver gets a request, and the
// thread shows progress. A pre-approved release becomes approved at once.
func (s *Service) openRound(tx *storage.Tx, r *storage.Release, rp roundPlan, actor string) error {
	if err := s.supersedeRounds(tx, r, "the release changed"); err != nil {
		return err
	}
	if rp.Hold != "" {
		return nil
	}
	// The plan was made before the release was locked: whoever owns it
	// now, planned it or made this change is never asked to approve it.
	rp = rp.without(r.OwnerID, r.CreatedBy, actor)
	if rp.PreApproved {
		if release.Status(r.Status) == release.StatusApproved {
			return nil
		}
		if err := tx.Transition(r, release.StatusApproved, policyActor, rp.Source); err != nil {
			return err
		}
		return nil
	}
	number, err := tx.NextRoundNumber(r.ID)
	if err != nil {
		return err
	}
	round := &storage.ApprovalRound{
		ReleaseID: r.ID, Number: number, Revision: r.Revision, Status: storage.RoundOpen,
		Required: rp.Quorum.String(), Needed: rp.Needed(), PolicySource: rp.Source, OpenedAt: tx.Now(),
		RequestedBy: actor,
	}
	for _, u := range rp.Eligible {
		round.Approvers = append(round.Approvers, storage.RoundApprover{UserID: u})
	}
	if err := tx.CreateRound(round); err != nil {
		return err
	}
	details := fmt.Sprintf("round %d: %s; needs %d of %d: %s", number, rp.Source, round.Needed, len(rp.Eligible), auditList(rp.Eligible, maxAuditList))
	if w := rp.Warning(); w != "" {
		details += "; " + w
	}
	if err := tx.Audit(actor, "round opened", r.ID, details); err != nil {
		return err
	}
	rid, roundID := r.ID, round.ID
	for i := range round.Approvers {
		ra := round.Approvers[i].ID
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key:  fmt.Sprintf("approval-request:%d", ra),
			Kind: kindApprovalRequest, ReleaseID: &rid, RefID: &ra, Channel: round.Approvers[i].UserID, Op: storage.OpPost,
		}); err != nil {
			return err
		}
	}
	if _, err := tx.Enqueue(&storage.OutboxMessage{
		Key:  fmt.Sprintf("round-progress:%d", round.ID),
		Kind: kindRoundProgress, ReleaseID: &rid, RefID: &roundID, Op: storage.OpThread,
	}); err != nil {
		return err
	}
	if w := rp.Warning(); w != "" {
		return direct(tx, fmt.Sprintf("round-warning:%d", round.ID), r.ID, r.OwnerID,
			bot.Message{Text: fmt.Sprintf(":warning: %s needs approval, but: %s", name(r), w)})
	}
	return nil
}

// supersedeRounds closes the release's open rounds; their requests are
// updated to say they are outdated.
func (s *Service) supersedeRounds(tx *storage.Tx, r *storage.Release, why string) error {
	rounds, err := tx.OpenRounds(r.ID)
	if err != nil {
		return err
	}
	for i := range rounds {
		round := &rounds[i]
		if err := tx.CloseRound(round, storage.RoundSuperseded); err != nil {
			return err
		}
		if err := tx.Audit(policyActor, "round superseded", r.ID, fmt.Sprintf("round %d: %s", round.Number, why)); err != nil {
			return err
		}
		if err := s.refreshRound(tx, r, round); err != nil {
			return err
		}
	}
	return nil
}

// refreshRound re-renders every approver's request, the progress line in
// the thread and the announcement (which shows the progress too). The keys
// name the round's state (status and number of decisions): every decision
// makes a new state, so its updates are never mistaken for the previous
// decision's and dropped as duplicates.
func (s *Service) refreshRound(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound) error {
	return s.refreshRoundFor(tx, r, round, "")
}

// refreshRoundFor is refreshRound after a decision that leaves the round
// open. In a large round only the decider's request is updated (the
// others' show the progress again when the round closes): updating
// hundreds of messages on every decision would run into Slack's rate
// limits for chat.update.
func (s *Service) refreshRoundFor(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, decider string) error {
	rid, roundID := r.ID, round.ID
	state := fmt.Sprintf("%d:%s:%d", r.Revision, round.Status, len(round.Decisions))
	large := len(round.Approvers) > maxNamed
	for _, a := range round.Approvers {
		if decider != "" && large && a.UserID != decider {
			continue
		}
		ra := a.ID
		if _, err := tx.Enqueue(&storage.OutboxMessage{
			Key:  fmt.Sprintf("approval-dm:%d:%s", ra, state),
			Kind: kindApprovalDMUpdate, ReleaseID: &rid, RefID: &ra, Op: storage.OpUpdate,
		}); err != nil {
			return err
		}
	}
	if _, err := tx.Enqueue(&storage.OutboxMessage{
		Key:  fmt.Sprintf("progress-update:%d:%s", round.ID, state),
		Kind: kindProgressUpdate, ReleaseID: &rid, RefID: &roundID, Op: storage.OpUpdate,
	}); err != nil {
		return err
	}
	_, err := tx.Enqueue(&storage.OutboxMessage{
		Key:  fmt.Sprintf("announce-round:%d:%s", round.ID, state),
		Kind: kindAnnouncementUpdate, ReleaseID: &rid, Op: storage.OpUpdate,
	})
	return err
}

func (s *Service) registerApprovals(r *bot.Router) {
	r.HandleCommand(bot.Subcommand{Name: "approvals", Summary: "Your pending approval decisions, with their buttons.", Handler: s.cmdApprovals})
	r.HandleCommand(bot.Subcommand{Name: "resubmit", Usage: "<id>", Summary: "Ask for approval again after a rejection.", Handler: s.cmdResubmit})
	r.HandleCommand(bot.Subcommand{Name: "audit", Usage: "<id>", Summary: "The full history of a release: changes, rounds, decisions.", Handler: s.cmdAudit})
	r.HandleCommand(bot.Subcommand{Name: "policy show", Summary: "Who approves which releases.", Handler: s.cmdPolicyShow})
	r.HandleCommand(bot.Subcommand{Name: "policy set", Usage: "<standard|normal|emergency> approvers=<@user>,<@group>,… required=<any|all|majority|N> [env=<e>]", Summary: "Set an approval policy (admins).", Handler: s.cmdPolicySet})
	r.HandleAction(actionApprove, s.actApprove)
	r.HandleAction(actionReject, s.actReject)
	r.HandleSubmission(callbackReject, s.submitReject)
}

// decisionButtons are the Approve/Reject pair for a round.
func decisionButtons(roundID int64, suffix string) *slack.ActionBlock {
	v := strconv.FormatInt(roundID, 10)
	return bot.Actions("decide-"+v+suffix,
		bot.Button("Approve", bot.ActionID(actionApprove, v), v, bot.StylePrimary),
		bot.Button("Reject", bot.ActionID(actionReject, v), v, bot.StyleDanger),
	)
}

// listDecisionButtons are the Approve/Reject pair of one release in a list
// of several (/release approvals, the App Home): the labels name the
// release, so every button says what it decides.
func listDecisionButtons(roundID int64, r *storage.Release) *slack.ActionBlock {
	v := strconv.FormatInt(roundID, 10)
	return bot.Actions("decide-"+v,
		bot.Button("Approve "+r.HumanID(), bot.ActionID(actionApprove, v), v, bot.StylePrimary),
		bot.Button("Reject "+r.HumanID(), bot.ActionID(actionReject, v), v, bot.StyleDanger),
	)
}

func roundFromAction(req *bot.Request) (int64, error) {
	id, err := strconv.ParseInt(req.ActionValue(), 10, 64)
	if err != nil || id <= 0 {
		return 0, bot.Userf("That button does not belong to an approval request I know.")
	}
	return id, nil
}

func (s *Service) actApprove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	roundID, err := roundFromAction(req)
	if err != nil {
		return nil, err
	}
	resp, err := s.decide(ctx, req.UserID, roundID, "approve", "")
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
	round, err := s.store.Round(ctx, roundID)
	if err != nil {
		return
	}
	for _, a := range round.Approvers {
		if a.UserID != req.UserID || a.DMTS != req.MessageTS {
			continue
		}
		ra, rid := a.ID, round.ReleaseID
		added, err := s.store.Enqueue(ctx, &storage.OutboxMessage{
			Key:  fmt.Sprintf("approval-dm-repair:%d:%s:%d", ra, round.Status, len(round.Decisions)),
			Kind: kindApprovalDMUpdate, ReleaseID: &rid, RefID: &ra, Op: storage.OpUpdate,
		})
		if err != nil {
			s.log.Warn("could not repair an approval request", "round", roundID, "user", req.UserID, "err", err)
		} else if added {
			s.wake()
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
	if err := s.publishHome(context.WithoutCancel(ctx), user); err != nil {
		s.log.Warn("could not refresh the App Home after a decision", "user", user, "err", err)
	}
}

// homeMarker in the reject modal's metadata says the modal was opened from
// the App Home.
const homeMarker = "home"

// actReject asks for the reason first; the decision happens on submit.
func (s *Service) actReject(ctx context.Context, req *bot.Request) (*bot.Response, error) {
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
	if _, err := s.api.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open reject modal: %w", err)
	}
	return nil, nil
}

func rejectModal(roundID int64, channel, origin string, r *storage.Release) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(bot.PlainText("Why can't this go ahead?", 150), "reason")
	input.Multiline = true
	input.MaxLength = maxReason
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackReject,
		Title:           bot.PlainText("Reject "+r.HumanID(), bot.MaxModalTitle),
		Submit:          bot.PlainText("Reject", bot.MaxModalTitle),
		Close:           bot.PlainText("Cancel", bot.MaxModalTitle),
		PrivateMetadata: strconv.FormatInt(roundID, 10) + "|" + channel + "|" + origin,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			bot.Section(fmt.Sprintf("You are rejecting %s → %s (%s). %s will see your reason and can change the release and resubmit it.",
				name(r), bot.Escape(r.Environment), bot.When(r.StartAt, r.EndAt), bot.Mention(r.OwnerID))),
			slack.NewInputBlock("reason", bot.PlainText("Reason", 2000), nil, input),
		}},
	}
}

func (s *Service) submitReject(ctx context.Context, req *bot.Request) (*bot.Response, error) {
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
	if n := len([]rune(reason)); n > maxReason {
		return &bot.Response{Errors: map[string]string{"reason": fmt.Sprintf("Keep it within %d characters (this is %d).", maxReason, n)}}, nil
	}
	resp, err := s.decide(ctx, req.UserID, roundID, "reject", reason)
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
	round, err := s.store.Round(ctx, roundID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, bot.Userf("That approval request no longer exists.")
	}
	if err != nil {
		return nil, nil, err
	}
	r, err := s.store.Release(ctx, round.ReleaseID)
	if err != nil {
		return nil, nil, err
	}
	return round, r, decisionAllowed(round, r, user)
}

// decisionAllowed is the rulebook of a click, in the order people meet it.
func decisionAllowed(round *storage.ApprovalRound, r *storage.Release, user string) error {
	if user == r.OwnerID {
		return bot.Userf("You can't approve or reject %s: it is your own release, and nobody approves their own change.", name(r))
	}
	if user == r.CreatedBy {
		return bot.Userf("You can't approve or reject %s: you planned it (for %s), and nobody approves a change they asked for.", name(r), bot.Mention(r.OwnerID))
	}
	if user == round.RequestedBy {
		return bot.Userf("You can't approve or reject %s: you made the change this approval is for, and nobody approves a change they asked for.", name(r))
	}
	if !slices.ContainsFunc(round.Approvers, func(a storage.RoundApprover) bool { return a.UserID == user }) {
		return bot.Userf("You are not an approver of %s, so your click changes nothing. `/release policy show` lists who approves what.", name(r))
	}
	for _, d := range round.Decisions {
		if d.ApproverID == user {
			return bot.Userf("You already %s %s on %s; your first decision stands.", pastTense(d.Decision), name(r), bot.Date(d.DecidedAt, "{date_short_pretty} at {time}"))
		}
	}
	if !roundCurrent(round, r) {
		return bot.Userf("This approval request for %s is outdated: %s. Nothing was changed.", name(r), roundClosedWhy(round, r))
	}
	return nil
}

// roundCurrent reports whether a round still decides the release: open,
// opened for the release as it is now, and the release still waiting for
// approval. Only such a round may approve or reject it.
func roundCurrent(round *storage.ApprovalRound, r *storage.Release) bool {
	return round.Status == storage.RoundOpen && round.Revision == r.Revision && release.Status(r.Status) == release.StatusPlanned
}

func pastTense(decision string) string {
	if decision == "approve" {
		return "approved"
	}
	return "rejected"
}

func roundClosedWhy(round *storage.ApprovalRound, r *storage.Release) string {
	switch round.Status {
	case storage.RoundApproved:
		return "the release was already approved"
	case storage.RoundRejected:
		return "the release was already rejected"
	case storage.RoundSuperseded:
		if release.Status(r.Status) == release.StatusCancelled {
			return "the release was cancelled"
		}
		return "the release was changed since, and a new request went out if it still needs your decision"
	case storage.RoundOpen:
		return fmt.Sprintf("the release is %s now, and this request was for an earlier version of it", release.Status(r.Status).Label())
	}
	return "the request was closed"
}

// decide records an approval or a rejection. The release row is locked
// first, so two approvers clicking at once are counted one after the other
// and the quorum is reached exactly once.
func (s *Service) decide(ctx context.Context, user string, roundID int64, decision, reason string) (*bot.Response, error) {
	var resp *bot.Response
	err := s.inTx(ctx, func(tx *storage.Tx) error {
		round, err := tx.Round(roundID)
		if errors.Is(err, storage.ErrNotFound) {
			return bot.Userf("That approval request no longer exists.")
		}
		if err != nil {
			return err
		}
		r, err := tx.LockRelease(round.ReleaseID)
		if err != nil {
			return err
		}
		// Read again under the lock: another decision may have closed it.
		if round, err = tx.Round(roundID); err != nil {
			return err
		}
		// A closed round's requests were re-rendered as outdated when it
		// closed; the refusal itself changes nothing.
		if err := decisionAllowed(round, r, user); err != nil {
			return err
		}
		d := &storage.ApprovalDecision{RoundID: round.ID, ApproverID: user, Decision: decision, Reason: reason, DecidedAt: tx.Now()}
		if err := tx.AddDecision(d); errors.Is(err, storage.ErrDuplicate) {
			return bot.Userf("You already decided on %s; your first decision stands.", name(r))
		} else if err != nil {
			return err
		}
		round.Decisions = append(round.Decisions, *d)
		details := fmt.Sprintf("round %d", round.Number)
		if reason != "" {
			details += ": " + reason
		}
		if err := tx.Audit(user, pastTense(decision), r.ID, details); err != nil {
			return err
		}
		approvals, rejections := tally(round)
		q, err := release.ParseQuorum(round.Required)
		if err != nil {
			return fmt.Errorf("round %d quorum: %w", round.ID, err)
		}
		outcome := q.Decide(len(round.Approvers), approvals, rejections)
		switch outcome {
		case release.OutcomeApproved:
			if err := s.closeRound(tx, r, round, storage.RoundApproved, release.StatusApproved, evApproved, user, ""); err != nil {
				return err
			}
			if err := direct(tx, fmt.Sprintf("approved:%d", round.ID), r.ID, r.OwnerID, bot.Message{
				Text: fmt.Sprintf(":white_check_mark: %s is approved (%s). You can start it at %s with `/release start %s`.",
					name(r), progressText(round), bot.Date(r.StartAt, "{date_short_pretty} {time}"), r.HumanID()),
			}); err != nil {
				return err
			}
		case release.OutcomeRejected:
			if err := s.closeRound(tx, r, round, storage.RoundRejected, release.StatusRejected, evRejected, user, reason); err != nil {
				return err
			}
			if err := direct(tx, fmt.Sprintf("rejected:%d", round.ID), r.ID, r.OwnerID, bot.Message{
				Text: fmt.Sprintf(":no_entry: %s was rejected by %s: “%s”\nChange it with `/release edit %s` or `/release reschedule %s …`, then ask again with `/release resubmit %s`.",
					name(r), bot.Mention(user), bot.Escape(reason), r.HumanID(), r.HumanID(), r.HumanID()),
			}); err != nil {
				return err
			}
		default:
			if err := s.refreshRoundFor(tx, r, round, user); err != nil {
				return err
			}
		}
		switch outcome {
		case release.OutcomeApproved:
			resp = bot.Reply(":white_check_mark: You approved %s. That completes the approval (%s); %s is told it can start.", name(r), progressText(round), bot.Mention(r.OwnerID))
		case release.OutcomeRejected:
			resp = bot.Reply(":no_entry: You rejected %s. %s gets your reason and can change the release and resubmit it.", name(r), bot.Mention(r.OwnerID))
		default:
			resp = bot.Reply(":white_check_mark: You approved %s. %s.", name(r), progressText(round))
		}
		return nil
	})
	return resp, err
}

func (s *Service) closeRound(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, roundStatus string, to release.Status, ev event, actor, note string) error {
	// A release is approved (or rejected) only by the open round of its
	// current revision; the policy's pre-approval in openRound is the one
	// other way to approval.
	if !roundCurrent(round, r) {
		return fmt.Errorf("%s: round %d (%s, revision %d) cannot decide revision %d in status %s", r.HumanID(), round.Number, round.Status, round.Revision, r.Revision, r.Status)
	}
	if err := tx.CloseRound(round, roundStatus); err != nil {
		return err
	}
	if err := tx.Transition(r, to, actor, fmt.Sprintf("round %d %s", round.Number, roundStatus)); err != nil {
		return err
	}
	if err := s.refreshRound(tx, r, round); err != nil {
		return err
	}
	return s.recordChange(tx, r, ev, actor, escapeNote(note))
}

func tally(round *storage.ApprovalRound) (approvals, rejections int) {
	for _, d := range round.Decisions {
		if d.Decision == "approve" {
			approvals++
		} else {
			rejections++
		}
	}
	return approvals, rejections
}

// maxNamed bounds how many people a progress line names in each of its
// lists (decided, waiting): a round with many approvers must still fit a
// section (3000 characters) without cutting a mention in half.
const maxNamed = 10

// progressText is "1 of 2 approvals: @ana ✅, waiting for @ben".
func progressText(round *storage.ApprovalRound) string {
	approvals, _ := tally(round)
	decided := map[string]string{}
	for _, d := range round.Decisions {
		decided[d.ApproverID] = d.Decision
	}
	var parts, waiting []string
	for _, a := range round.Approvers {
		switch decided[a.UserID] {
		case "approve":
			parts = append(parts, bot.Mention(a.UserID)+" :white_check_mark:")
		case "reject":
			parts = append(parts, bot.Mention(a.UserID)+" :no_entry:")
		default:
			waiting = append(waiting, bot.Mention(a.UserID))
		}
	}
	noun := "approvals"
	if round.Needed == 1 {
		noun = "approval"
	}
	text := fmt.Sprintf("%d of %d %s", approvals, round.Needed, noun)
	if len(parts) > 0 {
		text += ": " + boundedList(parts, maxNamed, "")
	}
	if len(waiting) > 0 && round.Status == storage.RoundOpen {
		if len(parts) > 0 {
			text += ", "
		} else {
			text += ": "
		}
		text += "waiting for " + boundedList(waiting, maxNamed, " others")
	}
	return text
}

// boundedList joins at most max items and counts the rest.
func boundedList(items []string, max int, more string) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	if more == "" {
		more = " more"
	}
	return fmt.Sprintf("%s and %d%s", strings.Join(items[:max], ", "), len(items)-max, more)
}
