package release

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ID
		err  bool
	}{
		{"R-17", 17, false},
		{"r-17", 17, false},
		{"17", 17, false},
		{" R-3 ", 3, false},
		{"R-999999999999999999", 999999999999999999, false},
		{"R-0", 0, true},
		{"0", 0, true},
		{"R-017", 0, true},
		{"R17", 0, true},
		{"R-", 0, true},
		{"", 0, true},
		{"-5", 0, true},
		{"R-1.5", 0, true},
		{"F-3", 0, true},
		{"R-9999999999999999999", 0, true}, // 19 digits: past int64's comfort zone
		{"R-١٢", 0, true},                  // Arabic-Indic digits are not ids
	} {
		got, err := ParseID(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("ParseID(%q) = %v, want an error", tc.in, got)
			} else if !strings.Contains(err.Error(), "release ids look like R-17") {
				t.Errorf("ParseID(%q): unhelpful error %q", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseID(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseID(got.String()); err != nil || back != got {
			t.Errorf("ParseID(%q.String()) = %v, %v", got, back, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Duration
		errPart string
	}{
		{"45m", 45 * time.Minute, ""},
		{"2h", 2 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{" 1H30M ", 90 * time.Minute, ""},
		{"90m", 90 * time.Minute, ""},
		{"1m", time.Minute, ""},
		{"72h", 72 * time.Hour, ""},
		{"4320m", 72 * time.Hour, ""},
		{"0m", 0, "too short"},
		{"0h", 0, "too short"},
		{"0h0m", 0, "too short"},
		{"72h1m", 0, "longer than 72h"},
		{"73h", 0, "longer than 72h"},
		{"4321m", 0, "longer than 72h"},
		{"99999999999999999999h", 0, "longer than 72h"},
		{"1h30", 0, "write it like 45m, 2h or 1h30m"},
		{"90", 0, "write it like"},
		{"1.5h", 0, "write it like"},
		{"30m1h", 0, "write it like"},
		{"-1h", 0, "write it like"},
		{"", 0, "write it like"},
		{"h", 0, "write it like"},
		{"1d", 0, "write it like"},
	} {
		got, err := ParseDuration(tc.in)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("ParseDuration(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.errPart)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{45 * time.Minute, "45m"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "1h30m"},
		{72 * time.Hour, "72h"},
		{time.Minute, "1m"},
		{90*time.Minute + 29*time.Second, "1h30m"},
		{90*time.Minute + 30*time.Second, "1h31m"},
	} {
		if got := FormatDuration(tc.in); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every whole-minute duration a release may have survives a round trip.
	for d := time.Minute; d <= MaxDuration; d += 7 * time.Minute {
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("round trip of %v: %v, %v", d, back, err)
		}
	}
}

// The whole lifecycle, pair by pair.
func TestTransitions(t *testing.T) {
	allowed := map[[2]Status]bool{}
	for _, p := range [][2]Status{
		{StatusPlanned, StatusPlanned}, {StatusPlanned, StatusApproved}, {StatusPlanned, StatusRejected}, {StatusPlanned, StatusCancelled},
		{StatusApproved, StatusPlanned}, {StatusApproved, StatusInProgress}, {StatusApproved, StatusCancelled},
		{StatusRejected, StatusPlanned}, {StatusRejected, StatusCancelled},
		{StatusInProgress, StatusCompleted}, {StatusInProgress, StatusFailed}, {StatusInProgress, StatusRolledBack},
		{StatusFailed, StatusRolledBack}, {StatusCompleted, StatusRolledBack},
	} {
		allowed[p] = true
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			err := CheckTransition(from, to)
			if allowed[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("%s → %s refused: %v", from, to, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s → %s allowed, want refused", from, to)
				continue
			}
			if !errors.Is(err, ErrIllegalTransition) {
				t.Errorf("%s → %s: %v does not wrap ErrIllegalTransition", from, to, err)
			}
			var te *TransitionError
			if !errors.As(err, &te) || te.From != from || te.To != to {
				t.Errorf("%s → %s: %#v", from, to, err)
			}
		}
	}
	// Finished releases go nowhere but rolled back; active ones are the ones in the calendar.
	for _, s := range Statuses {
		if s.Finished() == s.Active() {
			t.Errorf("%s is both or neither finished and active", s)
		}
		if s.Finished() && slices.ContainsFunc(transitions[s], func(to Status) bool { return to != StatusRolledBack }) {
			t.Errorf("%s is finished but may still change", s)
		}
		if s.Emoji() == ":grey_question:" || s.Label() == "" {
			t.Errorf("%s has no emoji or label", s)
		}
	}
}

func TestTransitionErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		from, to Status
		want     string
	}{
		{StatusCancelled, StatusCancelled, "it is already cancelled"},
		{StatusInProgress, StatusCancelled, "it is in progress; a release can only be cancelled before it starts"},
		{StatusPlanned, StatusInProgress, "it is planned (awaiting approval); it can only start once it is approved"},
		{StatusCompleted, StatusPlanned, "it is completed, which is final"},
		{StatusApproved, StatusCompleted, "it is approved and cannot become completed"},
	} {
		if got := CheckTransition(tc.from, tc.to).Error(); got != tc.want {
			t.Errorf("%s → %s: %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestParseTypeAndRisk(t *testing.T) {
	for in, want := range map[string]Type{"standard": TypeStandard, "Normal": TypeNormal, "EMERGENCY": TypeEmergency} {
		if got, err := ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseType("urgent"); err == nil || !strings.Contains(err.Error(), `"urgent" is not a release type; use standard, normal or emergency`) {
		t.Errorf("ParseType(urgent): %v", err)
	}
	for in, want := range map[string]Risk{"low": RiskLow, "Medium": RiskMedium, "HIGH": RiskHigh} {
		if got, err := ParseRisk(in); err != nil || got != want {
			t.Errorf("ParseRisk(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseRisk("extreme"); err == nil || !strings.Contains(err.Error(), `"extreme" is not a risk level; use low, medium or high`) {
		t.Errorf("ParseRisk(extreme): %v", err)
	}
}

func TestValidateServiceAndVersion(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"billing", true}, {"billing-api", true}, {"a.b_c-1", true}, {"x", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"Billing", false}, {"billing api", false}, {"bill$ing", false},
		{"billing/api", false}, {"bïlling", false}, {"billing\n", false},
	} {
		if err := ValidateService(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateService(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2.3.0", true}, {"v1.4.1-rc.1", true}, {"1.0+build.5", true}, {strings.Repeat("1", 64), true},
		{"", false}, {strings.Repeat("1", 65), false}, {"-1.0", false}, {"1.0 beta", false}, {"1.0/2", false},
	} {
		if err := ValidateVersion(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateVersion(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
