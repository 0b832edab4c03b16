package e2e

import (
	"fmt"
	"slices"
	"testing"
)

// Policies by risk (issue 14): a matrix of three rules picks the most
// specific one for each of six releases, policy show says which rule a
// release falls under, and a rollback plan is required where the rule
// says so, refused otherwise with the field named.
func TestChangePolicyMatrixPicksTheMostSpecificRule(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.setPolicy("normal approvers="+benM+" required=any rollback=optional"),
			"normal releases in every environment need one approval from any of <@U0BEN>", "A rollback plan is optional")
		mustContain(t, h.setPolicy("normal approvers="+catM+" required=any env=production rollback=required"),
			"normal releases in production need", "A rollback plan is always required")
		mustContain(t, h.setPolicy("normal approvers="+danM+" required=any env=production risk=high"),
			"normal releases of high risk in production need one approval from any of <@U0DAN>", "A rollback plan is required for high risk")

		cases := []struct {
			name, options string
			approver      string
		}{
			{"staging, low risk", "env=staging risk=low", ben},
			{"staging, high risk, no rollback plan (optional there)", "env=staging risk=high", ben},
			{"production, low risk", `env=production risk=low rollback="Redeploy"`, cat},
			{"production, medium risk", `env=production risk=medium rollback="Redeploy"`, cat},
			{"production, high risk", `env=production risk=high rollback="Redeploy"`, dan},
			{"development, high risk", "env=development risk=high", ben},
		}
		ids := make([]int64, len(cases))
		for i, c := range cases {
			rel := h.plan(ana, fmt.Sprintf("billing 1.%d.0", i), daysAhead(i+2, "10:00"), with(c.options))
			ids[i] = rel.ID
			if got := approverIDs(h.rounds(rel.ID)[0]); !slices.Equal(got, []string{c.approver}) {
				t.Errorf("%s: the round asks %v, want %s", c.name, got, c.approver)
			}
		}
		show := h.cmdAnswer(ana, releases, "/release policy show "+ref(ids[4]))
		mustContain(t, show, ref(ids[4])+"* billing 1.4.0 (normal, production, high risk) falls under *normal · production · high risk*",
			"*normal · any environment · any risk* → one approval from any of <@U0BEN>; rollback plan optional",
			"*normal · production · any risk* → one approval from any of <@U0CAT>; rollback plan always required",
			"*normal · production · high risk* → one approval from any of <@U0DAN>; rollback plan required for high risk",
			"*standard · any environment · any risk* (default)")
		mustContain(t, h.cmdAnswer(ana, releases, "/release policy show "+ref(ids[0])), "falls under *normal · any environment · any risk*")

		// Where the rule needs one, a release without a rollback plan is
		// refused, with the field named, and nothing changes.
		h.refused(h.typing(ana, releases, "/release new billing 9.0.0 "+h.day(ana, 9)+" 10:00 env=production risk=high"),
			"A rollback plan is missing", `rollback="…"`)
		h.refused(h.typing(ana, releases, "/release new billing 9.0.0 "+h.day(ana, 9)+" 10:00 env=production risk=low"),
			"A rollback plan is missing")
		// Without any policy for the type, high risk needs one by default.
		h.refused(h.typing(ana, releases, "/release new billing 9.0.0 "+h.day(ana, 9)+" 10:00 type=emergency risk=high"),
			"A rollback plan is missing")
		mustContain(t, h.cmdAnswer(admin, releases, "/release policy set normal approvers="+benM+" required=any risk=extreme"),
			`risk: "extreme" is not a risk level`)
	})
}
