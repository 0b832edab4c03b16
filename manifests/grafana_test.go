package manifests

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/releasebot/releasebot/commands/metrics"
)

// The Grafana dashboard queries only gauges the bot exports, and shows
// every one of them.
func TestGrafanaDashboardQueriesExportedGauges(t *testing.T) {
	raw, err := os.ReadFile("grafana/release-metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string
		Templating struct {
			List []struct{ Query any }
		}
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	exported := metrics.GaugeNames()
	used := map[string]bool{}
	names := regexp.MustCompile(`releasebot_[a-z_]+`)
	var exprs []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok {
			exprs = append(exprs, q)
		}
	}
	for _, e := range exprs {
		for _, n := range names.FindAllString(e, -1) {
			if !slices.Contains(exported, n) {
				t.Errorf("the dashboard queries %s, which the bot does not export", n)
			}
			used[n] = true
		}
	}
	for _, n := range exported {
		if !used[n] {
			t.Errorf("the dashboard does not show %s", n)
		}
	}
	if d.UID == "" || len(d.Panels) == 0 {
		t.Errorf("dashboard without uid or panels")
	}
}
