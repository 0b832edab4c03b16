package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/metricstest"
)

// The figures of a seeded history, computed by hand (see metricstest.Seed),
// are the same in /release metrics and in GET /api/v1/metrics.
func TestMetricsOfASeededHistory(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, env: map[string]string{"DIGEST_CRON": "@every 1s"}, tuning: app.Tuning{MetricsRefresh: "@every 1s"}})
		// Refusals first, while the scheduled jobs have nothing to do with
		// the history (they open its surveys once it is there).
		h.refused(h.typing(ana, releases, "/release metrics days=0"), "Days must be a whole number from 1 to 730")
		h.refused(h.typing(ana, releases, "/release metrics payments"), "Usage: `/release metrics")

		// A minute of margin at the period's edges: the bot's clock runs on
		// between seeding and asking.
		metricstest.Seed(t, h.store, h.clock.Now(), time.Minute)

		answer := h.cmdAnswer(ana, releases, "/release metrics service=payments days=30")
		mustContain(t, answer, "Release metrics: payments, last 30 days",
			"*Success rate* 33% (↓ from 100%) · change failure rate 67% — 6 finished",
			"*Downtime* 40 min total (↑ from 0) · 6.7 min per release · worst 30 min",
			"*Satisfaction* 3.3 / 5", "1★ 0 2★ 1 3★ 1 4★ 0 5★ 1 · response rate 60%",
			"*Adoption* 67%", "*Approval lead time* median 1.2h · p90 1.9h",
			"*Plan → completed* median 24.0h", "p90 38.4h",
			"*Deployments* 1.2 per week", "emergency share 17%",
			"*Reviews* 50% of required done", "1 open follow-up actions",
			"no incident or hotfix linked within the success window")

		all := h.cmdAnswer(ana, releases, "/release metrics days=30")
		mustContain(t, all, "all services, last 30 days", "*Success rate* 43%", "— 7 finished")
		search := h.cmdAnswer(ana, releases, "/release metrics service=search days=30")
		mustContain(t, search, "*Success rate* 100%", "*Satisfaction* no data / 5", "response rate no data", "*Adoption* no data")
		empty := h.cmdAnswer(ana, releases, "/release metrics service=nothing-here days=7")
		mustContain(t, empty, "*Success rate* no data", "— 0 finished", "0 open follow-up actions")

		token := h.createToken("dashboards")
		status, body := h.api(http.MethodGet, "/api/v1/metrics?service=payments&days=30", token, "")
		if status != http.StatusOK {
			t.Fatalf("GET metrics: %d %s", status, body)
		}
		var got struct {
			Days              int
			Current, Previous map[string]any
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"finished": 6, "success_rate": 0.3333, "change_failure_rate": 0.6667, "downtime_minutes_total": 40,
			"downtime_minutes_worst": 30, "downtime_minutes_average": 6.6667, "satisfaction": 3.3333, "responses": 3, "response_rate": 0.6,
			"adoption_rate": 0.6667, "approval_seconds_median": 4500, "approval_seconds_p90": 6660, "lead_seconds_median": 86400,
			"deployments_per_week": 1.1667, "emergency_share": 0.1667, "reviews_done_share": 0.5, "open_actions": 1}
		for k, v := range want {
			if g, ok := got.Current[k].(float64); !ok || math.Abs(g-v) > 1e-4 {
				t.Errorf("JSON %s = %v, want %v", k, got.Current[k], v)
			}
		}
		if got.Previous["success_rate"] != 1.0 || got.Previous["satisfaction"] != nil || got.Days != 30 {
			t.Errorf("JSON previous period: %v", got.Previous)
		}
		if status, body := h.api(http.MethodGet, "/api/v1/metrics?days=many", token, ""); status != http.StatusBadRequest {
			t.Errorf("days=many: %d %s", status, body)
		}
		narrow := h.createToken("search-only service=search")
		if status, body := h.api(http.MethodGet, "/api/v1/metrics?service=payments", narrow, ""); status != http.StatusForbidden {
			t.Errorf("a token of search reading payments: %d %s", status, body)
		}
		if status, body := h.api(http.MethodGet, "/api/v1/metrics", "", ""); status != http.StatusUnauthorized {
			t.Errorf("no token: %d %s", status, fmt.Sprint(body))
		}

		// The CSV export: the same releases, RFC 4180, formulas defused.
		db := h.store.Gorm(h.ctx())
		if err := db.Model(&storage.Release{}).Where("id = 1").Update("title", "=HYPERLINK(\"http://x\")").Error; err != nil {
			t.Fatal(err)
		}
		at := h.clock.Now().Add(-400 * 24 * time.Hour).UTC()
		if err := db.Create(&storage.AuditEntry{At: at, Actor: ana, Action: "note", Details: "@SUM(1), \"quoted\"\nline"}).Error; err != nil {
			t.Fatal(err)
		}
		status, body = h.api(http.MethodGet, "/api/v1/releases.csv", token, "")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if status != http.StatusOK || err != nil || len(rows) != 11 || !strings.Contains(body, "\r\n") {
			t.Fatalf("releases.csv: %d, %v, %d rows\n%s", status, err, len(rows), body)
		}
		if rows[0][0] != "id" || rows[1][0] != "R-1" || rows[1][7] != "'=HYPERLINK(\"http://x\")" {
			t.Errorf("releases.csv rows: %q %q", rows[0], rows[1])
		}
		finished := 0
		for _, r := range rows[1:] {
			end, _ := time.Parse(time.RFC3339, r[12])
			if r[1] == "payments" && r[6] != "cancelled" && r[12] != "" && end.After(h.clock.Now().Add(-30*24*time.Hour)) {
				finished++
			}
		}
		if finished != 6 {
			t.Errorf("releases.csv shows %d payments releases finished in 30 days, /release metrics 6", finished)
		}
		day := func(t time.Time) string { return t.Format(time.DateOnly) }
		status, body = h.api(http.MethodGet, "/api/v1/audit.csv?from="+day(at)+"&to="+day(at.Add(48*time.Hour)), token, "")
		rows, err = csv.NewReader(strings.NewReader(body)).ReadAll()
		if status != http.StatusOK || err != nil || len(rows) != 2 || rows[1][5] != "'@SUM(1), \"quoted\"\nline" || rows[1][2] != ana {
			t.Errorf("audit.csv: %d %v %q", status, err, rows)
		}
		if status, body := h.api(http.MethodGet, "/api/v1/audit.csv?from=yesterday", token, ""); status != http.StatusBadRequest || !strings.Contains(body, "from") {
			t.Errorf("from=yesterday: %d %s", status, body)
		}
		status, body = h.api(http.MethodGet, "/api/v1/releases.csv", narrow, "")
		if rows, err = csv.NewReader(strings.NewReader(body)).ReadAll(); status != http.StatusOK || err != nil || len(rows) != 2 || rows[1][1] != "search" {
			t.Errorf("a token of search exports %d rows: %v", len(rows), err)
		}

		// /metrics: the gauges of the last 30 days, refreshed by a job.
		// A refresh may have run while the history was half written: wait
		// for one after it.
		gauges := []string{`releasebot_release_finished{env="production",service="payments"} 6`,
			`releasebot_release_success_rate{env="production",service="payments"} 0.3333`,
			`releasebot_release_success_rate{env="all",service="all"} 0.4285`, `releasebot_release_finished{env="production",service="search"} 1`,
			`releasebot_release_satisfaction{env="production",service="payments"} 3.333`, `releasebot_release_downtime_minutes{env="production",service="payments"} 40`,
			`releasebot_release_approval_median_seconds{env="production",service="payments"} 4500`}
		var scraped string
		h.eventually("the figures in /metrics", func() bool {
			_, scraped = h.get("/metrics")
			return containsAll(scraped, gauges)
		})
		mustNotContain(t, scraped, `releasebot_release_satisfaction{env="production",service="search"}`)

		// The App Home: the last 30 days of every service.
		if _, err := h.slack.As(ben).OpenHome(h.ctx()); err != nil {
			t.Fatal(err)
		}
		var home string
		h.waitFor("ben's App Home", func() bool {
			v, ok := h.slack.As(ben).Home()
			home = v.Content()
			return ok && strings.Contains(home, "Key figures, last 30 days")
		})
		mustContain(t, home, "*Success rate* 43%", "— 7 finished", "*Satisfaction* 3.3 / 5", "*Adoption* 67%", "1 open follow-up actions")

		// The weekly digest: last week, R-4 (criteria not met), R-5
		// (hotfixed) and search's, which succeeded.
		h.cmd(ana, releases, "/release subscribe all")
		digest := h.waitForMessage(inChannel(releases), "Last week's figures")
		mustContain(t, digest.Content(), "*Success rate* 33%", "— 3 finished", "*Downtime* 10 min total", "*Satisfaction* no data")
	})
}
