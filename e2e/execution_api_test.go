package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every refusal of the pipeline API says why, with its status, and
// leaves the database as it was; a repeated call changes nothing; two
// concurrent starts move the release once; planning keeps /release new's
// rules and words.
func TestPipelineAPIRefusesAndRepeats(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		token := h.createToken("ci-payments service=payments")
		billing := h.createToken("ci-billing service=billing")
		rel := h.plan(ana, "payments 2.4.0", startIn(3*time.Hour))
		h.approve(admin, rel.ID)
		h.waitForStatus(rel.ID, "approved")
		deploy := func(status string) string {
			return fmt.Sprintf(`{"release":%q,"status":%q}`, rel.Ref(), status)
		}

		before := h.snapshot()
		for _, c := range []struct {
			name, method, path, token, body string
			status                          int
			parts                           []string
		}{
			{"no token", "GET", "/api/v1/gate?release=" + rel.Ref(), "", "", 401, []string{"Authorization: Bearer"}},
			{"unknown token", "GET", "/api/v1/gate?release=" + rel.Ref(), "rbt_nope", "", 401, []string{"unknown or was revoked"}},
			{"another service's token", "POST", "/api/v1/deployments", billing, deploy("started"), 403, []string{"may not act on payments"}},
			{"unknown release", "GET", "/api/v1/gate?service=payments&version=9.9.9&environment=production", token, "", 404, []string{"no such release"}},
			{"bad fields", "POST", "/api/v1/deployments", token, `{"release":"R-x","status":"done","url":"ftp://x","downtime_minutes":-1}`, 400,
				[]string{`"release":"\"R-x\" is not a release id`, `"status":"use started, succeeded, failed or rolled_back"`, `"url":`, `"downtime_minutes":"whole minutes`}},
			{"unknown field", "POST", "/api/v1/deployments", token, `{"release":"R-1","status":"started","colour":"red"}`, 400, []string{`unknown field \"colour\"`}},
			{"too large", "POST", "/api/v1/checks", token, `{"release":"R-1","name":"` + strings.Repeat("a", 70<<10) + `"}`, 413, []string{"larger than 64 KiB"}},
			{"not yet in its window", "POST", "/api/v1/deployments", token, deploy("started"), 409, []string{`"allowed":false`, "its window starts at"}},
			{"finish before start", "POST", "/api/v1/deployments", token, deploy("succeeded"), 409, []string{"cannot become completed"}},
			{"no such endpoint", "GET", "/api/v1/nothing", token, "", 404, []string{"no such endpoint"}},
			{"a plan with bad fields", "POST", "/api/v1/releases", token, `{"service":"payments","version":"2.5.0","start":"2020-01-01T10:00:00Z","risk":"huge","owner":"U0ANA","channel":"C0RELEASES"}`, 400,
				[]string{`"start":"The start`, "is in the past", `"risk":"\"huge\" is not a risk level; use low, medium or high."`}},
			{"a plan for another service", "POST", "/api/v1/releases", billing, `{"service":"payments","version":"2.5.0","start":"2030-01-01T10:00:00Z"}`, 403, []string{"may not plan releases of payments"}},
		} {
			status, body := h.api(c.method, c.path, c.token, c.body)
			if status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, status, c.status, body)
			}
			mustContain(t, body, c.parts...)
		}
		h.unchanged(before, "the refused API calls")

		// In its window: two pipelines start it at once; it moves once.
		h.clock.AdvanceTo(rel.Start)
		var wg sync.WaitGroup
		bodies := make([]string, 2)
		for i := range bodies {
			wg.Go(func() { _, bodies[i] = h.api("POST", "/api/v1/deployments", token, deploy("started")) })
		}
		wg.Wait()
		if n := strings.Count(strings.Join(bodies, ""), `"changed":true`); n != 1 {
			t.Fatalf("two concurrent starts changed the release %d times: %v", n, bodies)
		}
		if n := strings.Count(h.auditActions(rel.ID), "status:in_progress"); n != 1 {
			t.Fatalf("%d starts in the audit", n)
		}

		// The same body again, and a retry with its Idempotency-Key, change nothing.
		before = h.snapshot()
		status, body := h.api("POST", "/api/v1/deployments", token, deploy("started"))
		if status != 200 || !strings.Contains(body, `"changed":false`) {
			t.Fatalf("the repeated start: %d %s", status, body)
		}
		h.unchanged(before, "the repeated start")
		done := fmt.Sprintf(`{"release":%q,"status":"succeeded","downtime_minutes":3}`, rel.Ref())
		status, first := h.api("POST", "/api/v1/deployments", token, done, "Idempotency-Key", "run-1-succeeded")
		if status != 200 || !strings.Contains(first, `"changed":true`) {
			t.Fatalf("the success: %d %s", status, first)
		}
		before = h.snapshot()
		if _, again := h.api("POST", "/api/v1/deployments", token, done, "Idempotency-Key", "run-1-succeeded"); again != first {
			t.Fatalf("the retry answered %s, the first call %s", again, first)
		}
		status, body = h.api("POST", "/api/v1/deployments", token, deploy("failed"), "Idempotency-Key", "run-1-succeeded")
		if status != 422 || !strings.Contains(body, "different request") {
			t.Fatalf("a key reused for another body: %d %s", status, body)
		}
		h.unchanged(before, "the retried success")

		// Planning through the API, then an incident through it.
		at := h.clock.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour).Format(time.RFC3339)
		status, body = h.api("POST", "/api/v1/releases", token, `{"service":"payments","version":"2.5.0","start":"`+at+`","owner":"U0ANA","channel":"C0RELEASES","fixes":"`+rel.Ref()+`"}`)
		if status != 201 || !strings.Contains(body, `"status":"planned"`) {
			t.Fatalf("planning through the API: %d %s", status, body)
		}
		h.waitForMessage(inChannel(releases), "payments 2.5.0")
		status, body = h.api("POST", "/api/v1/incidents", token, fmt.Sprintf(`{"release":%q,"summary":"latency up","severity":"sev3"}`, rel.Ref()))
		if status != 201 || !strings.Contains(body, `"incident":"INC-`) {
			t.Fatalf("an incident through the API: %d %s", status, body)
		}
		mustContain(t, strings.Join(h.auditLines(rel.ID), "\n"), "token:ci-payments incident", "token:ci-payments hotfix")

		// A revoked token is refused from then on.
		mustContain(t, h.cmdAnswer(admin, releases, "/release token revoke ci-payments"), "Revoked")
		if status, _ := h.api("GET", "/api/v1/gate?release="+rel.Ref(), token, ""); status != 401 {
			t.Fatalf("a revoked token: %d", status)
		}
		mustContain(t, h.cmdAnswer(admin, releases, "/release token list"), "`ci-billing` for billing")
	})
}
