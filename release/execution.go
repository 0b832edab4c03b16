package release

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// EarlyStart is how long before its window a release may start: a
// pipeline that queues a few minutes early is not a breach of the plan.
const EarlyStart = 30 * time.Minute

// DefaultSuccessWindow is SUCCESS_WINDOW's default: an incident or a
// hotfix linked within this time after a release finished means it did
// not succeed.
const DefaultSuccessWindow = 7 * 24 * time.Hour

// CheckStatus is the latest result of a readiness check.
type CheckStatus string

// The results a check can have.
const (
	CheckPassed CheckStatus = "passed"
	CheckFailed CheckStatus = "failed"
)

// ParseCheckStatus accepts passed or failed in any case.
func ParseCheckStatus(s string) (CheckStatus, error) {
	switch CheckStatus(strings.ToLower(strings.TrimSpace(s))) {
	case CheckPassed:
		return CheckPassed, nil
	case CheckFailed:
		return CheckFailed, nil
	}
	return "", fmt.Errorf("%q is not a check result; use passed or failed", s)
}

var checkNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidateCheckName checks a readiness check's name, such as
// staging-verified.
func ValidateCheckName(s string) error {
	if !checkNamePattern.MatchString(s) {
		return fmt.Errorf("%q is not a check name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'", s)
	}
	return nil
}

// ParseCheckList reads a policy's checks=a,b: trimmed, lower-case,
// without repeats, in the order given.
func ParseCheckList(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "" {
			continue
		}
		if err := ValidateCheckName(name); err != nil {
			return nil, err
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// ChecksNotPassed is the refusal to start a release whose required checks
// have not all passed.
type ChecksNotPassed struct {
	Missing, Failed []string
}

func (e *ChecksNotPassed) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "still waiting for "+strings.Join(e.Missing, ", "))
	}
	if len(e.Failed) > 0 {
		parts = append(parts, "failed: "+strings.Join(e.Failed, ", "))
	}
	return "its readiness checks have not all passed (" + strings.Join(parts, "; ") + ")"
}

// ChecksPassed returns a *ChecksNotPassed unless every required check has
// passed, judged by results (check name → latest result).
func ChecksPassed(required []string, results map[string]CheckStatus) error {
	var e ChecksNotPassed
	for _, name := range required {
		switch results[name] {
		case CheckPassed:
		case CheckFailed:
			e.Failed = append(e.Failed, name)
		default:
			e.Missing = append(e.Missing, name)
		}
	}
	if len(e.Missing)+len(e.Failed) == 0 {
		return nil
	}
	return &e
}

// OutsideWindow is the refusal to deploy a release now, outside its window.
type OutsideWindow struct {
	Start, End time.Time
	Early      bool
}

func (e *OutsideWindow) Error() string {
	if e.Early {
		return fmt.Sprintf("its window starts at %s; it may start from %s", e.Start.UTC().Format("2006-01-02 15:04 UTC"), e.Start.Add(-EarlyStart).UTC().Format("15:04 UTC"))
	}
	return fmt.Sprintf("its window ended at %s; reschedule it first", e.End.UTC().Format("2006-01-02 15:04 UTC"))
}

// InFreeze is the refusal to deploy during a freeze.
type InFreeze struct{ Freeze Freeze }

func (e *InFreeze) Error() string {
	return fmt.Sprintf("freeze F-%d is on until %s (%s)", e.Freeze.ID, e.Freeze.End.UTC().Format("2006-01-02 15:04 UTC"), e.Freeze.Reason)
}

// GateRequest is what the deploy gate judges: the release as it is, the
// moment, the freezes on now and the checks it has.
type GateRequest struct {
	Slot         Slot
	Type         Type
	FreezeReason string // why an emergency was allowed into a freeze
	Now          time.Time
	Freezes      []Freeze
	Required     []string
	Results      map[string]CheckStatus
}

// Gate lists every reason the release may not be deployed now, or none:
// it must be approved, inside its window (from EarlyStart before it), out
// of any freeze unless it is an emergency allowed into it, and its
// required checks must have passed.
func Gate(g GateRequest) []error {
	var out []error
	if g.Slot.Status != StatusApproved {
		out = append(out, &TransitionError{From: g.Slot.Status, To: StatusInProgress})
	}
	switch {
	case g.Now.Before(g.Slot.Start.Add(-EarlyStart)):
		out = append(out, &OutsideWindow{Start: g.Slot.Start, End: g.Slot.End, Early: true})
	case !g.Now.Before(g.Slot.End):
		out = append(out, &OutsideWindow{Start: g.Slot.Start, End: g.Slot.End})
	}
	now := Slot{Environment: g.Slot.Environment, Start: g.Now, End: g.Now.Add(time.Minute)}
	if hit := FreezesHit(now, g.Freezes); len(hit) > 0 && !FreezeOverride(g.Type, g.FreezeReason) {
		out = append(out, &InFreeze{Freeze: hit[0]})
	}
	if err := ChecksPassed(g.Required, g.Results); err != nil {
		out = append(out, err)
	}
	return out
}

// Succeeded reports whether a finished release succeeded: it completed,
// and no incident was linked to it nor hotfix planned for it within
// window after it finished. problems are the moments those links were made.
func Succeeded(status Status, finished time.Time, problems []time.Time, window time.Duration) bool {
	if status != StatusCompleted {
		return false
	}
	for _, at := range problems {
		if !at.After(finished.Add(window)) {
			return false
		}
	}
	return true
}

// Severity is how bad an incident is.
type Severity string

// The severities, most severe first.
var Severities = []Severity{"sev1", "sev2", "sev3", "sev4"}

// ParseSeverity accepts sev1…sev4 (or 1…4) in any case.
func ParseSeverity(s string) (Severity, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(v, "sev") {
		v = "sev" + v
	}
	if slices.Contains(Severities, Severity(v)) {
		return Severity(v), nil
	}
	return "", fmt.Errorf("%q is not a severity; use sev1, sev2, sev3 or sev4", s)
}
