package release

import "fmt"

// PolicyKey is what an approval policy is keyed by. An empty Environment or
// Risk matches every environment or risk.
type PolicyKey struct {
	Type        Type
	Environment string
	Risk        Risk
}

// Specificity ranks keys that match the same release: the environment
// counts more than the risk, so "production" beats "high risk anywhere".
func (k PolicyKey) Specificity() int {
	n := 0
	if k.Environment != "" {
		n += 2
	}
	if k.Risk != "" {
		n++
	}
	return n
}

// Matches reports whether the key applies to a release of this type,
// environment and risk.
func (k PolicyKey) Matches(typ Type, env string, risk Risk) bool {
	return k.Type == typ && (k.Environment == "" || k.Environment == env) && (k.Risk == "" || k.Risk == risk)
}

func (k PolicyKey) String() string {
	env, risk := k.Environment, string(k.Risk)
	if env == "" {
		env = "any environment"
	}
	if risk == "" {
		risk = "any"
	}
	return fmt.Sprintf("%s · %s · %s risk", k.Type, env, risk)
}

// MatchPolicy returns the index of the most specific key that applies to
// the release, or -1 when none does.
func MatchPolicy(keys []PolicyKey, typ Type, env string, risk Risk) int {
	best := -1
	for i, k := range keys {
		if k.Matches(typ, env, risk) && (best < 0 || k.Specificity() > keys[best].Specificity()) {
			best = i
		}
	}
	return best
}

// RollbackRule says when a policy needs a rollback plan.
type RollbackRule string

// The rollback rules; the empty rule is the default.
const (
	RollbackHighRisk RollbackRule = ""
	RollbackRequired RollbackRule = "required"
	RollbackOptional RollbackRule = "optional"
)

// ParseRollbackRule accepts required or optional.
func ParseRollbackRule(s string) (RollbackRule, error) {
	switch RollbackRule(s) {
	case RollbackRequired, RollbackOptional:
		return RollbackRule(s), nil
	}
	return "", fmt.Errorf("rollback=%q is not a rule; use rollback=required or rollback=optional", s)
}

// NeedsRollbackPlan reports whether a release of this risk needs a
// rollback plan under the rule.
func (r RollbackRule) NeedsRollbackPlan(risk Risk) bool {
	switch r {
	case RollbackRequired:
		return true
	case RollbackOptional:
		return false
	}
	return risk == RiskHigh
}

// ErrRollbackPlanMissing refuses a release that needs a rollback plan and
// has none.
var ErrRollbackPlanMissing = fmt.Errorf("a rollback plan is missing")

// CheckRollbackPlan refuses a release that needs a rollback plan under
// the rule and has none.
func CheckRollbackPlan(rule RollbackRule, risk Risk, plan string) error {
	if plan == "" && rule.NeedsRollbackPlan(risk) {
		return ErrRollbackPlanMissing
	}
	return nil
}
