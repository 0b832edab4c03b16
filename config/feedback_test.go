package config

import (
	"strings"
	"testing"
	"time"
)

func TestFeedbackSettings(t *testing.T) {
	load := func(extra map[string]string) (Config, error) {
		env := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
		for k, v := range extra {
			env[k] = v
		}
		return LoadFrom(lookup(env))
	}
	cfg, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Feedback{SurveyDelay: time.Hour, SurveyOpenFor: 7 * 24 * time.Hour, AdoptionFollowUp: 14 * 24 * time.Hour, SurveyAnonymous: true, ReviewDue: 3 * 24 * time.Hour}
	if cfg.Feedback != want {
		t.Errorf("defaults %+v, want %+v", cfg.Feedback, want)
	}
	cfg, err = load(map[string]string{"SURVEY_DELAY": "30m", "SURVEY_ANONYMOUS": "false", "REVIEW_DUE": "36h"})
	if err != nil || cfg.SurveyDelay != 30*time.Minute || cfg.SurveyAnonymous || cfg.ReviewDue != 36*time.Hour {
		t.Errorf("set: %+v %v", cfg.Feedback, err)
	}
	_, err = load(map[string]string{"SURVEY_OPEN_FOR": "10m", "ADOPTION_FOLLOWUP": "soon", "SURVEY_ANONYMOUS": "yes", "REVIEW_DUE": "400d"})
	for _, name := range []string{"SURVEY_OPEN_FOR", "ADOPTION_FOLLOWUP", "SURVEY_ANONYMOUS", "REVIEW_DUE"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
}
