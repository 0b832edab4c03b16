package httpapi

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/releasebot/releasebot/commands/metrics"
	"github.com/releasebot/releasebot/release"
)

// Measurer computes the key figures, the same ones /release metrics shows.
type Measurer interface {
	Figures(ctx context.Context, sc metrics.Scope) (metrics.Result, error)
}

// Metrics is GET /api/v1/metrics.
type Metrics struct {
	Measurer Measurer
	Log      *slog.Logger
}

// Register adds the endpoint to s.
func (m *Metrics) Register(s *Server) { s.Handle(http.MethodGet, "metrics", m.get) }

func (m *Metrics) get(ctx context.Context, c *Call) Answer {
	q := c.Req.URL.Query()
	sc, err := metrics.ParseScope(strings.ToLower(q.Get("service")), q.Get("env"), q.Get("days"))
	if err != nil {
		return Answer{http.StatusBadRequest, fieldsBody(map[string]string{"days": err.Error()})}
	}
	if c.Token.Services != "" && (sc.Service == "" || !c.MayTouch(sc.Service)) {
		return Answer{http.StatusForbidden, errorBody("this token may only read the figures of its services: name one with service=")}
	}
	res, err := m.Measurer.Figures(ctx, sc)
	if err != nil {
		m.Log.ErrorContext(ctx, "api: metrics", "err", err)
		return Answer{http.StatusInternalServerError, errorBody("the bot could not compute the figures; try again")}
	}
	return Answer{http.StatusOK, map[string]any{
		"service": sc.Service, "env": sc.Env, "days": sc.Days,
		"from": res.Period.From.Format(time.RFC3339), "to": res.Period.To.Format(time.RFC3339),
		"current": FiguresJSON(res.Now), "previous": FiguresJSON(res.Before), "definitions": release.Definitions,
	}}
}

// FiguresJSON is a period's figures as JSON: shares as fractions, lead
// times in seconds, null where there was nothing to count.
func FiguresJSON(f release.Figures) map[string]any {
	num := func(v float64) any {
		if math.IsNaN(v) {
			return nil
		}
		return math.Round(v*1e4) / 1e4
	}
	secs := func(d time.Duration) any {
		if d < 0 {
			return nil
		}
		return int64(d / time.Second)
	}
	return map[string]any{
		"finished": f.Finished, "success_rate": num(f.SuccessRate), "change_failure_rate": num(f.ChangeFailureRate),
		"downtime_minutes_total": f.DowntimeTotal, "downtime_minutes_average": num(f.DowntimeAverage), "downtime_minutes_worst": f.DowntimeWorst,
		"satisfaction": num(f.Satisfaction), "satisfaction_distribution": f.Distribution, "responses": f.Responses, "response_rate": num(f.ResponseRate),
		"adoption_rate":           num(f.AdoptionRate),
		"approval_seconds_median": secs(f.ApprovalMedian), "approval_seconds_p90": secs(f.ApprovalP90),
		"lead_seconds_median": secs(f.LeadMedian), "lead_seconds_p90": secs(f.LeadP90),
		"deployments_per_week": num(f.PerWeek), "emergency_share": num(f.EmergencyShare),
		"reviews_done_share": num(f.ReviewsDoneShare), "open_actions": f.OpenActions,
	}
}
