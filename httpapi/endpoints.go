package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Executor is what the endpoints ask of the execution capability.
type Executor interface {
	Gate(ctx context.Context, r *storage.Release) ([]error, error)
	Execute(ctx context.Context, r *storage.Release, m execution.Move) (execution.Moved, error)
	RecordCheck(ctx context.Context, id int64, c execution.Check) (execution.Moved, error)
	LinkIncident(ctx context.Context, id int64, in execution.Incident) (*storage.Incident, *storage.Release, error)
}

// Releases finds the release a request speaks of.
type Releases interface {
	Release(ctx context.Context, id int64) (*storage.Release, error)
	ReleaseByVersion(ctx context.Context, service, version, env string) (*storage.Release, error)
}

// Endpoints are the execution endpoints.
type Endpoints struct {
	Exec     Executor
	Releases Releases
	Log      *slog.Logger
}

// Register adds the endpoints to s.
func (e *Endpoints) Register(s *Server) {
	s.Handle(http.MethodGet, "gate", e.gate)
	s.Handle(http.MethodPost, "deployments", e.deployments)
	s.Handle(http.MethodPost, "checks", e.checks)
	s.Handle(http.MethodPost, "incidents", e.incidents)
}

// Ref names a release: by id, or by service, version and environment.
type Ref struct {
	Release     string `json:"release"`
	Service     string `json:"service"`
	Version     string `json:"version"`
	Environment string `json:"environment"`
}

func (r Ref) check(fields map[string]string) {
	if r.Release != "" {
		if _, err := release.ParseID(r.Release); err != nil {
			fields["release"] = err.Error()
		}
		return
	}
	for name, v := range map[string]string{"service": r.Service, "version": r.Version, "environment": r.Environment} {
		if v == "" {
			fields[name] = "give release, or service, version and environment"
		}
	}
}

// find loads the release and checks the token may act on it.
func (e *Endpoints) find(ctx context.Context, c *Call, ref Ref) (*storage.Release, *Answer) {
	var r *storage.Release
	var err error
	if ref.Release != "" {
		id, _ := release.ParseID(ref.Release)
		r, err = e.Releases.Release(ctx, int64(id))
	} else {
		r, err = e.Releases.ReleaseByVersion(ctx, strings.ToLower(ref.Service), ref.Version, ref.Environment)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &Answer{http.StatusNotFound, errorBody("there is no such release; plan it with /release new or POST /api/v1/releases")}
	}
	if err != nil {
		return nil, e.fail(ctx, err)
	}
	if !c.MayTouch(r.Service) {
		return nil, &Answer{http.StatusForbidden, errorBody(fmt.Sprintf("this token may not act on %s", r.Service))}
	}
	return r, nil
}

func (e *Endpoints) fail(ctx context.Context, err error) *Answer {
	e.Log.ErrorContext(ctx, "api: request failed", "err", err)
	return &Answer{http.StatusInternalServerError, errorBody("the bot could not do that now; try again")}
}

// refusal turns a refusal of the rules into a 409, other errors into 500.
func (e *Endpoints) refusal(ctx context.Context, r *storage.Release, err error) Answer {
	var refused *execution.Refused
	var te *release.TransitionError
	switch {
	case errors.Is(err, errOutOfScope):
		return Answer{http.StatusForbidden, errorBody(fmt.Sprintf("this token may not act on %s", r.Service))}
	case errors.As(err, &refused):
		return Answer{http.StatusConflict, map[string]any{"allowed": false, "release": r.HumanID(), "reasons": reasonWords(refused.Reasons)}}
	case errors.As(err, &te):
		return Answer{http.StatusConflict, map[string]any{"release": r.HumanID(), "error": r.HumanID() + ": " + te.Error()}}
	}
	return *e.fail(ctx, err)
}

func reasonWords(errs []error) []string {
	out := make([]string, len(errs))
	for i, err := range errs {
		out[i] = err.Error()
	}
	return out
}

func (e *Endpoints) gate(ctx context.Context, c *Call) Answer {
	q := c.Req.URL.Query()
	ref := Ref{Release: q.Get("release"), Service: q.Get("service"), Version: q.Get("version"), Environment: q.Get("environment")}
	fields := map[string]string{}
	ref.check(fields)
	if len(fields) > 0 {
		return Answer{http.StatusBadRequest, fieldsBody(fields)}
	}
	r, ans := e.find(ctx, c, ref)
	if ans != nil {
		return *ans
	}
	reasons, err := e.Exec.Gate(ctx, r)
	if err != nil {
		return *e.fail(ctx, err)
	}
	if len(reasons) > 0 {
		return Answer{http.StatusConflict, map[string]any{"allowed": false, "release": r.HumanID(), "reasons": reasonWords(reasons)}}
	}
	return Answer{http.StatusOK, map[string]any{"allowed": true, "release": r.HumanID()}}
}

// statuses maps what a pipeline reports to the status it moves to.
var statuses = map[string]release.Status{
	"started": release.StatusInProgress, "succeeded": release.StatusCompleted,
	"failed": release.StatusFailed, "rolled_back": release.StatusRolledBack,
}

type deployment struct {
	Ref
	Status   string `json:"status"`
	URL      string `json:"url"`
	Commit   string `json:"commit"`
	Downtime *int   `json:"downtime_minutes"`
	Note     string `json:"note"`
}

var commitPattern = regexp.MustCompile(`^[0-9A-Za-z._-]{1,64}$`)

func (d deployment) problems() map[string]string {
	fields := map[string]string{}
	d.check(fields)
	if _, ok := statuses[d.Status]; !ok {
		fields["status"] = "use started, succeeded, failed or rolled_back"
	}
	checkURL(fields, "url", d.URL)
	if d.Commit != "" && !commitPattern.MatchString(d.Commit) {
		fields["commit"] = "a commit id of at most 64 letters, digits, '.', '_' or '-'"
	}
	if d.Downtime != nil && (*d.Downtime < 0 || *d.Downtime > 7*24*60) {
		fields["downtime_minutes"] = "whole minutes from 0 to 10080"
	}
	if n := utf8.RuneCountInString(d.Note); n > 500 {
		fields["note"] = fmt.Sprintf("at most 500 characters (this is %d)", n)
	}
	return fields
}

func checkURL(fields map[string]string, name, url string) {
	if url != "" {
		if err := execution.ValidURL(url); err != nil {
			fields[name] = err.Error()
		}
	}
}

func (e *Endpoints) deployments(ctx context.Context, c *Call) Answer {
	d, r, ans := read[deployment](ctx, e, c)
	if ans != nil {
		return *ans
	}
	moved, err := e.Exec.Execute(ctx, r, execution.Move{
		Actor: c.Actor(), To: statuses[d.Status], Downtime: d.Downtime, URL: d.URL, Commit: d.Commit, Note: d.Note, Pipeline: true,
		Allowed: c.scope,
	})
	if err != nil {
		return e.refusal(ctx, r, err)
	}
	return Answer{http.StatusOK, map[string]any{"release": moved.Release.HumanID(), "status": moved.Release.Status, "changed": moved.Changed}}
}

type check struct {
	Ref
	Name   string `json:"name"`
	Status string `json:"status"`
	URL    string `json:"url"`
}

func (in check) problems() map[string]string {
	fields := map[string]string{}
	in.check(fields)
	if err := release.ValidateCheckName(in.Name); err != nil {
		fields["name"] = err.Error()
	}
	if _, err := release.ParseCheckStatus(in.Status); err != nil {
		fields["status"] = err.Error()
	}
	checkURL(fields, "url", in.URL)
	return fields
}

func (e *Endpoints) checks(ctx context.Context, c *Call) Answer {
	in, r, ans := read[check](ctx, e, c)
	if ans != nil {
		return *ans
	}
	st, _ := release.ParseCheckStatus(in.Status)
	moved, err := e.Exec.RecordCheck(ctx, r.ID, execution.Check{Actor: c.Actor(), Name: in.Name, Status: st, URL: in.URL, Allowed: c.scope})
	if err != nil {
		return e.refusal(ctx, r, err)
	}
	return Answer{http.StatusOK, map[string]any{"release": r.HumanID(), "check": in.Name, "status": st, "changed": moved.Changed}}
}

type incident struct {
	Ref
	Summary  string `json:"summary"`
	Severity string `json:"severity"`
	URL      string `json:"url"`
}

func (in incident) problems() map[string]string {
	fields := map[string]string{}
	in.check(fields)
	if s := strings.TrimSpace(in.Summary); s == "" || utf8.RuneCountInString(s) > 500 {
		fields["summary"] = "say what happened, in at most 500 characters"
	}
	if in.Severity != "" {
		if _, err := release.ParseSeverity(in.Severity); err != nil {
			fields["severity"] = err.Error()
		}
	}
	checkURL(fields, "url", in.URL)
	return fields
}

func (e *Endpoints) incidents(ctx context.Context, c *Call) Answer {
	in, r, ans := read[incident](ctx, e, c)
	if ans != nil {
		return *ans
	}
	var sev release.Severity
	if in.Severity != "" {
		sev, _ = release.ParseSeverity(in.Severity)
	}
	inc, _, err := e.Exec.LinkIncident(ctx, r.ID, execution.Incident{Actor: c.Actor(), Summary: strings.TrimSpace(in.Summary), Severity: sev, URL: in.URL, Allowed: c.scope})
	if err != nil {
		return e.refusal(ctx, r, err)
	}
	return Answer{http.StatusCreated, map[string]any{"release": r.HumanID(), "incident": fmt.Sprintf("INC-%d", inc.ID)}}
}

// request is a body that names a release and checks its own fields.
type request interface {
	problems() map[string]string
	target() Ref
}

func (r Ref) target() Ref { return r }

// read decodes a body, names every bad field (400) and finds the release
// it speaks of, which the token must be allowed to touch.
func read[T request](ctx context.Context, e *Endpoints, c *Call) (T, *storage.Release, *Answer) {
	var in T
	if err := c.Decode(&in); err != nil {
		return in, nil, &Answer{http.StatusBadRequest, errorBody(err.Error())}
	}
	if fields := in.problems(); len(fields) > 0 {
		return in, nil, &Answer{http.StatusBadRequest, fieldsBody(fields)}
	}
	r, ans := e.find(ctx, c, in.target())
	return in, r, ans
}

// errOutOfScope refuses, on the locked row, a release whose service the
// token may not touch (it may have been edited since it was read).
var errOutOfScope = errors.New("out of the token's scope")

func (c *Call) scope(r *storage.Release) error {
	if !c.MayTouch(r.Service) {
		return errOutOfScope
	}
	return nil
}
