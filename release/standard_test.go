package release

import (
	"errors"
	"slices"
	"testing"
)

func TestCheckTemplate(t *testing.T) {
	catalogue := []Template{
		{Name: "flags", Service: "billing", Environment: "production", MaxRisk: RiskLow},
		{Name: "deploys", Service: "billing", MaxRisk: RiskMedium},
	}
	misfit := func(field string) func(error) bool {
		return func(err error) bool {
			var m *TemplateMisfit
			return errors.As(err, &m) && m.Field == field
		}
	}
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	for _, c := range []struct {
		name, template, service, env string
		typ                          Type
		risk                         Risk
		ok                           func(error) bool
	}{
		{"fits", "flags", "billing", "production", TypeStandard, RiskLow, func(err error) bool { return err == nil }},
		{"any environment", "deploys", "billing", "staging", TypeStandard, RiskMedium, func(err error) bool { return err == nil }},
		{"too risky", "flags", "billing", "production", TypeStandard, RiskMedium, misfit("risk")},
		{"other environment", "flags", "billing", "staging", TypeStandard, RiskLow, misfit("env")},
		{"other service", "flags", "payments", "production", TypeStandard, RiskLow, misfit("service")},
		{"no template", "", "billing", "production", TypeStandard, RiskLow, is(ErrTemplateNeeded)},
		{"template on a normal release", "flags", "billing", "production", TypeNormal, RiskLow, is(ErrTemplateNotStandard)},
		{"normal without template", "", "billing", "production", TypeNormal, RiskHigh, func(err error) bool { return err == nil }},
		{"unknown", "nope", "billing", "production", TypeStandard, RiskLow, func(err error) bool {
			var u *TemplateUnknown
			return errors.As(err, &u) && u.Name == "nope"
		}},
	} {
		if err := CheckTemplate(catalogue, c.typ, c.template, c.service, c.env, c.risk); !c.ok(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if got := Fitting(catalogue, "billing", "production", RiskLow); !slices.Equal(got, []string{"flags", "deploys"}) {
		t.Errorf("fitting %v", got)
	}
	if got := Fitting(catalogue, "billing", "production", RiskHigh); got != nil {
		t.Errorf("fitting a high-risk release: %v", got)
	}
}
