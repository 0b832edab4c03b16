package e2e

import (
	"strings"
	"testing"
)

// The standard-change catalogue (issue 14): admins add templates; a
// standard release names one and must fit it, else it is refused with the
// templates that would fit or the advice to plan it as normal, and
// nothing changes. Templates are audited.
func TestChangeStandardCatalogue(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		mustContain(t, h.cmdAnswer(ana, releases, "/release standard list"), "No templates yet")
		h.refused(h.typing(ana, releases, `/release standard add flags service=billing max-risk=low "Flag flips"`), "Only admins can add")
		mustContain(t, h.cmdAnswer(admin, releases, `/release standard add billing-flags service=billing env=production max-risk=low "Feature flag flips"`),
			"Added standard-change template *billing-flags*: billing in production, up to low risk — Feature flag flips")
		h.refused(h.typing(admin, releases, `/release standard add billing-flags service=billing max-risk=low "Again"`), "There already is a template called billing-flags")
		mustContain(t, h.cmdAnswer(ana, releases, "/release standard list"), "(1 template)", "*billing-flags*: billing in production, up to low risk")

		when := h.day(ana, 3) + " 10:00"
		h.refused(h.typing(ana, releases, "/release new billing 2.0.0 "+when+" type=standard"),
			"A standard release must name the pre-approved template it follows", "No template fits it: plan it as type=normal")
		h.refused(h.typing(ana, releases, "/release new billing 2.0.0 "+when+" type=standard template=billing-flags risk=medium"),
			"Template billing-flags does not cover this release: it covers up to low risk", "plan it as type=normal")
		h.refused(h.typing(ana, releases, "/release new billing 2.0.0 "+when+" type=standard template=nope risk=low"),
			`There is no standard template called "nope"`, "Templates that fit: billing-flags")
		h.refused(h.typing(ana, releases, "/release new billing 2.0.0 "+when+" template=billing-flags"),
			"Only a standard release names a template")

		mustContain(t, h.cmdAnswer(admin, releases, `/release standard add billing-any service=billing max-risk=medium "Routine deploys"`), "Added")
		h.refused(h.typing(ana, releases, "/release new billing 2.0.0 "+when+" type=standard template=billing-flags env=staging risk=low"),
			"Template billing-flags does not cover this release: it covers production only", "Templates that fit: billing-any")

		rel := h.plan(ana, "billing 2.0.0", daysAhead(3, "10:00"), with("type=standard template=billing-flags risk=low"))
		mustContain(t, rel.Reply, "pre-approved by policy")
		h.waitForStatus(rel.ID, "approved")
		if r := h.release(rel.ID); r.Template != "billing-flags" || len(h.rounds(rel.ID)) != 0 {
			t.Fatalf("stored template %q, %d rounds", r.Template, len(h.rounds(rel.ID)))
		}
		mustContain(t, strings.Join(h.auditLines(rel.ID), "\n"), "standard template billing-flags")

		mustContain(t, h.cmdAnswer(admin, releases, "/release standard remove billing-flags"), "Removed standard-change template *billing-flags*")
		h.refused(h.typing(admin, releases, "/release standard remove billing-flags"), `There is no template called "billing-flags"`)
		h.refused(h.typing(ana, releases, "/release new billing 2.1.0 "+when+" type=standard template=billing-flags risk=low"),
			`There is no standard template called "billing-flags"`, "Templates that fit: billing-any")
		trail := strings.Join(h.auditLines(0), "\n")
		mustContain(t, trail, admin+" standard template added billing-flags: billing in production, up to low risk — Feature flag flips",
			admin+" standard template removed billing-flags")
	})
}
