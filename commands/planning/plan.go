package planning

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Text limits, chosen so every field fits Slack's blocks with room to spare.
const (
	maxTitle         = 150
	maxImpact        = 2000
	maxRollback      = 2000
	maxComponents    = 20
	defaultDuration  = time.Hour
	defaultType      = release.TypeNormal
	defaultRisk      = release.RiskMedium
	defaultEnvChoice = "production"
)

// plan is the validated content of a release, however it was entered.
type plan struct {
	Service     string
	Version     string
	Environment string
	Type        release.Type
	Risk        release.Risk
	Start       time.Time
	Duration    time.Duration
	Owner       string
	Title       string
	Impact      string
	Rollback    string
	Reason      string
	Components  []storage.ReleaseComponent
	// Fixes is the release a hotfix repairs (fixes=R-12), 0 for none.
	Fixes release.ID
}

// End is when the planned release ends.
func (p plan) End() time.Time { return p.Start.Add(p.Duration) }

// fieldError is one problem with one field; Field is also the modal's
// block_id, so the same checks feed command replies and modal errors.
type fieldError struct {
	Field   string
	Message string
}

type fieldErrors []fieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, fieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// modal maps the problems to block ids, the first one per field winning.
func (fe fieldErrors) modal() map[string]string {
	out := map[string]string{}
	for _, e := range fe {
		if _, seen := out[e.Field]; !seen {
			out[e.Field] = e.Message
		}
	}
	return out
}

// message lists every problem for a command reply.
func (fe fieldErrors) message(intro string) string {
	if len(fe) == 1 {
		return intro + " " + fe[0].Message
	}
	var b strings.Builder
	b.WriteString(intro)
	for _, e := range fe {
		b.WriteString("\n• ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// parseContext is what parsing needs to know besides the text.
type parseContext struct {
	Caller       string
	Loc          *time.Location
	Now          time.Time
	Environments []string
}

var newOptions = []string{"env", "type", "risk", "duration", "owner", "title", "impact", "rollback", "components", "reason", "fixes"}

const newUsage = "`/release new <service> <version> <YYYY-MM-DD> <HH:MM> [env=… type=… risk=… duration=… owner=@… title=\"…\" impact=\"…\" rollback=\"…\" components=\"api@2.3.0,…\" reason=\"…\" fixes=R-12]`"

// parseNew reads `/release new <service> <version> <date> <time> [key=value…]`.
func parseNew(text string, pc parseContext) (plan, fieldErrors) {
	var fe fieldErrors
	args, err := kit.ParseArgs(text, newOptions...)
	if err != nil {
		fe.add("", "%s.", kit.Capitalize(err.Error()))
		return plan{}, fe
	}
	if len(args.Positional) != 4 {
		fe.add("", "I need a service, a version, a date and a time, in that order: %s", newUsage)
		return plan{}, fe
	}
	return fromArgs(args, pc)
}

// fromArgs reads a release from the words of /release new, however they
// came: typed, or the fields of the pipeline API.
func fromArgs(args kit.Args, pc parseContext) (plan, fieldErrors) {
	var fe fieldErrors
	p := plan{
		Service: strings.ToLower(args.Positional[0]), Version: args.Positional[1],
		Environment: firstNonEmpty(args.Get("env"), defaultEnv(pc.Environments)),
		Owner:       pc.Caller,
		Title:       strings.TrimSpace(args.Get("title")),
		Impact:      strings.TrimSpace(args.Get("impact")),
		Rollback:    strings.TrimSpace(args.Get("rollback")),
		Reason:      strings.TrimSpace(args.Get("reason")),
		Type:        defaultType, Risk: defaultRisk, Duration: defaultDuration,
	}
	if start, err := kit.ParseLocal(args.Positional[2], args.Positional[3], pc.Loc); err != nil {
		fe.add("start", "%s", err)
	} else {
		p.Start = start
	}
	if args.Has("type") {
		if t, err := release.ParseType(args.Get("type")); err != nil {
			fe.add("type", "%s.", kit.Capitalize(err.Error()))
		} else {
			p.Type = t
		}
	}
	if args.Has("risk") {
		if r, err := release.ParseRisk(args.Get("risk")); err != nil {
			fe.add("risk", "%s.", kit.Capitalize(err.Error()))
		} else {
			p.Risk = r
		}
	}
	if args.Has("duration") {
		if d, err := release.ParseDuration(args.Get("duration")); err != nil {
			fe.add("duration", "%s.", kit.Capitalize(err.Error()))
		} else {
			p.Duration = d
		}
	}
	if args.Has("owner") {
		if u, err := kit.ParseUser(args.Get("owner")); err != nil {
			fe.add("owner", "owner: %s.", err)
		} else {
			p.Owner = u
		}
	}
	if args.Has("fixes") {
		if id, err := release.ParseID(args.Get("fixes")); err != nil {
			fe.add("fixes", "fixes: %s.", err)
		} else {
			p.Fixes = id
		}
	}
	if args.Has("components") {
		comps, err := parseComponents(args.Get("components"))
		if err != nil {
			fe.add("components", "%s", err)
		}
		p.Components = comps
	}
	fe = append(fe, p.validate(pc)...)
	return p, fe
}

// validate checks what every way of entering a release shares.
func (p plan) validate(pc parseContext) fieldErrors {
	var fe fieldErrors
	if err := release.ValidateService(p.Service); err != nil {
		fe.add("service", "%s.", kit.Capitalize(err.Error()))
	}
	if err := release.ValidateVersion(p.Version); err != nil {
		fe.add("version", "%s.", kit.Capitalize(err.Error()))
	}
	if !slices.Contains(pc.Environments, p.Environment) {
		fe.add("env", "%q is not an environment here; use %s.", kit.Plain(p.Environment), strings.Join(pc.Environments, ", "))
	}
	if !p.Start.IsZero() && p.Start.Before(pc.Now) {
		fe.add("start", "The start (%s) is in the past; pick a time after now.", kit.LocalTime(p.Start, pc.Loc))
	}
	if problem := kit.TooFarAhead("start", p.Start, pc.Now, pc.Loc); problem != "" {
		fe.add("start", "%s", problem)
	}
	checkLength(&fe, "title", "The title", p.Title, maxTitle)
	checkLength(&fe, "impact", "The impact", p.Impact, maxImpact)
	checkLength(&fe, "rollback", "The rollback plan", p.Rollback, maxRollback)
	checkLength(&fe, "reason", "The reason", p.Reason, kit.MaxReason)
	return fe
}

func checkLength(fe *fieldErrors, field, what, value string, limit int) {
	if n := utf8.RuneCountInString(value); n > limit {
		fe.add(field, "%s is %d characters long; keep it within %d.", what, n, limit)
	}
}

// parseComponents reads "api@2.3.0,worker@1.4.1".
func parseComponents(s string) ([]storage.ReleaseComponent, error) {
	var out []storage.ReleaseComponent
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, v, ok := strings.Cut(item, "@")
		n = strings.ToLower(strings.TrimSpace(n))
		v = strings.TrimSpace(v)
		if !ok || release.ValidateService(n) != nil || release.ValidateVersion(v) != nil {
			return nil, kit.Problemf("%q is not a component; write components as name@version, e.g. components=\"api@2.3.0,worker@1.4.1\".", kit.Plain(item))
		}
		if seen[n] {
			return nil, kit.Problemf("component %q is listed twice.", n)
		}
		seen[n] = true
		out = append(out, storage.ReleaseComponent{Name: n, Version: v})
	}
	if len(out) > maxComponents {
		return nil, kit.Problemf("%d components is more than %d; list the main ones.", len(out), maxComponents)
	}
	return out, nil
}

func defaultEnv(envs []string) string {
	if slices.Contains(envs, defaultEnvChoice) || len(envs) == 0 {
		return defaultEnvChoice
	}
	return envs[0]
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// fromRelease turns a stored release back into a plan, for edits.
func fromRelease(r *storage.Release) plan {
	p := plan{
		Service: r.Service, Version: r.Version, Environment: r.Environment,
		Type: release.Type(r.Type), Risk: release.Risk(r.Risk),
		Start: r.StartAt, Duration: r.EndAt.Sub(r.StartAt), Owner: r.OwnerID,
		Title: r.Title, Impact: r.Impact, Rollback: r.RollbackPlan, Reason: r.FreezeReason,
	}
	for _, c := range r.Components {
		p.Components = append(p.Components, storage.ReleaseComponent{Name: c.Name, Version: c.Version})
	}
	return p
}

// apply writes the plan onto a release.
func (p plan) apply(r *storage.Release) {
	r.Service, r.Version, r.Environment = p.Service, p.Version, p.Environment
	r.Type, r.Risk = string(p.Type), string(p.Risk)
	r.StartAt, r.EndAt = p.Start.UTC(), p.End().UTC()
	r.OwnerID = p.Owner
	r.Title, r.Impact, r.RollbackPlan = p.Title, p.Impact, p.Rollback
}

// componentsText writes components back in the form parseComponents reads.
func componentsText(comps []storage.ReleaseComponent) string {
	parts := make([]string, len(comps))
	for i, c := range comps {
		parts[i] = c.Name + "@" + c.Version
	}
	return strings.Join(parts, ",")
}
