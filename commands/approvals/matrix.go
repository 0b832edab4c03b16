package approvals

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// rollbackWords says when a rule needs a rollback plan.
func rollbackWords(rule release.RollbackRule) string {
	switch rule {
	case release.RollbackRequired:
		return "always required"
	case release.RollbackOptional:
		return "optional"
	}
	return "required for high risk"
}

// sortedPolicies orders the matrix: by type, then from the general rule
// to the most specific one.
func sortedPolicies(ps []storage.ApprovalPolicy) []storage.ApprovalPolicy {
	out := slices.Clone(ps)
	order := map[release.Type]int{}
	for i, t := range release.Types {
		order[t] = i
	}
	slices.SortStableFunc(out, func(a, b storage.ApprovalPolicy) int {
		if d := order[release.Type(a.Type)] - order[release.Type(b.Type)]; d != 0 {
			return d
		}
		if d := a.Key().Specificity() - b.Key().Specificity(); d != 0 {
			return d
		}
		return strings.Compare(a.Environment+"/"+a.Risk, b.Environment+"/"+b.Risk)
	})
	return out
}

// matrixLine is one rule of the policy matrix.
func matrixLine(p storage.ApprovalPolicy) string {
	q, err := release.ParseQuorum(p.Required)
	needs := "required=" + p.Required
	if err == nil {
		needs = quorumWords(q)
	}
	checks := ""
	if p.Checks != "" {
		checks = "; readiness checks before start: " + strings.ReplaceAll(p.Checks, ",", ", ")
	}
	return fmt.Sprintf("• *%s* → %s of %s; rollback plan %s%s — set by %s", p.Key(), needs,
		kit.BoundedList(approverList(p.Approvers), 3*kit.MaxNamed, " more"), rollbackWords(release.RollbackRule(p.Rollback)), checks, bot.Mention(p.UpdatedBy))
}

// defaultLine is a type's built-in rule, shown when no general rule of
// that type is set.
func defaultLine(t release.Type, admins string) string {
	switch t {
	case release.TypeStandard:
		return "• *standard · any environment · any risk* (default) → pre-approved when it fits a template of `/release standard list`"
	case release.TypeEmergency:
		return "• *emergency · any environment · any risk* (default) → one approval from the admins (" + admins + "), then a retroactive review"
	}
	return "• *normal · any environment · any risk* (default) → one approval from the admins: " + admins
}

// ruleFor says which rule of the matrix a release falls under.
func ruleFor(r *storage.Release, ps []storage.ApprovalPolicy) string {
	keys := make([]release.PolicyKey, len(ps))
	for i := range ps {
		keys[i] = ps[i].Key()
	}
	what := fmt.Sprintf("%s (%s, %s, %s risk)", kit.Name(r), r.Type, r.Environment, r.Risk)
	if i := release.MatchPolicy(keys, release.Type(r.Type), r.Environment, release.Risk(r.Risk)); i >= 0 {
		return fmt.Sprintf("%s falls under *%s*.", what, keys[i])
	}
	return fmt.Sprintf("%s falls under the default rule for %s changes.", what, r.Type)
}

// PolicyShow is /release policy show [<id>]: the whole matrix and, for a
// release, the rule it falls under.
func (s *Service) PolicyShow(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	policies, err := s.Store.Policies(ctx)
	if err != nil {
		return nil, err
	}
	var intro string
	if fields := strings.Fields(req.Args); len(fields) > 0 {
		r, err := s.LoadRelease(ctx, fields[0])
		if err != nil {
			return nil, err
		}
		intro = ruleFor(r, policies)
	}
	admins := "nobody (ADMINS is empty)"
	if len(s.Config.Admins) > 0 {
		admins = kit.JoinMentions(s.Config.Admins)
	}
	general := map[string]bool{}
	lines := []string{"*Approval policies* (type · environment · risk)"}
	if intro != "" {
		lines = append([]string{intro}, lines...)
	}
	for _, p := range sortedPolicies(policies) {
		general[p.Type] = general[p.Type] || p.Key().Specificity() == 0
		lines = append(lines, matrixLine(p))
	}
	for _, t := range release.Types {
		if !general[string(t)] {
			lines = append(lines, defaultLine(t, admins))
		}
	}
	lines = append(lines, "The most specific rule that matches a release wins; an environment counts more than a risk. Nobody approves their own release. `/release policy show R-17` says which rule a release falls under.")
	text := strings.Join(lines, "\n")
	return &bot.Response{Text: text, Blocks: kit.PackLines(lines, bot.MaxMessageBlocks)}, nil
}
