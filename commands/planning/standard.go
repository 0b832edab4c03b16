package planning

import (
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// policyRefusal applies the rules the approval policy and the
// standard-change catalogue set for p: the rollback plan a policy needs,
// and the template a standard release must fit. It reads the catalogue in
// tx, so a template removed meanwhile is not used.
func policyRefusal(tx *storage.Tx, p plan, rp approvals.Plan) (fieldErrors, error) {
	var fe fieldErrors
	if err := release.CheckRollbackPlan(rp.Rollback, p.Risk, p.Rollback); err != nil {
		field, msg, _ := kit.PlanRefusal(err, nil)
		fe.add(field, "%s", msg)
	}
	if p.Type != release.TypeStandard && p.Template == "" {
		return fe, nil
	}
	rows, err := tx.StandardTemplates()
	if err != nil {
		return nil, err
	}
	catalogue := ToTemplates(rows)
	if err := release.CheckTemplate(catalogue, p.Type, p.Template, p.Service, p.Environment, p.Risk); err != nil {
		field, msg, ok := kit.PlanRefusal(err, release.Fitting(catalogue, p.Service, p.Environment, p.Risk))
		if !ok {
			return nil, err
		}
		fe.add(field, "%s", msg)
	}
	return fe, nil
}

// ToTemplates turns stored templates into the rules' templates.
func ToTemplates(rows []storage.StandardTemplate) []release.Template {
	out := make([]release.Template, len(rows))
	for i, t := range rows {
		out[i] = release.Template{Name: t.Name, Service: t.Service, Environment: t.Environment, MaxRisk: release.Risk(t.MaxRisk)}
	}
	return out
}
