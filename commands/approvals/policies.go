package approvals

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// maxPolicyApprovers is the room for a policy's approver ids (the column's size).
const maxPolicyApprovers = 2000

const policyUsage = "`/release policy set <standard|normal|emergency> approvers=<@user>,<@group>,… required=<any|all|majority|N> [env=<e>] [risk=<low|medium|high>] [rollback=required|optional] [checks=<name>,…]`"

// PolicySet is /release policy set (admins); without arguments it opens
// the policy form.
func (s *Service) PolicySet(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can set approval policies. `/release policy show` lists the current ones.")
	}
	if strings.TrimSpace(req.Args) == "" && req.TriggerID != "" {
		return s.openPolicyForm(ctx, req)
	}
	in, err := typedPolicy(req.Args)
	if err != nil {
		return nil, err
	}
	return s.setPolicy(ctx, req.UserID, in)
}

// policyInput is a policy as typed or picked in the form, before the
// checks both share.
type policyInput struct {
	Type, Required, Env, Risk, Rollback, Checks string
	// Approvers are user (U…) and group (S…) ids.
	Approvers []string
}

// policyError is a refused policy and the field it is about, so that the
// form shows it on the right block; the typed command shows the message.
type policyError struct {
	field string
	err   error
}

func (e *policyError) Error() string { return e.err.Error() }
func (e *policyError) Unwrap() error { return e.err }

func refuseField(field, format string, args ...any) error {
	return &policyError{field: field, err: bot.Userf(format, args...)}
}

// typedPolicy reads the typed command's arguments.
func typedPolicy(line string) (policyInput, error) {
	args, err := kit.ParseArgs(line, "approvers", "required", "env", "risk", "rollback", "checks")
	if err != nil {
		return policyInput{}, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), policyUsage)
	}
	if len(args.Positional) != 1 || !args.Has("approvers") || !args.Has("required") {
		return policyInput{}, bot.Userf("I need a type, approvers= and required=: %s", policyUsage)
	}
	in := policyInput{Type: args.Positional[0], Required: args.Get("required"), Env: args.Get("env"), Risk: args.Get("risk"),
		Rollback: args.Get("rollback"), Checks: args.Get("checks")}
	for _, item := range strings.Split(args.Get("approvers"), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if g, ok := kit.ParseGroup(item); ok {
			in.Approvers = append(in.Approvers, g)
			continue
		}
		u, err := kit.ParseUser(item)
		if err != nil {
			return policyInput{}, bot.Userf("approvers: %s, or name a user group like @cab.", err)
		}
		in.Approvers = append(in.Approvers, u)
	}
	return in, nil
}

// checkedPolicy is a policy that passed every check.
type checkedPolicy struct {
	row      storage.ApprovalPolicy
	quorum   release.Quorum
	rollback release.RollbackRule
}

// checkPolicy applies the rules of a policy, typed or from the form.
func (s *Service) checkPolicy(in policyInput) (checkedPolicy, error) {
	typ, err := release.ParseType(in.Type)
	if err != nil {
		return checkedPolicy{}, refuseField("type", "%s.", kit.Capitalize(err.Error()))
	}
	q, err := release.ParseQuorum(in.Required)
	if err != nil {
		return checkedPolicy{}, refuseField("required", "%s.", kit.Capitalize(err.Error()))
	}
	if in.Env != "" && !slices.Contains(s.Config.Environments, in.Env) {
		return checkedPolicy{}, refuseField("env", "%q is not an environment here; use %s.", kit.Plain(in.Env), strings.Join(s.Config.Environments, ", "))
	}
	var risk release.Risk
	if in.Risk != "" {
		if risk, err = release.ParseRisk(in.Risk); err != nil {
			return checkedPolicy{}, refuseField("risk", "risk: %s.", err)
		}
	}
	var rollback release.RollbackRule
	if in.Rollback != "" {
		if rollback, err = release.ParseRollbackRule(strings.ToLower(in.Rollback)); err != nil {
			return checkedPolicy{}, refuseField("rollback", "%s.", kit.Capitalize(err.Error()))
		}
	}
	checks, err := release.ParseCheckList(in.Checks)
	if err != nil {
		return checkedPolicy{}, refuseField("checks", "checks: %s.", err)
	}
	entries := slices.Compact(sortedCopy(in.Approvers))
	if err := checkApprovers(entries, q); err != nil {
		return checkedPolicy{}, err
	}
	row := storage.ApprovalPolicy{Type: string(typ), Environment: in.Env, Risk: string(risk), Rollback: string(rollback),
		Approvers: strings.Join(entries, ","), Required: q.String(), Checks: strings.Join(checks, ",")}
	return checkedPolicy{row: row, quorum: q, rollback: rollback}, nil
}

// checkApprovers refuses an empty, oversized or unreachable approver list.
func checkApprovers(entries []string, q release.Quorum) error {
	if len(entries) == 0 {
		return refuseField("approvers", "Name at least one approver: approvers=@ana,@cab")
	}
	if n := len(strings.Join(entries, ",")); n > maxPolicyApprovers {
		return refuseField("approvers", "That is too many approvers to name one by one (%d people and groups); put them in a user group and name the group, like approvers=@cab.", len(entries))
	}
	if q.Kind == release.QuorumCount && !hasGroup(entries) && q.N > len(entries) {
		return refuseField("required", "required=%d but only %d approver%s named; a round could never be approved.", q.N, len(entries), kit.Plural(len(entries)))
	}
	return nil
}

// setPolicy checks and stores a policy with its audit entry, in one
// transaction, and says what it means.
func (s *Service) setPolicy(ctx context.Context, user string, in policyInput) (*bot.Response, error) {
	c, err := s.checkPolicy(in)
	if err != nil {
		return nil, err
	}
	c.row.UpdatedBy = user
	stored, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*storage.ApprovalPolicy, error) {
		// A copy each run: a rolled-back run may have filled in the id of
		// a row that no longer exists.
		row := c.row
		row.UpdatedAt = now
		if err := tx.SetPolicy(&row); err != nil {
			return nil, err
		}
		return &row, tx.Audit(user, "policy set", 0, policyAuditDetail(&row, c.rollback))
	})
	if err != nil {
		return nil, err
	}
	scope := "in every environment"
	if stored.Environment != "" {
		scope = "in " + stored.Environment
	}
	if stored.Risk != "" {
		scope = fmt.Sprintf("of %s risk %s", stored.Risk, scope)
	}
	readiness := ""
	if stored.Checks != "" {
		readiness = " Before they start, these readiness checks must pass: " + strings.ReplaceAll(stored.Checks, ",", ", ") + "."
	}
	return bot.Reply("Policy set: %s releases %s need %s of %s. A rollback plan is %s.%s It applies to approval rounds opened from now on.",
		stored.Type, scope, quorumWords(c.quorum), kit.BoundedList(approverList(stored.Approvers), kit.MaxNamed, " more"), rollbackWords(c.rollback), readiness), nil
}

// policyAuditDetail is the audit's line for a policy that was set.
func policyAuditDetail(p *storage.ApprovalPolicy, rollback release.RollbackRule) string {
	d := fmt.Sprintf("%s: approvers %s, required=%s, rollback plan %s", p.Key(), p.Approvers, p.Required, rollbackWords(rollback))
	if p.Checks != "" {
		d += ", checks=" + p.Checks
	}
	return d
}

func hasGroup(entries []string) bool {
	return slices.ContainsFunc(entries, func(e string) bool { return strings.HasPrefix(e, "S") })
}

func sortedCopy(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}
