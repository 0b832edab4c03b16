package reminders

import (
	"context"
	"time"
)

// authPause is the outbox's state while Slack refuses the bot's token: no
// replica can send anything until someone fixes the token or reinstalls
// the app, so each replica stops claiming (its own sends tell it), keeps
// every message pending with its attempts intact, and asks auth.test
// from time to time whether the token works again.
type authPause struct {
	reason  string        // Slack's error code; "" while sending
	since   time.Time     // when the pause began
	probeAt time.Time     // when auth.test is tried next
	probeIn time.Duration // the wait before the next probe; doubles while it fails
}

// PauseReason is Slack's error code while sending is paused because Slack
// refuses the bot token, "" otherwise (for /readyz).
func (ob *Outbox) PauseReason() string {
	ob.authMu.Lock()
	defer ob.authMu.Unlock()
	return ob.auth.reason
}

// pauseForCredentials stops sending after Slack refused the token with
// code. The first send to fail logs and counts the pause; the others that
// were in flight at the same moment only hand their message back.
func (ob *Outbox) pauseForCredentials(code, method string) {
	ob.authMu.Lock()
	defer ob.authMu.Unlock()
	if ob.auth.reason != "" {
		return
	}
	now := time.Now()
	ob.auth.reason, ob.auth.since, ob.auth.probeAt = code, now, now.Add(ob.auth.probeIn)
	ob.pausedGauge.WithLabelValues(code).Set(1)
	ob.pauses.WithLabelValues(code).Inc()
	ob.log.Error("outbox: Slack refused the bot token; nothing is sent until auth.test succeeds, and every message stays queued",
		"code", code, "method", method, "next_probe_ms", ob.auth.probeIn.Milliseconds())
}

// tokenWorks notes a send that went through: the next credential pause
// probes at the shortest interval again.
func (ob *Outbox) tokenWorks() {
	ob.authMu.Lock()
	defer ob.authMu.Unlock()
	if ob.auth.reason == "" {
		ob.auth.probeIn = ob.o.AuthProbe
	}
}

// credentialWait returns how long the loop should still wait before
// claiming: 0 when sending is not paused, or when the probe it made just
// now found the token working again.
func (ob *Outbox) credentialWait(ctx context.Context) time.Duration {
	ob.authMu.Lock()
	reason, wait := ob.auth.reason, time.Until(ob.auth.probeAt)
	ob.authMu.Unlock()
	if reason == "" {
		return 0
	}
	if wait > 0 {
		return wait
	}
	probeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := ob.o.Sender.Once(probeCtx, "auth.test", func(ctx context.Context) error {
		_, err := ob.o.Sender.Client().AuthTestContext(ctx)
		return err
	})
	ob.authMu.Lock()
	defer ob.authMu.Unlock()
	if err != nil {
		ob.auth.probeIn = min(2*ob.auth.probeIn, ob.o.AuthProbeMax)
		ob.auth.probeAt = time.Now().Add(ob.auth.probeIn)
		ob.log.Debug("outbox: the bot token is still refused", "err", err, "next_probe_ms", ob.auth.probeIn.Milliseconds())
		return ob.auth.probeIn
	}
	// The next pause waits longer, unless a send succeeds meanwhile
	// (tokenWorks): a token that passes auth.test but still cannot send
	// (missing_scope) is tried less and less often, up to AuthProbeMax.
	ob.auth.probeIn = min(2*ob.auth.probeIn, ob.o.AuthProbeMax)
	ob.pausedGauge.WithLabelValues(ob.auth.reason).Set(0)
	ob.log.Info("outbox: the bot token works again; sending resumes",
		"code", ob.auth.reason, "paused_ms", time.Since(ob.auth.since).Milliseconds())
	ob.auth.reason = ""
	return 0
}
