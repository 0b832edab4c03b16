package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// metric reads one series from /metrics (0 when absent).
func (h *harness) metric(series string) float64 {
	h.t.Helper()
	_, body := h.get("/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` ([0-9.e+-]+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		h.t.Fatalf("%s: %v", series, err)
	}
	return v
}

// allSent asserts every outbox row was delivered, once: status sent, and
// no two rows landed on the same message.
func (h *harness) allSent(t *testing.T) []storage.OutboxMessage {
	t.Helper()
	rows := h.outboxRows(0)
	seen := map[string]string{}
	now := h.clock.Now()
	for _, m := range rows {
		if m.Status == storage.OutboxPending && m.DueAt.After(now) && m.LastError == "" {
			continue // a reminder, later
		}
		if m.Status != storage.OutboxSent {
			t.Fatalf("%s is %s (%s)", m.Key, m.Status, m.LastError)
		}
		if m.Op == storage.OpUpdate {
			continue
		}
		where := m.SentChannel + "/" + m.SentTS
		if other, dup := seen[where]; dup {
			t.Fatalf("%s and %s landed on the same message %s", m.Key, other, where)
		}
		seen[where] = m.Key
	}
	return rows
}

// A 429 pauses the outbox for Retry-After, then everything goes out once;
// rate-limited tries do not count as attempts.
func TestOutboxWaitsOutRateLimits(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, general, "/release subscribe billing")
		h.cmd(dan, general, "/release subscribe billing me")
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 429, RetryAfter: 1, Times: 2})
		rel := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), standardChange("billing"))
		h.waitForMessage(inChannel(general), rel.Ref(), "was *planned*")
		h.waitForMessage(dmsTo(dan), rel.Ref(), "was *planned*")
		h.outboxIdle()
		h.announcement(releases, rel.ID)

		calls := h.slack.Calls("chat.postMessage")
		limited := 0
		for i, c := range calls {
			if c.HTTPStatus != 429 {
				continue
			}
			limited++
			// Calls already on their way may arrive just after; no new one
			// may start before Retry-After has passed.
			for _, later := range calls[i+1:] {
				if d := later.At.Sub(c.At); d > 100*time.Millisecond && d < 900*time.Millisecond {
					t.Fatalf("a chat.postMessage call came %s after a 429 with Retry-After: 1", d)
				}
			}
		}
		if limited != 2 {
			t.Fatalf("%d rate-limited calls, want 2", limited)
		}
		for _, m := range h.allSent(t) {
			if m.Status == storage.OutboxSent && m.Attempts != 1 {
				t.Fatalf("%s: %d attempts; a 429 is not a failed attempt", m.Key, m.Attempts)
			}
		}
		exactlyOnce(t, "#general", h.slack.Messages(general), rel.Ref(), "was *planned*")
		exactlyOnce(t, "dan's DMs", h.slack.As(dan).DMs(), rel.Ref(), "was *planned*")
		if v := h.metric(`releasebot_outbox_retried_total{reason="rate_limited"}`); v != 2 {
			t.Fatalf("retried{rate_limited} = %v, want 2", v)
		}
	})
}

// A burst of 5xx answers is retried with exponential backoff and jitter;
// past the attempt limit a message is marked failed, without alerting the
// admins (nothing they can fix).
func TestOutboxRetries5xxThenGivesUp(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, tuning: app.Tuning{OutboxMaxAttempts: 5}})
		h.cmd(ana, general, "/release subscribe billing")
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 503, Times: 3})
		rel := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), standardChange("billing"))
		h.waitForMessage(inChannel(general), rel.Ref(), "was *planned*")
		h.outboxIdle()
		h.allSent(t)
		exactlyOnce(t, "#releases", h.slack.Messages(releases), rel.Ref()+" · ")
		exactlyOnce(t, "#general", h.slack.Messages(general), rel.Ref(), "was *planned*")
		if v := h.metric(`releasebot_outbox_retried_total{reason="temporary"}`); v != 3 {
			t.Fatalf("retried{temporary} = %v, want 3", v)
		}

		// Slack down for good: the announcement is tried 5 times, each
		// wait at least half of base·2^(n-1) (jitter), then failed.
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 500})
		down := h.plan(ana, "payments 1.0.0", startIn(48*time.Hour), standardChange("payments"))
		var ann storage.OutboxMessage
		h.eventually("the announcement to fail", func() bool {
			rows := h.outboxRows(down.ID, "announcement")
			ann = rows[0]
			return len(rows) == 1 && rows[0].Status == storage.OutboxFailed
		})
		h.slack.ClearFaults()
		mustContain(t, ann.LastError, "gave up after 5 attempts", "http_500")
		var tries []time.Time
		for _, c := range h.slack.Calls("chat.postMessage") {
			if c.HTTPStatus == 500 && c.Params["channel"] == releases && strings.Contains(c.Params["text"], down.Ref()) {
				tries = append(tries, c.At)
			}
		}
		if len(tries) != 5 {
			t.Fatalf("%d tries, want 5", len(tries))
		}
		base := 50 * time.Millisecond // the harness's OutboxBackoff
		for i := 1; i < len(tries); i++ {
			if gap, least := tries[i].Sub(tries[i-1]), (base<<(i-1))/2; gap < least {
				t.Fatalf("retry %d came %s after the previous try, sooner than %s", i, gap, least)
			}
		}
		h.outboxIdle()
		if v := h.metric("releasebot_outbox_failed_total"); v < 1 {
			t.Fatalf("failed_total = %v, want at least 1", v)
		}
		if n := count(h.slack.As(admin).DMs(), "can't deliver"); n != 0 {
			t.Fatalf("admins were alerted about an outage of Slack")
		}
	})
}

// Permanent errors fail a message at once with the reason, and the admins
// hear once per destination and error, however many messages fail there;
// other destinations are not held up.
func TestOutboxPermanentErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, secret, "/release subscribe billing")  // private, the bot is not in it
		h.cmd(ana, general, "/release subscribe billing") // archived below
		h.cmd(cat, general, "/release subscribe billing me")
		h.cmd(dan, general, "/release subscribe billing me") // leaves the workspace below
		if err := h.store.InTx(h.ctx(), func(tx *storage.Tx) error {
			_, err := tx.Subscribe(&storage.Subscription{Service: "billing", Target: "C0GONE", TargetKind: "channel", CreatedBy: ana})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		h.slack.AddChannel(slackemu.Channel{ID: general, Name: "general", Archived: true, Members: []string{"UBOT", ana, ben, cat, dan, admin}})
		h.slack.AddUser(slackemu.User{ID: dan, Name: "dan", RealName: "Dan Wu", Deleted: true})

		first := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), standardChange("billing"))
		second := h.plan(ana, "billing 1.1.0", startIn(48*time.Hour), standardChange("billing"))
		h.waitForMessage(dmsTo(cat), first.Ref(), "was *planned*")
		h.waitForMessage(dmsTo(cat), second.Ref(), "was *planned*")
		h.outboxIdle()

		reasons := map[string]string{secret: "not_in_channel", general: "is_archived", dan: "user_disabled", "C0GONE": "channel_not_found"}
		for _, id := range []int64{first.ID, second.ID} {
			for _, m := range h.outboxRows(id, "notification") {
				want, broken := reasons[m.Channel]
				switch {
				case broken && (m.Status != storage.OutboxFailed || m.LastError != want || m.Attempts != 1):
					t.Fatalf("%s: %s %q after %d attempts, want failed %q at once", m.Key, m.Status, m.LastError, m.Attempts, want)
				case !broken && m.Status != storage.OutboxSent:
					t.Fatalf("%s: %s", m.Key, m.Status)
				}
			}
		}
		alerts := h.slack.As(admin).DMs()
		for dest, code := range reasons {
			exactlyOnce(t, "admin's DMs", alerts, "can't deliver", dest, "`"+code+"`")
		}
		mustContain(t, h.waitForMessage(dmsTo(admin), "G0SECRET").Content(), "/invite @releasebot")
		if v := h.metric("releasebot_outbox_failed_total"); v != 8 {
			t.Fatalf("failed_total = %v, want 8", v)
		}
		if v := h.metric("releasebot_outbox_pending"); v != 0 {
			t.Fatalf("pending = %v, want 0", v)
		}
	})
}

// /metrics shows the outbox: pending (due, not delivered; reminders not
// yet due do not count), sent, retried, failed, and how long the oldest
// due message has waited.
func TestOutboxMetrics(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, general, "/release subscribe billing")
		rel := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), standardChange("billing"))
		h.waitForMessage(inChannel(general), rel.Ref())
		h.outboxIdle()
		// outboxIdle sees the rows committed as sent, but the sent counter
		// is incremented only after that commit, and the backlog gauges
		// may answer from a reading up to a second old: wait for both to
		// catch up. The counter only grows, so once it reaches 2 one
		// reading shows whether anything was counted too often.
		h.eventually("the deliveries to be counted", func() bool {
			return h.metric("releasebot_outbox_sent_total") >= 2 && h.metric("releasebot_outbox_pending") == 0 &&
				h.metric("releasebot_outbox_oldest_due_seconds") == 0
		})
		_, body := h.get("/metrics")
		for _, series := range []string{"releasebot_outbox_pending 0", "releasebot_outbox_sent_total 2",
			`releasebot_outbox_retried_total{reason="temporary"} 0`, `releasebot_outbox_retried_total{reason="rate_limited"} 0`,
			"releasebot_outbox_failed_total 0", "releasebot_outbox_oldest_due_seconds 0"} {
			mustContain(t, body, "\n"+series+"\n")
		}
		// Slack slow: messages pile up as pending, the oldest ages.
		h.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 503})
		h.cmd(ana, releases, "/release cancel "+rel.Ref())
		h.eventually("a backlog", func() bool { return h.metric("releasebot_outbox_pending") >= 1 })
		h.slack.ClearFaults()
		h.outboxIdle()
		h.eventually("the backlog to clear", func() bool { return h.metric("releasebot_outbox_pending") == 0 })
	})
}
