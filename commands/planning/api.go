package planning

import (
	"context"
	"time"

	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/internal/kit"
)

// APIPlan is a release a pipeline asks to plan: the options of /release
// new by name (env, type, risk, duration, owner, title, impact, rollback,
// components, reason, fixes), the start and the announcement's channel.
type APIPlan struct {
	Service, Version, Channel string
	Start                     time.Time
	Options                   map[string]string
}

// Planned is what planning through the API did.
type Planned struct {
	Release, Status, Approval string
}

// PlanFromAPI plans a release with the same rules and messages as
// /release new. fields maps each bad field (by its /release new option
// name; "start", "service", "version", "owner", "channel") to its message.
func (s *Service) PlanFromAPI(ctx context.Context, actor string, in APIPlan) (Planned, map[string]string, error) {
	opts := map[string]string{}
	for k, v := range in.Options {
		if v != "" {
			opts[k] = v
		}
	}
	start := in.Start.UTC()
	args := kit.Args{Positional: []string{in.Service, in.Version, start.Format("2006-01-02"), start.Format("15:04")}, Options: opts}
	pc := parseContext{Caller: "", Loc: time.UTC, Now: s.Now(), Environments: s.Config.Environments}
	p, fe := fromArgs(args, pc)
	if p.Owner == "" {
		fe.add("owner", "Name the release's owner, a Slack user id like U012AB3CD: a pipeline can't be reminded or asked.")
	} else if problem := s.ownerProblem(ctx, "", p.Owner); problem != "" {
		fe.add("owner", "%s", problem)
	}
	if in.Channel == "" {
		fe.add("channel", "Name the channel for its announcement, a Slack channel id like C012AB3CD.")
	} else if problem := s.announceProblem(ctx, in.Channel); problem != "" {
		fe.add("channel", "%s", problem)
	}
	if len(fe) > 0 {
		return Planned{}, fe.byField(), nil
	}
	out, fe, err := s.create(ctx, actor, in.Channel, p)
	if err != nil || len(fe) > 0 {
		return Planned{}, fe.byField(), err
	}
	return Planned{Release: out.r.HumanID(), Status: out.r.Status, Approval: approvals.Summary(out.rp)}, nil, nil
}

// byField is every problem by field, the whole message when one field
// has several; a problem of no field is the body's.
func (fe fieldErrors) byField() map[string]string {
	out := map[string]string{}
	for _, e := range fe {
		f := e.Field
		if f == "" {
			f = "body"
		}
		if prev, ok := out[f]; ok {
			out[f] = prev + " " + e.Message
			continue
		}
		out[f] = e.Message
	}
	return out
}
