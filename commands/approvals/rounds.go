package approvals

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Plan is a policy applied to one release: who may approve and how
// many approvals it needs. It is worked out before the transaction because
// resolving user groups asks Slack.
type Plan struct {
	PreApproved bool
	// Hold, when set, says why no round opens now (a rejected release
	// that was changed waits for /release resubmit).
	Hold      string
	Quorum    release.Quorum
	Approvers []string // everyone the policy names, groups resolved
	Eligible  []string // Approvers minus the owner
	Source    string
	// Rollback says whether the release needs a rollback plan.
	Rollback release.RollbackRule
}

// without leaves users out of the people who may approve.
func (rp Plan) without(users ...string) Plan {
	if !slices.ContainsFunc(rp.Eligible, func(u string) bool { return slices.Contains(users, u) }) {
		return rp
	}
	out := rp
	out.Eligible = release.Eligible(rp.Eligible, users...)
	return out
}

// Needed is how many approvals the round needs.
func (rp Plan) Needed() int { return rp.Quorum.Needed(len(rp.Eligible)) }

// PrepareRound finds the policy for the release and resolves its approvers;
// the owner and the requesters (who planned it, who made the change the
// round decides) are never among them.
func (s *Service) PrepareRound(ctx context.Context, typ release.Type, env string, risk release.Risk, owner string, requesters ...string) (Plan, error) {
	policy, err := s.Store.Policy(ctx, string(typ), env, string(risk))
	if err != nil {
		return Plan{}, err
	}
	var rp Plan
	var entries []string
	if policy == nil {
		switch typ {
		case release.TypeStandard:
			return Plan{PreApproved: true, Source: "default policy: standard changes are pre-approved"}, nil
		default:
			rp.Quorum = release.Quorum{Kind: release.QuorumAny}
			entries = s.Config.Admins
			rp.Source = fmt.Sprintf("default policy: one approval from the admins (%s changes)", typ)
		}
	} else {
		q, err := release.ParseQuorum(policy.Required)
		if err != nil {
			return Plan{}, fmt.Errorf("stored policy %d: %w", policy.ID, err)
		}
		rp.Quorum = q
		rp.Rollback = release.RollbackRule(policy.Rollback)
		entries = splitEntries(policy.Approvers)
		scope := "all environments"
		if policy.Environment != "" {
			scope = policy.Environment
		}
		if policy.Risk != "" {
			scope = policy.Risk + " risk in " + scope
		}
		rp.Source = fmt.Sprintf("policy for %s changes in %s (required=%s)", typ, scope, q)
	}
	seen := map[string]bool{}
	for _, entry := range entries {
		members := []string{entry}
		if strings.HasPrefix(entry, "S") {
			members, err = s.API.UserGroupMembers(ctx, entry)
			if err != nil {
				return Plan{}, bot.Userf("I couldn't read the members of the user group <!subteam^%s> (%s); the approval round was not opened. Please try again.", entry, bot.ErrorCode(err))
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

// auditList joins ids up to about limit characters and counts the rest.
func auditList(ids []string, limit int) string {
	var b strings.Builder
	for i, id := range ids {
		if b.Len()+len(id)+2 > limit {
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

// HoldRejected is the plan of a rejected release that was edited or
// rescheduled: no round opens until the owner resubmits it.
func HoldRejected(r *storage.Release) Plan {
	return Plan{Hold: fmt.Sprintf("it stays rejected until you ask for approval again with `/release resubmit %s`", r.HumanID())}
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

// OpenRound starts approval of the release as it is now: earlier open
// rounds are superseded, every eligible approver gets a request, and the
// thread shows progress. A pre-approved release becomes approved at once.
func OpenRound(tx *storage.Tx, r *storage.Release, rp Plan, actor string) (Plan, error) {
	if err := Supersede(tx, r, "the release changed"); err != nil {
		return rp, err
	}
	if rp.Hold != "" {
		return rp, nil
	}
	trail, err := tx.AuditTrail(r.ID)
	if err != nil {
		return rp, err
	}
	// The plan was made before the release was locked: whoever owns it
	// now, planned it, made this change or any other since the last
	// decided round is never asked to approve it.
	rp = rp.without(append(changersOf(trail), r.OwnerID, r.CreatedBy, actor)...)
	if rp.PreApproved {
		if release.Status(r.Status) == release.StatusApproved {
			return rp, nil
		}
		return rp, tx.Transition(r, release.StatusApproved, kit.PolicyActor, rp.Source)
	}
	number, err := tx.NextRoundNumber(r.ID)
	if err != nil {
		return rp, err
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
		return rp, err
	}
	details := fmt.Sprintf("round %d: %s; needs %d of %d: %s", number, rp.Source, round.Needed, len(rp.Eligible), auditList(rp.Eligible, maxAuditList))
	if w := rp.Warning(); w != "" {
		details += "; " + w
	}
	if err := tx.Audit(actor, auditRound, r.ID, details); err != nil {
		return rp, err
	}
	return rp, askApprovers(tx, r, round, rp)
}

// RecordPreApproval writes the audit entry of a release its policy
// pre-approves, which its creator wrote approved: the entry a transition
// from planned to approved would write.
func RecordPreApproval(tx *storage.Tx, r *storage.Release, rp Plan) error {
	if err := release.CheckTransition(release.StatusPlanned, release.StatusApproved); err != nil {
		return fmt.Errorf("%s: %w", r.HumanID(), err)
	}
	return tx.Audit(kit.PolicyActor, "status:"+string(release.StatusApproved), r.ID,
		fmt.Sprintf("%s → %s: %s", release.StatusPlanned, release.StatusApproved, rp.Source))
}

// askApprovers enqueues the round's requests, its progress line and, when
// the round cannot succeed, the owner's warning.
func askApprovers(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, rp Plan) error {
	for i := range round.Approvers {
		if _, err := tx.Enqueue(delivery.AskApprover(r.ID, round.Approvers[i])); err != nil {
			return err
		}
	}
	if _, err := tx.Enqueue(delivery.PostProgress(r.ID, round.ID)); err != nil {
		return err
	}
	if w := rp.Warning(); w != "" {
		return delivery.Direct(tx, fmt.Sprintf("round-warning:%d", round.ID), r.ID, r.OwnerID,
			bot.Message{Text: fmt.Sprintf(":warning: %s needs approval, but: %s", kit.Name(r), w)})
	}
	return nil
}

// Supersede closes the release's open rounds; their requests are
// updated to say they are outdated.
func Supersede(tx *storage.Tx, r *storage.Release, why string) error {
	rounds, err := tx.OpenRounds(r.ID)
	if err != nil {
		return err
	}
	for i := range rounds {
		round := &rounds[i]
		if err := tx.CloseRound(round, storage.RoundSuperseded); err != nil {
			return err
		}
		if err := tx.Audit(kit.PolicyActor, "round superseded", r.ID, fmt.Sprintf("round %d: %s", round.Number, why)); err != nil {
			return err
		}
		if err := refreshRound(tx, r, round); err != nil {
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
func refreshRound(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound) error {
	return refreshRoundFor(tx, r, round, "")
}

// refreshRoundFor is refreshRound after a decision that leaves the round
// open. In a large round only the decider's request is updated (the
// others' show the progress again when the round closes): updating
// hundreds of messages on every decision would run into Slack's rate
// limits for chat.update.
func refreshRoundFor(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, decider string) error {
	state := fmt.Sprintf("%d:%s:%d", r.Revision, round.Status, len(round.Decisions))
	large := len(round.Approvers) > kit.MaxNamed
	for _, a := range round.Approvers {
		if decider != "" && large && a.UserID != decider {
			continue
		}
		if _, err := tx.Enqueue(delivery.UpdateApprovalDM(r.ID, a.ID, state)); err != nil {
			return err
		}
	}
	if _, err := tx.Enqueue(delivery.UpdateProgress(r.ID, round.ID, state)); err != nil {
		return err
	}
	_, err := tx.Enqueue(delivery.AnnouncementRoundUpdate(r.ID, round.ID, state))
	return err
}

func closeRound(tx *storage.Tx, r *storage.Release, round *storage.ApprovalRound, roundStatus string, to release.Status, ev delivery.Event, actor, note string) error {
	// A release is approved (or rejected) only by the open round of its
	// current revision; the policy's pre-approval in OpenRound is the one
	// other way to approval.
	if !kit.RoundCurrent(round, r) {
		return fmt.Errorf("%s: round %d (%s, revision %d) cannot decide revision %d in status %s", r.HumanID(), round.Number, round.Status, round.Revision, r.Revision, r.Status)
	}
	if err := tx.CloseRound(round, roundStatus); err != nil {
		return err
	}
	if err := tx.Transition(r, to, actor, fmt.Sprintf("round %d %s", round.Number, roundStatus)); err != nil {
		return err
	}
	if err := refreshRound(tx, r, round); err != nil {
		return err
	}
	return delivery.RecordChange(tx, r, ev, actor, kit.EscapeNote(note))
}
