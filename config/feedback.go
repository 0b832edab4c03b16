package config

import (
	"regexp"
	"strconv"
	"time"
)

// Feedback is the validated survey and review settings.
type Feedback struct {
	SurveyDelay      time.Duration
	SurveyOpenFor    time.Duration
	AdoptionFollowUp time.Duration
	SurveyAnonymous  bool
	ReviewDue        time.Duration
}

var daysPattern = regexp.MustCompile(`^(\d{1,3})d$`)

// parseDays reads a duration that may be whole days (7d) or anything
// time.ParseDuration reads (36h, 90m).
func parseDays(s string) (time.Duration, bool) {
	if m := daysPattern.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return time.Duration(n) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

func (raw env) parseFeedback(add func(string, ...any)) Feedback {
	var f Feedback
	for _, d := range []struct {
		name, value string
		min         time.Duration
		to          *time.Duration
	}{
		{"SURVEY_DELAY", raw.SurveyDelay, 0, &f.SurveyDelay},
		{"SURVEY_OPEN_FOR", raw.SurveyOpenFor, time.Hour, &f.SurveyOpenFor},
		{"ADOPTION_FOLLOWUP", raw.AdoptionFollowUp, time.Hour, &f.AdoptionFollowUp},
		{"REVIEW_DUE", raw.ReviewDue, 0, &f.ReviewDue},
	} {
		v, ok := parseDays(d.value)
		if !ok || v < d.min || v > 365*24*time.Hour {
			add("%s %q must be a duration of at least %s and at most 365d, e.g. 1h or 7d.", d.name, d.value, d.min)
			continue
		}
		*d.to = v
	}
	switch raw.SurveyAnonymous {
	case "true":
		f.SurveyAnonymous = true
	case "false":
	default:
		add("SURVEY_ANONYMOUS %q must be true or false.", raw.SurveyAnonymous)
	}
	return f
}
