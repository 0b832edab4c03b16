package reminders_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// metricValue reads one series of a registry (-1 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "reason" || l.GetValue() != reason {
					continue
				}
				if m.GetGauge() != nil {
					return m.GetGauge().GetValue()
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

// While Slack refuses the bot token, nothing is marked failed and no
// message loses an attempt: sending pauses after the first refusals, the
// pause shows in the metrics, auth.test is probed, and once it succeeds
// every message goes out once.
func TestCredentialErrorPausesSending(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := newWorld(t, reminders.OutboxOptions{Registry: reg, AuthProbe: 20 * time.Millisecond, AuthProbeMax: 100 * time.Millisecond, Concurrency: 2})
	for _, code := range []string{"invalid_auth", "token_revoked", "missing_scope"} {
		if v := metricValue(t, reg, "releasebot_outbox_paused", code); v != 0 {
			t.Fatalf("paused{%s} = %v before any pause, want 0", code, v)
		}
	}
	w.slack.RejectBotToken("invalid_auth")
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		w.enqueue(t, k)
	}
	stop := w.run(t)
	defer stop()
	// The sends in flight at the first refusal come back refused too; wait
	// for them to be handed back before reading the rows.
	w.waitFor(t, "the pause, two probes and no send in flight", func() bool {
		if w.outbox.PauseReason() != "invalid_auth" || len(w.slack.Calls("auth.test")) < 2 {
			return false
		}
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			if w.message(t, k).Status == storage.OutboxSending {
				return false
			}
		}
		return true
	})
	if n := len(w.slack.Calls("chat.postMessage")); n > 2 {
		t.Fatalf("%d sends tried while the token was refused; at most the 2 in flight at the first refusal", n)
	}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if m := w.message(t, k); m.Status != storage.OutboxPending || m.Attempts != 0 {
			t.Fatalf("%s: %s after %d attempts, want pending after 0", k, m.Status, m.Attempts)
		}
	}
	if v := metricValue(t, reg, "releasebot_outbox_paused", "invalid_auth"); v != 1 {
		t.Fatalf("paused{invalid_auth} = %v, want 1", v)
	}
	if v := metricValue(t, reg, "releasebot_outbox_pauses_total", "invalid_auth"); v != 1 {
		t.Fatalf("pauses_total{invalid_auth} = %v, want 1", v)
	}
	w.slack.AcceptBotToken()
	w.waitFor(t, "every message to go out", func() bool {
		for _, k := range []string{"a", "b", "c", "d", "e"} {
			if w.message(t, k).Status != storage.OutboxSent {
				return false
			}
		}
		return true
	})
	if w.outbox.PauseReason() != "" || metricValue(t, reg, "releasebot_outbox_paused", "invalid_auth") != 0 {
		t.Fatal("still paused after the token works again")
	}
	posted := map[string]int{}
	for _, c := range w.slack.Calls("chat.postMessage") {
		if c.Error == "" {
			posted[c.Params["text"]]++
		}
	}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if posted[k] != 1 {
			t.Fatalf("%s posted %d times", k, posted[k])
		}
		if m := w.message(t, k); m.Attempts != 1 {
			t.Fatalf("%s: %d attempts, want 1", k, m.Attempts)
		}
	}
}

// A token that passes auth.test but cannot send (a scope removed) is tried
// less and less often instead of at the shortest interval forever, and
// still nothing is failed.
func TestMissingScopeBacksOff(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := newWorld(t, reminders.OutboxOptions{Registry: reg, AuthProbe: 10 * time.Millisecond, AuthProbeMax: 80 * time.Millisecond, Concurrency: 1})
	w.slack.SetFault("chat.postMessage", slackemu.Fault{SlackError: "missing_scope"})
	w.enqueue(t, "a")
	stop := w.run(t)
	defer stop()
	w.waitFor(t, "six pauses", func() bool { return metricValue(t, reg, "releasebot_outbox_pauses_total", "missing_scope") >= 6 })
	calls := w.slack.Calls("chat.postMessage")
	// Pause n waits 10·2^(n-1) ms, capped at 80: the gap before the
	// fifth try is at least the cap.
	if gap := calls[4].At.Sub(calls[3].At); gap < 80*time.Millisecond {
		t.Fatalf("tries 4 and 5 came %s apart, sooner than the 80 ms cap", gap)
	}
	if m := w.message(t, "a"); m.Status == storage.OutboxFailed || m.Attempts > 1 {
		t.Fatalf("%s after %d attempts", m.Status, m.Attempts)
	}
	w.slack.ClearFaults()
	w.waitFor(t, "the message to go out", func() bool { return w.message(t, "a").Status == storage.OutboxSent })
}
