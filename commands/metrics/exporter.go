package metrics

import (
	"context"
	"math"

	"github.com/prometheus/client_golang/prometheus"
)

// Exported bounds the label sets of /metrics: the figures of the most
// active service and environment pairs of the period (by finished
// releases), plus all of them together under service="all".
const (
	Exported     = 50
	ExportedDays = 30
	allLabel     = "all"
)

// Exporter keeps the key figures as Prometheus gauges per service and
// environment. A scheduled job refreshes them; a scrape only reads them.
type Exporter struct {
	svc    *Service
	gauges map[string]*prometheus.GaugeVec
}

// gaugeHelp names each gauge and says what it holds.
var gaugeHelp = map[string]string{
	"releasebot_release_success_rate":            "Share of finished releases that succeeded (see /release metrics), last 30 days.",
	"releasebot_release_change_failure_rate":     "Share of finished releases that did not succeed, last 30 days.",
	"releasebot_release_finished":                "Releases finished in the last 30 days.",
	"releasebot_release_downtime_minutes":        "Downtime reported by releases finished in the last 30 days.",
	"releasebot_release_satisfaction":            "Average stakeholder survey score (1-5), last 30 days.",
	"releasebot_release_adoption_rate":           "Share of yes among adoption answers, last 30 days.",
	"releasebot_release_approval_median_seconds": "Median approval lead time (round opened to decided), last 30 days.",
	"releasebot_release_lead_median_seconds":     "Median time from planned to completed, last 30 days.",
	"releasebot_release_deployments_per_week":    "Completed releases per week, last 30 days.",
}

// GaugeNames are the exported gauges, for the Grafana dashboard's test.
func GaugeNames() []string {
	out := make([]string, 0, len(gaugeHelp))
	for n := range gaugeHelp {
		out = append(out, n)
	}
	return out
}

// NewExporter registers the gauges on reg.
func NewExporter(reg prometheus.Registerer, svc *Service) *Exporter {
	e := &Exporter{svc: svc, gauges: map[string]*prometheus.GaugeVec{}}
	for name, help := range gaugeHelp {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"service", "env"})
		e.gauges[name] = g
		if reg != nil {
			reg.MustRegister(g)
		}
	}
	return e
}

// Refresh recomputes every exported figure; pairs no longer among the
// most active disappear. A figure with nothing to count is left out
// rather than exported as 0.
func (e *Exporter) Refresh(ctx context.Context) error {
	cur, _ := e.svc.periods(ExportedDays)
	pairs, err := e.svc.Store.MostActive(ctx, cur.From, cur.To, Exported)
	if err != nil {
		return err
	}
	values := map[[2]string]Result{}
	all, err := e.svc.Figures(ctx, Scope{Days: ExportedDays})
	if err != nil {
		return err
	}
	values[[2]string{allLabel, allLabel}] = all
	for _, p := range pairs {
		if values[[2]string{p.Service, p.Environment}], err = e.svc.Figures(ctx, Scope{Service: p.Service, Env: p.Environment, Days: ExportedDays}); err != nil {
			return err
		}
	}
	for _, g := range e.gauges {
		g.Reset()
	}
	for labels, r := range values {
		f := r.Now
		for name, v := range map[string]float64{
			"releasebot_release_success_rate": f.SuccessRate, "releasebot_release_change_failure_rate": f.ChangeFailureRate,
			"releasebot_release_finished": float64(f.Finished), "releasebot_release_downtime_minutes": float64(f.DowntimeTotal),
			"releasebot_release_satisfaction": f.Satisfaction, "releasebot_release_adoption_rate": f.AdoptionRate,
			"releasebot_release_approval_median_seconds": durSeconds(f.ApprovalMedian.Seconds()),
			"releasebot_release_lead_median_seconds":     durSeconds(f.LeadMedian.Seconds()),
			"releasebot_release_deployments_per_week":    f.PerWeek,
		} {
			if !math.IsNaN(v) {
				e.gauges[name].WithLabelValues(labels[0], labels[1]).Set(v)
			}
		}
	}
	return nil
}

// durSeconds is NaN for "no data" (a negative duration).
func durSeconds(s float64) float64 {
	if s < 0 {
		return math.NaN()
	}
	return s
}
