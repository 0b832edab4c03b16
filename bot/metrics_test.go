package bot

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/releasebot/releasebot/buildinfo"
)

// gather returns each family's series by name.
func gather(t *testing.T, reg *prometheus.Registry) map[string][]*dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, f := range families {
		out[f.GetName()] = f.GetMetric()
	}
	return out
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// A fresh bot exposes its series at zero, so alerts on rates work from
// the first scrape, and names its build.
func TestSeriesExistBeforeTheFirstEvent(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	series := gather(t, reg)
	for name, want := range map[string]int{
		"releasebot_envelopes_total":             len(envelopeTypes) * len(envelopeOutcomes),
		"releasebot_ack_latency_seconds":         len(envelopeTypes),
		"releasebot_handler_duration_seconds":    len(envelopeTypes),
		"releasebot_slack_api_calls_total":       len(CalledMethods) * len(apiResults),
		"releasebot_slack_api_ratelimited_total": len(CalledMethods),
	} {
		if got := len(series[name]); got != want {
			t.Errorf("%s: %d series, want %d", name, got, want)
		}
		for _, m := range series[name] {
			if m.GetCounter().GetValue() != 0 || m.GetHistogram().GetSampleCount() != 0 {
				t.Errorf("%s%v is not zero", name, labels(m))
			}
		}
	}
	b := buildinfo.Get()
	info := series["releasebot_build_info"]
	if len(info) != 1 || info[0].GetGauge().GetValue() != 1 {
		t.Fatalf("releasebot_build_info: %v", info)
	}
	want := map[string]string{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion}
	if got := labels(info[0]); len(got) != 3 || got["version"] != want["version"] || got["commit"] != want["commit"] || got["goversion"] != want["goversion"] {
		t.Fatalf("build_info labels %v, want %v", got, want)
	}
}

// Counting a call moves its pre-created series rather than adding one.
func TestPrecreatedSeriesCount(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	api := NewAPI(APIOptions{BotToken: "xoxb-test", APIURL: "http://127.0.0.1:1/", Metrics: m})
	api.count("users.info", nil)
	series := gather(t, reg)["releasebot_slack_api_calls_total"]
	if len(series) != len(CalledMethods)*len(apiResults) {
		t.Fatalf("%d series after one call", len(series))
	}
	for _, s := range series {
		l := labels(s)
		want := 0.0
		if l["method"] == "users.info" && l["result"] == "ok" {
			want = 1
		}
		if s.GetCounter().GetValue() != want {
			t.Errorf("%v = %v, want %v", l, s.GetCounter().GetValue(), want)
		}
	}
}
