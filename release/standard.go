package release

import "errors"

// Template is an entry of the standard-change catalogue: a change admins
// approved once, for one service, in one environment or all ("").
type Template struct {
	Name        string
	Service     string
	Environment string
	MaxRisk     Risk
}

// rank orders risks from low to high.
func (r Risk) rank() int {
	for i, x := range Risks {
		if x == r {
			return i
		}
	}
	return len(Risks)
}

// ErrTemplateNeeded refuses a standard release that names no template.
var ErrTemplateNeeded = errors.New("a standard release names its template")

// ErrTemplateNotStandard refuses a template on a release that is not standard.
var ErrTemplateNotStandard = errors.New("only standard releases name a template")

// TemplateUnknown refuses a template name the catalogue does not hold.
type TemplateUnknown struct{ Name string }

func (e *TemplateUnknown) Error() string { return "no standard template is called " + e.Name }

// TemplateMisfit says which part of a release a template does not cover.
type TemplateMisfit struct {
	Template Template
	// Field is service, env or risk.
	Field string
}

func (e *TemplateMisfit) Error() string {
	return "the release's " + e.Field + " is outside template " + e.Template.Name
}

// Fits returns a *TemplateMisfit unless the template covers a release of
// this service, environment and risk.
func (t Template) Fits(service, env string, risk Risk) error {
	switch {
	case t.Service != service:
		return &TemplateMisfit{Template: t, Field: "service"}
	case t.Environment != "" && t.Environment != env:
		return &TemplateMisfit{Template: t, Field: "env"}
	case risk.rank() > t.MaxRisk.rank():
		return &TemplateMisfit{Template: t, Field: "risk"}
	}
	return nil
}

// CheckTemplate decides whether a release of this type may name the
// template called name, with the catalogue as it is; it returns nil, a
// sentinel or a typed refusal.
func CheckTemplate(catalogue []Template, typ Type, name, service, env string, risk Risk) error {
	switch {
	case typ != TypeStandard && name != "":
		return ErrTemplateNotStandard
	case typ != TypeStandard:
		return nil
	case name == "":
		return ErrTemplateNeeded
	}
	for _, t := range catalogue {
		if t.Name == name {
			return t.Fits(service, env, risk)
		}
	}
	return &TemplateUnknown{Name: name}
}

// Fitting lists the names of the templates that cover a release of this
// service, environment and risk.
func Fitting(catalogue []Template, service, env string, risk Risk) []string {
	var out []string
	for _, t := range catalogue {
		if t.Fits(service, env, risk) == nil {
			out = append(out, t.Name)
		}
	}
	return out
}
