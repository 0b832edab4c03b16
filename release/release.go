// Package release holds the rules of release management that need no I/O:
// the lifecycle, identifiers, approval quorums, calendar conflicts, release
// windows and the reminder schedule. Everything here is a pure function of
// its arguments, so every rule is tested without Slack or a database.
package release

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Status is where a release is in its lifecycle.
type Status string

// The statuses of a release.
const (
	StatusPlanned    Status = "planned" // awaiting approval
	StatusApproved   Status = "approved"
	StatusRejected   Status = "rejected"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
	StatusRolledBack Status = "rolled_back"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusPlanned, StatusApproved, StatusRejected, StatusInProgress, StatusCompleted, StatusFailed, StatusRolledBack, StatusCancelled}

// transitions is the whole lifecycle. planned→planned and approved→planned
// happen when an edit or a reschedule opens a new approval round.
var transitions = map[Status][]Status{
	StatusPlanned:    {StatusPlanned, StatusApproved, StatusRejected, StatusCancelled},
	StatusApproved:   {StatusPlanned, StatusInProgress, StatusCancelled},
	StatusRejected:   {StatusPlanned, StatusCancelled},
	StatusInProgress: {StatusCompleted, StatusFailed, StatusRolledBack},
	// A failed release may still be rolled back, and a completed one found
	// bad afterwards: what was live before it goes back.
	StatusFailed:    {StatusRolledBack},
	StatusCompleted: {StatusRolledBack},
}

// Label is the status as people read it.
func (s Status) Label() string {
	switch s {
	case StatusPlanned:
		return "planned (awaiting approval)"
	case StatusInProgress:
		return "in progress"
	case StatusRolledBack:
		return "rolled back"
	default:
		return string(s)
	}
}

// Emoji marks the status in messages.
func (s Status) Emoji() string {
	switch s {
	case StatusPlanned:
		return ":hourglass_flowing_sand:"
	case StatusApproved:
		return ":white_check_mark:"
	case StatusRejected:
		return ":no_entry:"
	case StatusInProgress:
		return ":rocket:"
	case StatusCompleted:
		return ":tada:"
	case StatusFailed:
		return ":x:"
	case StatusRolledBack:
		return ":leftwards_arrow_with_hook:"
	case StatusCancelled:
		return ":heavy_multiplication_x:"
	}
	return ":grey_question:"
}

// Active reports whether the release still occupies its slot in the calendar.
func (s Status) Active() bool {
	switch s {
	case StatusPlanned, StatusApproved, StatusRejected, StatusInProgress:
		return true
	}
	return false
}

// Finished reports whether the release can no longer change.
func (s Status) Finished() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusRolledBack, StatusCancelled:
		return true
	}
	return false
}

// ErrIllegalTransition is wrapped by every refused status change.
var ErrIllegalTransition = errors.New("illegal status transition")

// TransitionError says in plain words why a status change is refused.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	switch {
	case e.From == e.To:
		return fmt.Sprintf("it is already %s", e.From.Label())
	case e.To == StatusCancelled && !e.From.Finished():
		return fmt.Sprintf("it is %s; a release can only be cancelled before it starts", e.From.Label())
	case e.To == StatusInProgress && (e.From == StatusPlanned || e.From == StatusRejected):
		return fmt.Sprintf("it is %s; it can only start once it is approved", e.From.Label())
	case e.From.Finished():
		return fmt.Sprintf("it is %s, which is final", e.From.Label())
	}
	return fmt.Sprintf("it is %s and cannot become %s", e.From.Label(), e.To.Label())
}

func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

// CheckTransition returns a *TransitionError unless from→to is allowed.
func CheckTransition(from, to Status) error {
	for _, next := range transitions[from] {
		if next == to {
			return nil
		}
	}
	return &TransitionError{From: from, To: to}
}

// Type is the ITIL change type.
type Type string

// The change types.
const (
	TypeStandard  Type = "standard"
	TypeNormal    Type = "normal"
	TypeEmergency Type = "emergency"
)

// Types lists the change types.
var Types = []Type{TypeStandard, TypeNormal, TypeEmergency}

// ParseType accepts a change type name in any case.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("%q is not a release type; use standard, normal or emergency", s)
}

// Risk is the assessed risk of a release.
type Risk string

// The risk levels.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Risks lists the risk levels.
var Risks = []Risk{RiskLow, RiskMedium, RiskHigh}

// ParseRisk accepts a risk name in any case.
func ParseRisk(s string) (Risk, error) {
	for _, r := range Risks {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%q is not a risk level; use low, medium or high", s)
}

// ID is a release's number; people write it R-17.
type ID int64

func (id ID) String() string { return "R-" + strconv.FormatInt(int64(id), 10) }

var idPattern = regexp.MustCompile(`^(?i:r-)?([1-9][0-9]{0,17})$`)

// ParseID accepts "R-17", "r-17" and "17".
func ParseID(s string) (ID, error) {
	m := idPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a release id; release ids look like R-17", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a release id; release ids look like R-17", s)
	}
	return ID(n), nil
}

var servicePattern = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// ValidateService checks a service name.
func ValidateService(s string) error {
	if !servicePattern.MatchString(s) {
		return fmt.Errorf("%q is not a valid service name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'", s)
	}
	return nil
}

var versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// ValidateVersion checks a version string such as 2.3.0 or v1.4.1-rc.1.
func ValidateVersion(s string) error {
	if !versionPattern.MatchString(s) {
		return fmt.Errorf("%q is not a valid version: use up to 64 letters, digits, '.', '_', '+' or '-'", s)
	}
	return nil
}

// MaxDuration bounds a release window; longer windows are almost always typos.
const MaxDuration = 72 * time.Hour

var durationPattern = regexp.MustCompile(`^(?:(\d+)h)?(?:(\d+)m)?$`)

// ParseDuration accepts 45m, 2h and 1h30m.
func ParseDuration(s string) (time.Duration, error) {
	m := durationPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil || (m[1] == "" && m[2] == "") {
		return 0, fmt.Errorf("%q is not a duration; write it like 45m, 2h or 1h30m", s)
	}
	hours, minutes := atoiOrHuge(m[1]), atoiOrHuge(m[2])
	if hours > int(MaxDuration/time.Hour) || minutes > int(MaxDuration/time.Minute) {
		return 0, fmt.Errorf("%q is longer than %s; split the work into several releases", s, FormatDuration(MaxDuration))
	}
	d := time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
	if d < time.Minute {
		return 0, fmt.Errorf("%q is too short; a release takes at least 1m", s)
	}
	if d > MaxDuration {
		return 0, fmt.Errorf("%q is longer than %s; split the work into several releases", s, FormatDuration(MaxDuration))
	}
	return d, nil
}

// FormatDuration writes a duration the way ParseDuration reads it.
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// atoiOrHuge reads a run of digits; one too long for an int reads as a number
// larger than any limit, which the caller then refuses.
func atoiOrHuge(digits string) int {
	if digits == "" {
		return 0
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return int(^uint(0) >> 1)
	}
	return n
}
