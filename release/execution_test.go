package release

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestChecksPassed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		required []string
		results  map[string]CheckStatus
		missing  string
		failed   string
	}{
		{"none required", nil, nil, "", ""},
		{"all passed", []string{"tests", "staging"}, map[string]CheckStatus{"tests": CheckPassed, "staging": CheckPassed}, "", ""},
		{"one missing", []string{"tests", "staging"}, map[string]CheckStatus{"tests": CheckPassed}, "staging", ""},
		{"one failed, one missing", []string{"tests", "staging"}, map[string]CheckStatus{"tests": CheckFailed}, "staging", "tests"},
		{"extra checks do not count", []string{"tests"}, map[string]CheckStatus{"lint": CheckPassed}, "tests", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ChecksPassed(tc.required, tc.results)
			if tc.missing == "" && tc.failed == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *ChecksNotPassed
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *ChecksNotPassed", err)
			}
			if got := strings.Join(e.Missing, ","); got != tc.missing {
				t.Errorf("missing %q, want %q", got, tc.missing)
			}
			if got := strings.Join(e.Failed, ","); got != tc.failed {
				t.Errorf("failed %q, want %q", got, tc.failed)
			}
		})
	}
}

func TestGate(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	approved := Slot{Environment: "production", Start: start, End: start.Add(time.Hour), Status: StatusApproved}
	freeze := Freeze{ID: 4, Start: start.Add(-time.Hour), End: start.Add(2 * time.Hour), Reason: "holidays"}
	passed := map[string]CheckStatus{"tests": CheckPassed}
	withStatus := func(s Status) Slot { c := approved; c.Status = s; return c }
	for _, tc := range []struct {
		name string
		g    GateRequest
		want string // the refusals' messages joined by |, "" when allowed
	}{
		{"approved, in window, checks passed", GateRequest{Slot: approved, Now: start, Required: []string{"tests"}, Results: passed}, ""},
		{"early start allowance", GateRequest{Slot: approved, Now: start.Add(-EarlyStart)}, ""},
		{"too early", GateRequest{Slot: approved, Now: start.Add(-EarlyStart - time.Minute)}, "its window starts at 2026-12-03 10:00 UTC; it may start from 09:30 UTC"},
		{"window over", GateRequest{Slot: approved, Now: start.Add(time.Hour)}, "its window ended at 2026-12-03 11:00 UTC; reschedule it first"},
		{"not approved", GateRequest{Slot: withStatus(StatusPlanned), Now: start}, "it is planned (awaiting approval); it can only start once it is approved"},
		{"freeze", GateRequest{Slot: approved, Now: start, Freezes: []Freeze{freeze}}, "freeze F-4 is on until 2026-12-03 12:00 UTC (holidays)"},
		{"emergency allowed into the freeze", GateRequest{Slot: approved, Type: TypeEmergency, FreezeReason: "outage", Now: start, Freezes: []Freeze{freeze}}, ""},
		{"freeze elsewhere", GateRequest{Slot: approved, Now: start, Freezes: []Freeze{{ID: 5, Environment: "staging", Start: freeze.Start, End: freeze.End, Reason: "x"}}}, ""},
		{"check missing", GateRequest{Slot: approved, Now: start, Required: []string{"tests", "staging-verified"}, Results: passed}, "its readiness checks have not all passed (still waiting for staging-verified)"},
		{"every reason at once", GateRequest{Slot: withStatus(StatusPlanned), Now: start.Add(2 * time.Hour), Freezes: []Freeze{freeze}, Required: []string{"tests"}, Results: map[string]CheckStatus{"tests": CheckFailed}},
			"it is planned (awaiting approval); it can only start once it is approved|its window ended at 2026-12-03 11:00 UTC; reschedule it first|its readiness checks have not all passed (failed: tests)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range Gate(tc.g) {
				got = append(got, err.Error())
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("got  %q\nwant %q", strings.Join(got, "|"), tc.want)
			}
		})
	}
}

func TestSucceeded(t *testing.T) {
	done := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	w := DefaultSuccessWindow
	for _, tc := range []struct {
		name     string
		status   Status
		problems []time.Time
		want     bool
	}{
		{"completed, nothing linked", StatusCompleted, nil, true},
		{"incident within the window", StatusCompleted, []time.Time{done.Add(2 * time.Hour)}, false},
		{"incident on the window's last instant", StatusCompleted, []time.Time{done.Add(w)}, false},
		{"incident after the window", StatusCompleted, []time.Time{done.Add(w + time.Minute)}, true},
		{"failed", StatusFailed, nil, false},
		{"rolled back", StatusRolledBack, nil, false},
		{"in progress", StatusInProgress, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Succeeded(tc.status, done, tc.problems, w); got != tc.want {
				t.Errorf("Succeeded = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseCheckList(t *testing.T) {
	got, err := ParseCheckList(" Tests, staging-verified,tests,, ")
	if err != nil || strings.Join(got, ",") != "tests,staging-verified" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ParseCheckList("tests,no way"); err == nil || !strings.Contains(err.Error(), `"no way" is not a check name`) {
		t.Fatalf("a bad name: %v", err)
	}
	for in, want := range map[string]string{"sev2": "sev2", "1": "sev1", "SEV4": "sev4"} {
		if s, err := ParseSeverity(in); err != nil || string(s) != want {
			t.Errorf("ParseSeverity(%q) = %q, %v", in, s, err)
		}
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("ParseSeverity accepted critical")
	}
}
