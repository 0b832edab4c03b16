package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// authStretch is how long Slack refuses the bot token in
// TestRefusedTokenLosesNothing: the fault run of docs/outbox.md.
const authStretch = 10 * time.Second

// onlyOnce fails unless every message Slack accepted was accepted once,
// and returns how many there were.
func onlyOnce(t *testing.T, s *slackemu.Server) int {
	t.Helper()
	total := 0
	for k, n := range delivered(s) {
		total += n
		if n != 1 {
			t.Errorf("posted %d times: %s", n, k)
		}
	}
	return total
}

// Slack refuses the bot token for a stretch (revoked, then restored)
// while a release that needs approval is planned: nothing is marked
// failed and no admin is alerted, /readyz is red with the reason, and once
// auth.test succeeds again the announcement, the approval request and the
// rest of what the plan caused go out, each exactly once.
func TestRefusedTokenLosesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, tuning: app.Tuning{
			OutboxAuthProbe: 20 * time.Millisecond, OutboxAuthProbeMax: 200 * time.Millisecond,
		}})
		if v := h.metric(`releasebot_outbox_paused{reason="invalid_auth"}`); v != 0 {
			t.Fatalf("paused = %v before anything happened", v)
		}
		h.setPolicy("normal approvers=" + benM + " required=1")
		// A first release fills the caches of who is who and where, as a
		// running bot has them.
		first := h.plan(ana, "billing 1.0.0", daysAhead(3, "10:00")).ID
		h.approvalRequest(ben, first)
		h.outboxIdle()
		before := len(h.outboxRows(0))

		h.slack.RejectBotToken("invalid_auth")
		refused := time.Now()
		id := h.plan(ana, "billing 2.0.0", daysAhead(4, "10:00")).ID
		rid := ref(id)
		h.eventually("/readyz to turn red with the reason", func() bool {
			code, body := h.get("/readyz")
			return code == 503 && strings.Contains(body, "outbox paused") && strings.Contains(body, "invalid_auth")
		})
		h.waitFor("auth.test refused for the whole stretch", func() bool {
			calls := h.slack.Calls("auth.test")
			return len(calls) > 0 && calls[len(calls)-1].Error == "invalid_auth" && calls[len(calls)-1].At.Sub(refused) >= authStretch
		})
		rows := h.outboxRows(id)
		if len(h.outboxRows(0)) != before+len(rows) {
			t.Fatalf("%d rows for %s, %d in all (%d before)", len(rows), rid, len(h.outboxRows(0)), before)
		}
		sending := 0
		for _, m := range rows {
			if m.Status == storage.OutboxPending && m.DueAt.After(h.clock.Now()) {
				continue // a reminder, later
			}
			sending++
			if m.Status != storage.OutboxPending || m.Attempts != 0 {
				t.Fatalf("%s during the refusal: %s after %d attempts (%s)", m.Key, m.Status, m.Attempts, m.LastError)
			}
		}
		if sending < 3 {
			t.Fatalf("%d messages of %s due, want the announcement, the request and the progress line", sending, rid)
		}
		if v := h.metric(`releasebot_outbox_paused{reason="invalid_auth"}`); v != 1 {
			t.Fatalf("paused{invalid_auth} = %v during the refusal", v)
		}
		refusedPosts, probes := 0, len(h.slack.Calls("auth.test"))
		for _, c := range h.slack.Calls("chat.postMessage") {
			if c.Error == "invalid_auth" {
				refusedPosts++
			}
		}

		h.slack.AcceptBotToken()
		restored := time.Now()
		ann := h.announcement(releases, id)
		h.approvalRequest(ben, id)
		h.outboxIdle()
		resumed := time.Since(restored)
		h.eventually("/readyz to turn green", func() bool { code, _ := h.get("/readyz"); return code == 200 })
		h.allSent(t)
		total := onlyOnce(t, h.slack)
		exactlyOnce(t, "#releases", h.slack.Messages(releases), rid+" · ")
		exactlyOnce(t, "ben's DMs", h.slack.As(ben).DMs(), "asks for your approval of *"+rid+"*")
		h.waitForMessage(inThread(releases, ann.TS), "Approval round 1")
		if n := count(h.slack.As(admin).DMs(), "can't deliver"); n != 0 {
			t.Fatalf("admins were alerted %d times about a refused token", n)
		}
		for _, m := range h.outboxRows(id) {
			if m.Status == storage.OutboxSent && m.Attempts != 1 {
				t.Fatalf("%s: %d attempts, want 1: the refusal cost an attempt", m.Key, m.Attempts)
			}
		}
		h.eventually("the pause to show in the metrics", func() bool {
			return h.metric(`releasebot_outbox_paused{reason="invalid_auth"}`) == 0 &&
				h.metric(`releasebot_outbox_pauses_total{reason="invalid_auth"}`) == 1
		})
		if n := strings.Count(h.log.String(), "outbox: Slack refused the bot token"); n != 1 {
			t.Fatalf("the refusal was logged %d times, want once", n)
		}
		t.Logf("token refused for %s: %d posts refused, %d auth.test probes; %d messages of %s delivered %s after the token worked again; %d messages in all, each posted once",
			restored.Sub(refused).Round(time.Millisecond), refusedPosts, probes, sending, rid, resumed.Round(time.Millisecond), total)
	})
}

// The bot's connection to PostgreSQL goes through a proxy that drops every
// connection and refuses new ones for 5 s while Slack holds back its
// answers: the messages Slack posted meanwhile are recorded once the
// database is back, and none is posted again when the leases run out.
func TestDatabaseCutDuringSendsDuplicatesNothing(t *testing.T) {
	if !storagetest.PostgresEnabled() {
		t.Skipf("%s is not set: cutting the database needs PostgreSQL", storagetest.PostgresEnv)
	}
	base := storagetest.Fresh(t, "postgres")
	proxy, through := storagetest.NewProxy(t, base)
	h := start(t, options{dialect: "postgres", databaseURL: through})
	// The test's own reads go straight to the server.
	direct, err := storage.Open(context.Background(), base, storage.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = direct.Close() })
	h.store = direct
	h.cmd(ana, general, "/release subscribe all")
	h.cmd(dan, general, "/release subscribe all me")

	// Slack posts at once but answers 2 s later: the answers come back
	// while the database is gone.
	h.slack.SetFault("chat.postMessage", slackemu.Fault{Hold: 2 * time.Second})
	var rels []planned
	for _, svc := range []string{"billing", "payments", "search"} {
		rels = append(rels, h.plan(ana, svc+" 1.0.0", startIn(48*time.Hour), with("type=standard")))
	}
	h.waitFor("sends in flight", func() bool { return h.slack.InFlight("chat.postMessage") >= len(rels) })
	inFlight := h.slack.InFlight("chat.postMessage")
	back := proxy.CutFor(5 * time.Second)
	h.waitFor("Slack's answers while the database is gone", func() bool { return h.slack.InFlight("chat.postMessage") == 0 })
	<-back
	h.slack.ClearFaults()
	// Past every lease: a message whose record was lost would now be
	// handed on and posted again.
	h.clock.Advance(61 * time.Second)
	for _, rel := range rels {
		h.waitForMessage(inChannel(general), rel.Ref(), "was *planned*")
		h.waitForMessage(dmsTo(dan), rel.Ref(), "was *planned*")
		h.announcement(releases, rel.ID)
	}
	h.outboxIdle()
	rows := sentRows(t, h)
	total := onlyOnce(t, h.slack)
	if total != len(rows) {
		t.Fatalf("Slack accepted %d messages for %d outbox rows", total, len(rows))
	}
	retried := strings.Count(h.log.String(), "database unreachable while recording a sent message")
	if retried == 0 {
		t.Fatal("no sent message waited for the database: the cut missed the sends")
	}
	t.Logf("database cut for 5s with %d sends in flight: %d messages, each posted once; %d record tries waited for the database",
		inFlight, total, retried)
}

// lostAnswers reschedules a release while Slack posts every message at once
// but holds its answer past the bot's cut-off (a third of the 3 s lease
// before it ends), so the bot never learns that Slack posted them: a
// notification in #general, a DM to dan and a line in the release thread.
// It returns the release and how many posts lost their answers.
func lostAnswers(t *testing.T, h *harness) (planned, int) {
	t.Helper()
	h.cmd(ana, general, "/release subscribe billing")
	h.cmd(dan, general, "/release subscribe billing me")
	rel := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), with("type=standard"))
	h.waitForMessage(dmsTo(dan), rel.Ref(), "was *planned*")
	h.outboxIdle()

	before := len(h.slack.Calls("chat.postMessage"))
	h.slack.SetFault("chat.postMessage", slackemu.Fault{Hold: time.Minute})
	later, _ := h.fromNow(ana, 72*time.Hour)
	mustContain(t, h.cmd(ana, releases, "/release reschedule "+rel.Ref()+" "+later), "Rescheduled")
	h.waitFor("the thread line, the notification and the DM on their way", func() bool {
		return h.slack.InFlight("chat.postMessage") >= 3
	})
	// Slack has posted them; their answers never reach the bot.
	h.waitFor("the bot to give up on the answers", func() bool { return h.slack.InFlight("chat.postMessage") == 0 })
	h.slack.ClearFaults()
	return rel, len(h.slack.Calls("chat.postMessage")) - before
}

// Slack posts a message but its answer is lost (the bot's call times
// out): the try counts as a temporary failure, and the next one finds the
// message in Slack by its outbox id (conversations.history in a channel or
// DM, conversations.replies in a thread) and records its ts instead of
// posting it again.
func TestLostAnswerIsNotPostedAgain(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, tuning: app.Tuning{OutboxLease: 3 * time.Second}})
		rel, held := lostAnswers(t, h)
		id := rel.Ref()
		ann := h.announcement(releases, rel.ID)
		h.waitForMessage(inThread(releases, ann.TS), "Rescheduled by <@U0ANA>")
		h.outboxIdle()

		rows := sentRows(t, h)
		total := onlyOnce(t, h.slack)
		if total != len(rows) {
			t.Fatalf("Slack accepted %d messages for %d outbox rows", total, len(rows))
		}
		exactlyOnce(t, "#general", h.slack.Messages(general), id, "was *rescheduled*")
		exactlyOnce(t, "dan's DMs", h.slack.As(dan).DMs(), id, "was *rescheduled*")
		exactlyOnce(t, "the thread", h.slack.Replies(releases, ann.TS), "Rescheduled by")
		// Every post Slack accepted is recorded where it landed.
		recorded := map[string]bool{}
		for _, m := range rows {
			recorded[m.SentChannel+"/"+m.SentTS] = true
		}
		for _, c := range h.slack.Calls("chat.postMessage") {
			var resp struct{ Channel, TS string }
			if json.Unmarshal(c.Response, &resp) != nil || !recorded[resp.Channel+"/"+resp.TS] {
				t.Fatalf("a post Slack accepted is not recorded: %s", c.Response)
			}
		}
		if v := h.metric(`releasebot_outbox_checks_total{result="found"}`); v != float64(held) {
			t.Fatalf("checks{found} = %v, want the %d posts whose answers were lost", v, held)
		}
		for _, method := range []string{"conversations.history", "conversations.replies", "users.conversations"} {
			if len(h.slack.Calls(method)) == 0 {
				t.Fatalf("the bot never called %s", method)
			}
		}
		if errs := h.slack.ProtocolErrors(); len(errs) > 0 {
			t.Fatalf("protocol errors: %v", errs)
		}
		t.Logf("%d answers lost; %d messages, each posted once", held, total)
	})
}

// A workspace that did not grant the history scopes: looking for a message
// whose answer was lost fails with missing_scope. That must not pause
// sending as a refused token does: the bot posts the message again (the
// documented duplicate), warns once and counts it, and keeps delivering.
func TestMissingHistoryScopeFallsBackToPosting(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, tuning: app.Tuning{OutboxLease: 3 * time.Second}})
		for _, method := range []string{"conversations.history", "conversations.replies", "users.conversations"} {
			h.slack.SetFault(method, slackemu.Fault{SlackError: "missing_scope"})
		}
		rel, held := lostAnswers(t, h)
		id := rel.Ref()
		for _, method := range []string{"conversations.history", "conversations.replies", "users.conversations"} {
			h.slack.SetFault(method, slackemu.Fault{SlackError: "missing_scope"})
		}
		ann := h.announcement(releases, rel.ID)
		h.waitForMessage(inThread(releases, ann.TS), "Rescheduled by <@U0ANA>")
		h.outboxIdle()
		sentRows(t, h)
		if n := count(h.slack.Messages(general), id, "was *rescheduled*"); n != 2 {
			t.Fatalf("#general shows the notification %d times, want 2 (posted again without looking)", n)
		}
		if v := h.metric(`releasebot_outbox_checks_total{result="unchecked"}`); v != float64(held) {
			t.Fatalf("checks{unchecked} = %v, want %d", v, held)
		}
		if v := h.metric(`releasebot_outbox_pauses_total{reason="missing_scope"}`); v != 0 {
			t.Fatalf("sending paused %v times for a history scope", v)
		}
		if code, body := h.get("/readyz"); code != 200 {
			t.Fatalf("/readyz %d: %s", code, body)
		}
		if n := strings.Count(h.log.String(), "outbox: Slack refuses to show the bot its conversations"); n != 1 {
			t.Fatalf("the missing scope was logged %d times, want once", n)
		}
		// Later messages flow as before.
		next := h.plan(ana, "billing 1.1.0", startIn(48*time.Hour), with("type=standard"))
		h.waitForMessage(inChannel(general), next.Ref(), "was *planned*")
		h.outboxIdle()
		exactlyOnce(t, "#general", h.slack.Messages(general), next.Ref(), "was *planned*")
	})
}

// The database stays unreachable longer than recording a sent message may
// wait (past the lease): the record is given up ("sent but not recorded"),
// the lease runs out, and the next try finds the messages in Slack by
// their outbox id instead of posting them again.
func TestDatabaseCutPastTheLeaseDuplicatesNothing(t *testing.T) {
	if !storagetest.PostgresEnabled() {
		t.Skipf("%s is not set: cutting the database needs PostgreSQL", storagetest.PostgresEnv)
	}
	base := storagetest.Fresh(t, "postgres")
	proxy, through := storagetest.NewProxy(t, base)
	h := start(t, options{dialect: "postgres", databaseURL: through, tuning: app.Tuning{OutboxLease: 3 * time.Second}})
	direct, err := storage.Open(context.Background(), base, storage.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = direct.Close() })
	h.store = direct
	h.cmd(ana, general, "/release subscribe all")

	h.slack.SetFault("chat.postMessage", slackemu.Fault{Hold: 500 * time.Millisecond})
	var ids []planned
	for _, svc := range []string{"billing", "payments"} {
		ids = append(ids, h.plan(ana, svc+" 1.0.0", startIn(48*time.Hour), with("type=standard")))
	}
	h.waitFor("sends in flight", func() bool { return h.slack.InFlight("chat.postMessage") >= len(ids) })
	back := proxy.CutFor(5 * time.Second)
	h.waitFor("the records given up", func() bool {
		return strings.Count(h.log.String(), "outbox: sent but not recorded") >= len(ids)
	})
	<-back
	h.slack.ClearFaults()
	for _, rel := range ids {
		h.waitForMessage(inChannel(general), rel.Ref(), "was *planned*")
		h.announcement(releases, rel.ID)
	}
	h.outboxIdle()
	rows := sentRows(t, h)
	total := onlyOnce(t, h.slack)
	if total != len(rows) {
		t.Fatalf("Slack accepted %d messages for %d outbox rows", total, len(rows))
	}
	lost := strings.Count(h.log.String(), "outbox: sent but not recorded")
	if found := h.metric(`releasebot_outbox_checks_total{result="found"}`); found < float64(lost) {
		t.Fatalf("%d records given up, %v messages found in Slack", lost, found)
	}
	t.Logf("database cut for 5s (lease 3s): %d records given up, all found in Slack; %d messages, each posted once", lost, total)
}
