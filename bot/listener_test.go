package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// The listener's chain in the order that matters: a panicking handler is
// answered with an apology and its delivery key forgotten, so Slack's
// redelivery of the same command is handled; once handled, a further
// redelivery changes nothing. Every outcome is counted.
func TestRedeliveryAfterAPanicIsHandled(t *testing.T) {
	var calls atomic.Int32
	r := NewRouter("/release")
	r.HandleCommand(Subcommand{Name: "flaky", Summary: "test only", Handler: func(context.Context, *Request) (*Response, error) {
		if calls.Add(1) == 1 {
			panic("kaboom")
		}
		return Reply("done at last"), nil
	}})
	l := startLink(t, r, linkOptions{})
	payload := map[string]any{
		"token": "x", "team_id": "T0EMULATE", "team_domain": "emulator", "channel_id": releases, "channel_name": "releases",
		"user_id": ana, "user_name": "ana", "command": "/release", "text": "flaky",
		"api_app_id": "A0EMULATE", "is_enterprise_install": "false", "response_url": "", "trigger_id": "1234.5678.flaky",
	}
	answers := make([]string, 3)
	for attempt := range answers {
		ack, err := l.slack.Send(l.ctx(), "slash_commands", payload, attempt)
		if err != nil || ack.Late {
			t.Fatalf("attempt %d: %v late=%v", attempt, err, ack.Late)
		}
		answers[attempt] = string(ack.Payload)
	}
	if !strings.Contains(answers[0], "Sorry, something went wrong") || !strings.Contains(answers[1], "done at last") {
		t.Fatalf("first answers: %q", answers[:2])
	}
	if answers[2] != "" && answers[2] != "null" {
		t.Fatalf("the third delivery was answered again: %s", answers[2])
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("the handler ran %d times", n)
	}
	logs := l.logs()
	mustContain(t, logs, "handler panicked", "outcome=panic", "outcome=ok", "outcome=duplicate", "duration_ms=", "queued_ms=")
	for _, outcome := range []string{OutcomePanic, OutcomeOK, OutcomeDuplicate} {
		if v := metricValue(t, l.reg, "releasebot_envelopes_total", map[string]string{"type": "slash_commands", "outcome": outcome}); v != 1 {
			t.Errorf("envelopes with outcome %s: %v", outcome, v)
		}
	}
	if v := metricValue(t, l.reg, "releasebot_handler_duration_seconds", map[string]string{"type": "slash_commands"}); v != 3 {
		t.Errorf("handler durations: %v", v)
	}
}
