package release

import (
	"errors"
	"testing"
)

func TestMatchPolicy(t *testing.T) {
	keys := []PolicyKey{
		{Type: TypeNormal},
		{Type: TypeNormal, Environment: "production"},
		{Type: TypeNormal, Risk: RiskHigh},
		{Type: TypeNormal, Environment: "production", Risk: RiskHigh},
		{Type: TypeEmergency, Environment: "staging"},
	}
	for _, c := range []struct {
		typ  Type
		env  string
		risk Risk
		want int
	}{
		{TypeNormal, "staging", RiskLow, 0},
		{TypeNormal, "production", RiskLow, 1},
		{TypeNormal, "staging", RiskHigh, 2},
		{TypeNormal, "production", RiskHigh, 3},
		{TypeEmergency, "staging", RiskHigh, 4},
		{TypeEmergency, "production", RiskHigh, -1},
		{TypeStandard, "production", RiskLow, -1},
	} {
		if got := MatchPolicy(keys, c.typ, c.env, c.risk); got != c.want {
			t.Errorf("%s/%s/%s: rule %d, want %d", c.typ, c.env, c.risk, got, c.want)
		}
	}
	// The environment counts more than the risk.
	if got := MatchPolicy(keys[:3], TypeNormal, "production", RiskHigh); got != 1 {
		t.Errorf("production and high risk without a rule for both: rule %d, want the environment's (1)", got)
	}
}

func TestCheckRollbackPlan(t *testing.T) {
	for _, c := range []struct {
		rule RollbackRule
		risk Risk
		plan string
		want error
	}{
		{RollbackHighRisk, RiskHigh, "", ErrRollbackPlanMissing},
		{RollbackHighRisk, RiskHigh, "Redeploy", nil},
		{RollbackHighRisk, RiskMedium, "", nil},
		{RollbackRequired, RiskLow, "", ErrRollbackPlanMissing},
		{RollbackOptional, RiskHigh, "", nil},
	} {
		if got := CheckRollbackPlan(c.rule, c.risk, c.plan); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("rule %q, %s risk, plan %q: %v, want %v", c.rule, c.risk, c.plan, got, c.want)
		}
	}
	if _, err := ParseRollbackRule("sometimes"); err == nil {
		t.Error("rollback=sometimes accepted")
	}
}
