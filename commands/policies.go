package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// maxAuditEntries bounds one audit view; older entries are summarised.
const maxAuditEntries = 400

// maxPolicyApprovers is the room for a policy's approver ids (the column's size).
const maxPolicyApprovers = 2000

func (s *Service) cmdApprovals(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) != "" {
		return nil, bot.Userf("`/release approvals` takes no arguments.")
	}
	rounds, err := s.store.PendingFor(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	if len(rounds) == 0 {
		return bot.Reply("You have no pending approval decisions. :sparkles:"), nil
	}
	blocks := []slack.Block{bot.Section(fmt.Sprintf("*You have %d pending decision%s:*", len(rounds), plural(len(rounds))))}
	shown := 0
	for _, round := range rounds {
		if len(blocks)+3 > bot.MaxMessageBlocks {
			break
		}
		r, err := s.store.Release(ctx, round.ReleaseID)
		if err != nil {
			return nil, err
		}
		full, err := s.store.Round(ctx, round.ID)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, bot.Divider(), bot.Section(releaseLine(r)+"\n"+progressText(full)), listDecisionButtons(round.ID, r))
		shown++
	}
	if shown < len(rounds) {
		blocks = append(blocks, bot.Context(fmt.Sprintf("…and %d more; decide on these first.", len(rounds)-shown)))
	}
	return &bot.Response{Text: fmt.Sprintf("You have %d pending approval decisions.", len(rounds)), Blocks: blocks}, nil
}

func (s *Service) cmdResubmit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release resubmit R-17`.")
	}
	r, err := s.loadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	if !s.mayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can resubmit %s.", bot.Mention(r.OwnerID), name(r))
	}
	if release.Status(r.Status) != release.StatusRejected {
		return nil, bot.Userf("%s is %s; only a rejected release can be resubmitted.", name(r), release.Status(r.Status).Label())
	}
	rp, err := s.prepareRound(ctx, release.Type(r.Type), r.Environment, r.OwnerID, r.CreatedBy, req.UserID)
	if err != nil {
		return nil, err
	}
	var warning string
	err = s.inTx(ctx, func(tx *storage.Tx) error {
		locked, err := tx.LockRelease(r.ID)
		if err != nil {
			return err
		}
		// Checked again on the locked row: a second resubmit racing the
		// first would otherwise pass (planned → planned is allowed) and
		// open yet another round.
		if !s.mayManage(req.UserID, locked) {
			return bot.Userf("Only the owner (%s) or an admin can resubmit %s.", bot.Mention(locked.OwnerID), name(locked))
		}
		if release.Status(locked.Status) != release.StatusRejected {
			return bot.Userf("%s is %s; only a rejected release can be resubmitted.", name(locked), release.Status(locked.Status).Label())
		}
		if err := tx.Transition(locked, release.StatusPlanned, req.UserID, "resubmitted for approval"); err != nil {
			return userFacing(locked, err)
		}
		if err := s.openRound(tx, locked, rp, req.UserID); err != nil {
			return err
		}
		warning = rp.Warning()
		r = locked
		return s.recordChange(tx, locked, evResubmitted, req.UserID, "")
	})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("Resubmitted %s: %s.", name(r), approvalSummary(rp))
	if warning != "" {
		text += "\n:warning: " + warning
	}
	return bot.Reply("%s", text), nil
}

// approvalSummary says what happens next with approval.
func approvalSummary(rp roundPlan) string {
	if rp.PreApproved {
		return "pre-approved by policy"
	}
	if rp.Hold != "" {
		return rp.Hold
	}
	if len(rp.Eligible) == 0 {
		return "waiting for approval"
	}
	return fmt.Sprintf("waiting for %d approval%s from %s", rp.Needed(), plural(rp.Needed()), boundedList(mentions(rp.Eligible), maxNamed, " others"))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (s *Service) cmdAudit(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me which release: `/release audit R-17`.")
	}
	r, err := s.loadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	trail, err := s.store.AuditTrail(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	lines := make([]string, 0, len(trail))
	skipped := 0
	if len(trail) > maxAuditEntries {
		skipped = len(trail) - maxAuditEntries
		trail = trail[len(trail)-maxAuditEntries:]
	}
	for _, e := range trail {
		who := bot.Mention(e.Actor)
		if e.Actor == policyActor {
			who = "_policy_"
		}
		line := fmt.Sprintf("%s · %s · *%s*", bot.Date(e.At, "{date_short} {time}"), who, bot.Escape(e.Action))
		if e.Details != "" {
			line += " — " + bot.Escape(e.Details)
		}
		lines = append(lines, line)
	}
	head := fmt.Sprintf("*Audit trail of %s* (%s, now %s)", name(r), bot.Escape(r.Environment), release.Status(r.Status).Label())
	if skipped > 0 {
		head += fmt.Sprintf("\n_%d older entries are not shown._", skipped)
	}
	blocks := []slack.Block{bot.Section(head)}
	blocks = append(blocks, packLines(lines, bot.MaxMessageBlocks-2)...)
	return &bot.Response{Text: fmt.Sprintf("Audit trail of %s: %d entries", plainName(r), len(trail)), Blocks: blocks}, nil
}

// packLines fills sections with lines up to Slack's limits, at most
// maxBlocks sections; lines that do not fit are counted in a last line.
func packLines(lines []string, maxBlocks int) []slack.Block {
	var blocks []slack.Block
	var cur strings.Builder
	for i, l := range lines {
		if cur.Len() > 0 && cur.Len()+len(l)+1 > bot.MaxSectionText-100 {
			if len(blocks)+1 >= maxBlocks {
				cur.WriteString(fmt.Sprintf("\n…and %d more.", len(lines)-i))
				break
			}
			blocks = append(blocks, bot.Section(cur.String()))
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		blocks = append(blocks, bot.Section(cur.String()))
	}
	return blocks
}

func (s *Service) cmdPolicyShow(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	policies, err := s.store.Policies(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	var lines []string
	for _, p := range policies {
		set[p.Type+"/"+p.Environment] = true
		scope := "all environments"
		if p.Environment != "" {
			scope = p.Environment + " only"
		}
		lines = append(lines, fmt.Sprintf("• *%s* (%s): required=%s of %s — set by %s", p.Type, scope, p.Required, boundedList(approverList(p.Approvers), 3*maxNamed, " more"), bot.Mention(p.UpdatedBy)))
	}
	admins := "nobody (ADMINS is empty)"
	if len(s.cfg.Admins) > 0 {
		admins = joinMentions(s.cfg.Admins)
	}
	for _, t := range release.Types {
		if set[string(t)+"/"] {
			continue
		}
		switch t {
		case release.TypeStandard:
			lines = append(lines, "• *standard* (default): pre-approved, recorded as approved by policy")
		case release.TypeNormal:
			lines = append(lines, "• *normal* (default): one approval from the admins: "+admins)
		case release.TypeEmergency:
			lines = append(lines, "• *emergency* (default): one approval from the admins ("+admins+"), then a retroactive review")
		}
	}
	text := "*Approval policies*\n" + strings.Join(lines, "\n") + "\nAn environment's own policy wins over its type's general one. Nobody approves their own release."
	return &bot.Response{Text: text, Blocks: packLines(strings.Split(text, "\n"), bot.MaxMessageBlocks)}, nil
}

func mentions(users []string) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = bot.Mention(u)
	}
	return out
}

// approverList renders a policy's users and groups as mentions.
func approverList(entries string) []string {
	var out []string
	for _, e := range splitEntries(entries) {
		if strings.HasPrefix(e, "S") {
			out = append(out, "<!subteam^"+e+">")
		} else {
			out = append(out, bot.Mention(e))
		}
	}
	return out
}

const policyUsage = "`/release policy set <standard|normal|emergency> approvers=<@user>,<@group>,… required=<any|all|majority|N> [env=<e>]`"

func (s *Service) cmdPolicySet(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.isAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can set approval policies. `/release policy show` lists the current ones.")
	}
	args, err := ParseArgs(req.Args, "approvers", "required", "env")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", capitalize(err.Error()), policyUsage)
	}
	if len(args.Positional) != 1 || !args.Has("approvers") || !args.Has("required") {
		return nil, bot.Userf("I need a type, approvers= and required=: %s", policyUsage)
	}
	typ, err := release.ParseType(args.Positional[0])
	if err != nil {
		return nil, bot.Userf("%s.", capitalize(err.Error()))
	}
	q, err := release.ParseQuorum(args.Get("required"))
	if err != nil {
		return nil, bot.Userf("%s.", capitalize(err.Error()))
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.cfg.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", plain(env), strings.Join(s.cfg.Environments, ", "))
	}
	var entries []string
	for _, item := range strings.Split(args.Get("approvers"), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if g, ok := ParseGroup(item); ok {
			entries = append(entries, g)
			continue
		}
		u, err := ParseUser(item)
		if err != nil {
			return nil, bot.Userf("approvers: %s, or name a user group like @cab.", err)
		}
		entries = append(entries, u)
	}
	entries = slices.Compact(sortedCopy(entries))
	if len(entries) == 0 {
		return nil, bot.Userf("Name at least one approver: approvers=@ana,@cab")
	}
	if n := len(strings.Join(entries, ",")); n > maxPolicyApprovers {
		return nil, bot.Userf("That is too many approvers to name one by one (%d people and groups); put them in a user group and name the group, like approvers=@cab.", len(entries))
	}
	if q.Kind == release.QuorumCount && !hasGroup(entries) && q.N > len(entries) {
		return nil, bot.Userf("required=%d but only %d approver%s named; a round could never be approved.", q.N, len(entries), plural(len(entries)))
	}
	p := &storage.ApprovalPolicy{Type: string(typ), Environment: env, Approvers: strings.Join(entries, ","), Required: q.String(), UpdatedBy: req.UserID}
	err = s.inTx(ctx, func(tx *storage.Tx) error {
		p.UpdatedAt = tx.Now()
		if err := tx.SetPolicy(p); err != nil {
			return err
		}
		scope := "all environments"
		if env != "" {
			scope = env
		}
		return tx.Audit(req.UserID, "policy set", 0, fmt.Sprintf("%s changes in %s: approvers %s, required=%s", typ, scope, p.Approvers, p.Required))
	})
	if err != nil {
		return nil, err
	}
	scope := "in every environment"
	if env != "" {
		scope = "in " + env
	}
	return bot.Reply("Policy set: %s releases %s need %s of %s. It applies to approval rounds opened from now on.",
		typ, scope, quorumWords(q), boundedList(approverList(p.Approvers), maxNamed, " more")), nil
}

func hasGroup(entries []string) bool {
	return slices.ContainsFunc(entries, func(e string) bool { return strings.HasPrefix(e, "S") })
}

func sortedCopy(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}

func quorumWords(q release.Quorum) string {
	switch q.Kind {
	case release.QuorumAll:
		return "approvals from all"
	case release.QuorumMajority:
		return "approvals from a majority"
	case release.QuorumCount:
		return fmt.Sprintf("%d approval%s", q.N, plural(q.N))
	}
	return "one approval from any"
}
