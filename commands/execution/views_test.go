package execution

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func finished(status release.Status) *storage.Release {
	started, done := t0, t0.Add(40*time.Minute)
	return &storage.Release{ID: 12, Service: "payments", Version: "2.4.0", Environment: "production", Type: "normal", Risk: "medium",
		OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES", StartAt: t0, EndAt: t0.Add(time.Hour), Status: string(status),
		StartedAt: &started, FinishedAt: &done, DowntimeMinutes: 12, PipelineURL: "https://ci.example.com/runs/7", CommitSHA: "4f2a9c1",
		CreatedAt: t0.Add(-48 * time.Hour)}
}

// /release live: per service and environment, the version, since when,
// through which release, and the components.
func TestGoldenLive(t *testing.T) {
	live := []storage.LiveVersion{
		{Service: "billing", Environment: "production", Version: "1.9.0", Components: "api@1.9.0, worker@1.9.0", ReleaseID: 7, Since: t0.Add(-72 * time.Hour)},
		{Service: "payments", Environment: "production", Version: "2.4.0", ReleaseID: 12, Since: t0},
	}
	golden.Compare(t, "live", bot.Message{Text: "Live now", Blocks: kit.PackLines(strings.Split(liveView(live, "", ""), "\n"), bot.MaxMessageBlocks)})
	if got := liveView(nil, "payments", "staging"); !strings.Contains(got, "Nothing is recorded as live for payments in staging yet") {
		t.Fatalf("empty: %q", got)
	}
}

// What /release show adds: checks (one missing), the execution's evidence,
// an incident, a hotfix and the outcome.
func TestGoldenEvidence(t *testing.T) {
	r := finished(release.StatusCompleted)
	checks := []storage.ReadinessCheck{{Name: "tests", Status: "passed"}, {Name: "lint", Status: "failed"}}
	incidents := []storage.Incident{{ID: 3, Summary: "checkout <errors>", Severity: "sev2", URL: "https://status.example.com/3", CreatedAt: t0.Add(2 * time.Hour)}}
	hotfixes := []storage.Release{{ID: 13, Service: "payments", Version: "2.4.1", Status: "planned", CreatedAt: t0.Add(3 * time.Hour)}}
	lines := Evidence(r, checks, []string{"tests", "staging-verified"}, incidents, hotfixes, release.DefaultSuccessWindow)
	golden.Compare(t, "evidence", bot.Message{Text: "Evidence", Blocks: kit.PackLines(lines, 5)})
	clean := strings.Join(Evidence(r, nil, nil, nil, nil, release.DefaultSuccessWindow), "\n")
	if !strings.Contains(clean, "*Outcome*: succeeded") {
		t.Fatalf("a clean completion: %q", clean)
	}
	if got := strings.Join(Evidence(finished(release.StatusRolledBack), nil, nil, nil, nil, time.Hour), "\n"); !strings.Contains(got, "did not succeed: it rolled back") {
		t.Fatalf("a rollback: %q", got)
	}
}

// The move modals: Start asks for a note, Failed for the downtime and
// what happened (required).
func TestGoldenMoveModals(t *testing.T) {
	r := finished(release.StatusInProgress)
	for _, action := range []string{kit.ActionStart, kit.ActionFail} {
		view := moveModal(r, action, buttons[action], "C0RELEASES")
		golden.Compare(t, "modal-"+strings.TrimPrefix(action, "exec."), bot.Message{Text: view.Title.Text, Blocks: view.Blocks.BlockSet})
	}
}

// The lifecycle buttons follow the state.
func TestLifecycleButtons(t *testing.T) {
	labels := func(st release.Status, notPassed ...string) string {
		r := finished(st)
		b := kit.LifecycleButtons(r, notPassed)
		if b == nil {
			return ""
		}
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	for st, want := range map[release.Status][]string{
		release.StatusApproved:   {"Mark passed: tests", "Start"},
		release.StatusInProgress: {"Complete", "Failed", "Rolled back"},
		release.StatusFailed:     {"Rolled back"},
	} {
		got := labels(st, "tests")
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: no %q in %s", st, w, got)
			}
		}
	}
	for _, st := range []release.Status{release.StatusPlanned, release.StatusCompleted, release.StatusRolledBack, release.StatusCancelled} {
		if got := labels(st); got != "" {
			t.Errorf("%s has buttons: %s", st, got)
		}
	}
}

func TestParseDowntime(t *testing.T) {
	for in, want := range map[string]int{"": 0, "12": 12, " 7 ": 7, "15m": 15} {
		if got, problem := parseDowntime(in); got != want || problem != "" {
			t.Errorf("%q: %d %q", in, got, problem)
		}
	}
	for _, bad := range []string{"-1", "soon", "10081"} {
		if _, problem := parseDowntime(bad); problem == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}
