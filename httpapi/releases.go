package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/releasebot/releasebot/commands/planning"
)

// Planner plans releases with the rules of /release new.
type Planner interface {
	PlanFromAPI(ctx context.Context, actor string, in planning.APIPlan) (planning.Planned, map[string]string, error)
}

// Planning is the endpoint that plans releases.
type Planning struct {
	Planner Planner
	Log     *slog.Logger
}

// Register adds the endpoint to s.
func (p *Planning) Register(s *Server) { s.Handle(http.MethodPost, "releases", p.plan) }

type newRelease struct {
	Service     string `json:"service"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
	Start       string `json:"start"`
	Duration    string `json:"duration"`
	Type        string `json:"type"`
	Risk        string `json:"risk"`
	Owner       string `json:"owner"`
	Title       string `json:"title"`
	Impact      string `json:"impact"`
	Rollback    string `json:"rollback"`
	Components  string `json:"components"`
	Reason      string `json:"reason"`
	Fixes       string `json:"fixes"`
	Channel     string `json:"channel"`
}

// apiNames are the JSON names of /release new's options where they differ.
var apiNames = map[string]string{"env": "environment"}

func (p *Planning) plan(ctx context.Context, c *Call) Answer {
	var in newRelease
	if err := c.Decode(&in); err != nil {
		return Answer{http.StatusBadRequest, errorBody(err.Error())}
	}
	start, err := time.Parse(time.RFC3339, in.Start)
	if err != nil {
		return Answer{http.StatusBadRequest, fieldsBody(map[string]string{"start": "an RFC 3339 time like 2026-12-03T10:00:00Z"})}
	}
	if !c.MayTouch(strings.ToLower(in.Service)) {
		return Answer{http.StatusForbidden, errorBody("this token may not plan releases of " + in.Service)}
	}
	planned, fields, err := p.Planner.PlanFromAPI(ctx, c.Actor(), planning.APIPlan{
		Service: in.Service, Version: in.Version, Channel: in.Channel, Start: start,
		Options: map[string]string{"env": in.Environment, "duration": in.Duration, "type": in.Type, "risk": in.Risk, "owner": in.Owner,
			"title": in.Title, "impact": in.Impact, "rollback": in.Rollback, "components": in.Components, "reason": in.Reason, "fixes": in.Fixes},
	})
	if err != nil {
		p.Log.ErrorContext(ctx, "api: plan a release", "err", err)
		return Answer{http.StatusInternalServerError, errorBody("the bot could not plan it now; try again")}
	}
	if len(fields) > 0 {
		named := map[string]string{}
		for k, v := range fields {
			if n, ok := apiNames[k]; ok {
				k = n
			}
			named[k] = v
		}
		return Answer{http.StatusBadRequest, fieldsBody(named)}
	}
	return Answer{http.StatusCreated, map[string]any{"release": planned.Release, "status": planned.Status, "approval": planned.Approval}}
}
