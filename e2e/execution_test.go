package e2e

import (
	"strings"
	"testing"
	"time"
)

// The "done when": the pipeline example, run with curl against
// the bot, is refused by the gate before approval, passes it after the
// approval and the checks, records the start and the success with 12
// minutes of downtime, and /release live payments shows the new version.
func TestPipelineExampleDrivesARelease(t *testing.T) {
	for _, example := range []string{"github", "gitlab"} {
		t.Run(example, func(t *testing.T) {
			eachDB(t, func(t *testing.T, dialect string) { pipelineDrivesARelease(t, dialect, example) })
		})
	}
}

// The step names of each example.
var exampleSteps = map[string]map[string]string{
	"github": {"check": "Report the tests to releasebot", "gate": "Ask the release gate", "start": "Record the start", "success": "Record the success"},
	"gitlab": {"check": "tests", "gate": "release-gate", "start": "deploy", "success": "record-success"},
}

func pipelineDrivesARelease(t *testing.T, dialect, example string) {
	h := start(t, options{dialect: dialect})
	h.setPolicy("normal env=production approvers=" + benM + " required=1 checks=tests")
	token := h.createToken("ci-payments service=payments")
	mustContain(t, h.cmdAnswer(ana, releases, "/release live payments"), "Nothing is recorded as live for payments")
	rel := h.plan(ana, "payments 2.4.0", startIn(3*time.Hour), with(`components="api@2.4.0"`))
	vars := map[string]string{"VERSION": "2.4.0", "DOWNTIME_MINUTES": "12", "CI_COMMIT_TAG": "2.4.0"}
	var p *pipeline
	if example == "github" {
		p = githubExample(t, h, token, vars)
	} else {
		p = gitlabExample(t, h, token, vars)
	}
	steps := exampleSteps[example]

	// Before approval: the gate refuses, and so does a start.
	p.mustFail(steps["gate"], `"allowed":false`, "it can only start once it is approved", `"release":"`+rel.Ref()+`"`)
	before := h.snapshot()
	p.mustFail(steps["start"], `"allowed":false`)
	h.unchanged(before, "a refused start")

	mustContain(t, h.approve(ben, rel.ID), "You approved")
	h.waitForStatus(rel.ID, "approved")
	ann := h.announcement(releases, rel.ID, "Mark passed: tests", "Start")
	p.mustFail(steps["gate"], "still waiting for tests", "its window starts at")

	// The tests pass; the retried call changes nothing.
	p.mustPass(steps["check"], `"changed":true`)
	before = h.snapshot()
	p.mustPass(steps["check"], `"changed":true`)
	h.unchanged(before, "the retried check call")
	h.waitFor("the announcement to drop Mark passed", func() bool {
		c := h.current(ann).Content()
		return strings.Contains(c, "Start") && !strings.Contains(c, "Mark passed")
	})

	// In its window the gate opens; the start and the success are recorded.
	h.clock.AdvanceTo(rel.Start)
	p.mustPass(steps["gate"], `"allowed":true`, `"release":"`+rel.Ref()+`"`)
	p.mustPass(steps["start"], `"status":"in_progress"`, `"changed":true`)
	h.waitUntilShows(ann, "in progress", "Complete", "Failed", "Rolled back")
	p.mustPass(steps["success"], `"status":"completed"`)
	r := h.release(rel.ID)
	if r.Status != "completed" || r.DowntimeMinutes != 12 || r.StartedAt == nil || r.FinishedAt == nil || !strings.Contains(r.PipelineURL, "example.com") || r.CommitSHA != "4f2a9c1" {
		t.Fatalf("the release holds %s, %d min, started %v, finished %v, %q, %q", r.Status, r.DowntimeMinutes, r.StartedAt, r.FinishedAt, r.PipelineURL, r.CommitSHA)
	}
	h.waitForMessage(inThread(releases, ann.TS), "Completed, reported by pipeline `ci-payments`", "12 min of downtime")
	mustContain(t, h.auditActions(rel.ID), "check", "status:in_progress", "status:completed")
	mustContain(t, strings.Join(h.auditLines(rel.ID), "\n"), "token:ci-payments")
	mustContain(t, h.cmdAnswer(ana, releases, "/release audit "+rel.Ref()), "pipeline `ci-payments` · *status:completed* — in_progress → completed: downtime 12 min")

	live := h.cmdAnswer(dan, releases, "/release live payments")
	mustContain(t, live, "*payments* → production: `2.4.0`", "through `"+rel.Ref()+"`", "api@2.4.0")
	mustContain(t, h.cmdAnswer(dan, releases, "/release show "+rel.Ref()), "12 min of downtime", "`tests`", "pipeline run")
}
