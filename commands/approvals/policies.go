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

// PolicyShow is /release policy show.
func (s *Service) PolicyShow(ctx context.Context, _ *bot.Request) (*bot.Response, error) {
	policies, err := s.Store.Policies(ctx)
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
		line := fmt.Sprintf("• *%s* (%s): required=%s of %s — set by %s", p.Type, scope, p.Required, kit.BoundedList(approverList(p.Approvers), 3*kit.MaxNamed, " more"), bot.Mention(p.UpdatedBy))
		if p.Checks != "" {
			line += "; readiness checks before start: " + p.Checks
		}
		lines = append(lines, line)
	}
	admins := "nobody (ADMINS is empty)"
	if len(s.Config.Admins) > 0 {
		admins = kit.JoinMentions(s.Config.Admins)
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
	return &bot.Response{Text: text, Blocks: kit.PackLines(strings.Split(text, "\n"), bot.MaxMessageBlocks)}, nil
}

const policyUsage = "`/release policy set <standard|normal|emergency> approvers=<@user>,<@group>,… required=<any|all|majority|N> [env=<e>] [checks=<name>,…]`"

// PolicySet is /release policy set (admins).
func (s *Service) PolicySet(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can set approval policies. `/release policy show` lists the current ones.")
	}
	args, err := kit.ParseArgs(req.Args, "approvers", "required", "env", "checks")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), policyUsage)
	}
	if len(args.Positional) != 1 || !args.Has("approvers") || !args.Has("required") {
		return nil, bot.Userf("I need a type, approvers= and required=: %s", policyUsage)
	}
	typ, err := release.ParseType(args.Positional[0])
	if err != nil {
		return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	q, err := release.ParseQuorum(args.Get("required"))
	if err != nil {
		return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	var entries []string
	for _, item := range strings.Split(args.Get("approvers"), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if g, ok := kit.ParseGroup(item); ok {
			entries = append(entries, g)
			continue
		}
		u, err := kit.ParseUser(item)
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
		return nil, bot.Userf("required=%d but only %d approver%s named; a round could never be approved.", q.N, len(entries), kit.Plural(len(entries)))
	}
	checks, err := release.ParseCheckList(args.Get("checks"))
	if err != nil {
		return nil, bot.Userf("checks: %s.", err)
	}
	p := &storage.ApprovalPolicy{Type: string(typ), Environment: env, Approvers: strings.Join(entries, ","), Required: q.String(), UpdatedBy: req.UserID, Checks: strings.Join(checks, ",")}
	stored, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*storage.ApprovalPolicy, error) {
		// A copy each run: a rolled-back run may have filled in the id of
		// a row that no longer exists.
		row := *p
		row.UpdatedAt = now
		if err := tx.SetPolicy(&row); err != nil {
			return nil, err
		}
		return &row, tx.Audit(req.UserID, "policy set", 0, policyDetails(typ, env, p))
	})
	if err != nil {
		return nil, err
	}
	scope := "in every environment"
	if env != "" {
		scope = "in " + env
	}
	readiness := ""
	if stored.Checks != "" {
		readiness = " Before they start, these readiness checks must pass: " + strings.ReplaceAll(stored.Checks, ",", ", ") + "."
	}
	return bot.Reply("Policy set: %s releases %s need %s of %s. It applies to approval rounds opened from now on.%s",
		typ, scope, quorumWords(q), kit.BoundedList(approverList(stored.Approvers), kit.MaxNamed, " more"), readiness), nil
}

func hasGroup(entries []string) bool {
	return slices.ContainsFunc(entries, func(e string) bool { return strings.HasPrefix(e, "S") })
}

func sortedCopy(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}

// policyDetails is a policy change as the audit keeps it.
func policyDetails(typ release.Type, env string, p *storage.ApprovalPolicy) string {
	d := fmt.Sprintf("%s changes in %s: approvers %s, required=%s", typ, kit.OrAll(env), p.Approvers, p.Required)
	if p.Checks != "" {
		d += ", checks=" + p.Checks
	}
	return d
}
