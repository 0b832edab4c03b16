package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/slackemu"
)

// /release help is answered inside the ack, and lists every subcommand
// from the router's own table.
func TestHelpInsideTheAck(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		for _, line := range []string{"/release help", "/release", "/release HELP"} {
			res, err := h.slack.As(ana).Command(h.ctx(), releases, line)
			if err != nil || res.TimedOut || res.Reply == nil {
				t.Fatalf("%q: err=%v timedOut=%v reply=%v", line, err, res.TimedOut, res.Reply)
			}
			if !res.Reply.Ephemeral || res.Reply.VisibleTo != ana {
				t.Fatalf("help should be ephemeral to the caller: %+v", res.Reply)
			}
			mustContain(t, res.Reply.Content(), "/release new", "/release list [upcoming|recent|all]", "/release freeze add",
				"/release policy set", "/release subscribe", "/release approvals", "/release audit <id>", "/release suggest <service>")
		}
	})
}

func TestUnknownSubcommandShowsHelp(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		reply := h.cmd(ana, releases, "/release frobnicate now")
		mustContain(t, reply, "I don't know `frobnicate`", "/release new", "/release calendar")
	})
}

// A handler that panics gets the user an apology with a reference; the
// bot keeps serving.
func TestHandlerPanic(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect, extraRoutes: func(r *bot.Router) {
			r.HandleCommand(bot.Subcommand{Name: "explode", Summary: "test only", Handler: func(context.Context, *bot.Request) (*bot.Response, error) {
				panic("explode: a handler bug")
			}})
		}})
		res, err := h.slack.As(ana).Command(h.ctx(), releases, "/release explode")
		if err != nil || res.TimedOut || res.Reply == nil {
			t.Fatalf("panic: err=%v timedOut=%v", err, res.TimedOut)
		}
		ref := res.Ack.EnvelopeID[:8]
		mustContain(t, res.Reply.Content(), "Sorry, something went wrong", ref)
		mustNotContain(t, res.Reply.Content(), "goroutine", "panic", "nil map")
		if !strings.Contains(h.log.String(), res.Ack.EnvelopeID) || !strings.Contains(h.log.String(), "handler panicked") {
			t.Fatalf("the panic is not logged with its envelope id")
		}
		mustContain(t, h.cmd(ana, releases, "/release help"), "/release new")
	})
}

// A redelivered envelope (same payload, retry_attempt 1) changes nothing
// the second time.
func TestRedeliveredEnvelopeChangesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		payload := map[string]any{
			"token": "x", "team_id": "T0EMULATE", "team_domain": "emulator", "channel_id": releases, "channel_name": "releases",
			"user_id": ana, "user_name": "ana", "command": "/release", "text": "subscribe billing",
			"api_app_id": "A0EMULATE", "is_enterprise_install": "false", "response_url": "", "trigger_id": "1234.5678.redelivered",
		}
		first, err := h.slack.Send(h.ctx(), "slash_commands", payload, 0)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, string(first.Payload), "Subscribed")
		again, err := h.slack.Send(h.ctx(), "slash_commands", payload, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Payload) != 0 && string(again.Payload) != "null" {
			t.Fatalf("the redelivery was answered again: %s", again.Payload)
		}
		subs, err := h.store.Subscriptions(h.ctx(), releases)
		if err != nil || len(subs) != 1 {
			t.Fatalf("subscriptions %v, %v", subs, err)
		}
		trail := h.auditActions(0)
		if strings.Count(trail, "subscribed") != 1 {
			t.Fatalf("audit: %s", trail)
		}
	})
}

// A payload Slack never sends is acknowledged, logged, and changes nothing.
func TestUnknownPayloads(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		ack, err := h.slack.Send(h.ctx(), "interactive", map[string]any{"type": "block_actions", "user": map[string]any{"id": ana},
			"actions": []any{map[string]any{"action_id": "no.such.route", "block_id": "b", "type": "button", "value": "x"}}}, 0)
		if err != nil || ack.Late {
			t.Fatalf("unknown action: %v late=%v", err, ack.Late)
		}
		ack, err = h.slack.Send(h.ctx(), "interactive", map[string]any{"type": "shortcut", "user": map[string]any{"id": ana}, "callback_id": "x"}, 0)
		if err != nil || ack.Late {
			t.Fatalf("shortcut: %v late=%v", err, ack.Late)
		}
		h.waitForMessage(dmsTo(ana), "Sorry, I don't know what to do with that")
		mustContain(t, h.log.String(), "no handler", "envelope not understood")
		mustContain(t, h.cmd(ana, releases, "/release help"), "/release new")
	})
}

// The link is replaced after a disconnect request and after the connection
// drops; an envelope being handled while the link goes down is still
// answered.
func TestReconnection(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		release := make(chan struct{})
		entered := make(chan struct{}, 1)
		h := start(t, options{dialect: dialect, ackBudget: 5 * time.Second, extraRoutes: func(r *bot.Router) {
			r.HandleCommand(bot.Subcommand{Name: "slow", Summary: "test only", Handler: func(ctx context.Context, _ *bot.Request) (*bot.Response, error) {
				entered <- struct{}{}
				<-release
				return bot.Reply("slow answer"), nil
			}})
		}})
		s := h.slack
		s.Disconnect("refresh_requested")
		h.waitFor("a new link after disconnect", func() bool { return s.TotalConnections() >= 2 && s.Connections() == 1 })
		mustContain(t, h.cmd(ana, releases, "/release help"), "/release new")

		// A command is in a handler when the TCP link dies.
		result := make(chan slackemu.CommandResult, 1)
		go func() {
			res, _ := s.As(ana).Command(context.Background(), releases, "/release slow")
			result <- res
		}()
		<-entered
		total := s.TotalConnections()
		s.DropConnections()
		h.waitFor("a new link after the drop", func() bool { return s.TotalConnections() > total && s.Connections() == 1 })
		close(release)
		res := <-result
		answered := res.Reply != nil && strings.Contains(res.Reply.Content(), "slow answer")
		if !answered {
			h.waitForMessage(ephemeralsTo(ana, releases), "slow answer")
		}
		mustContain(t, h.cmd(ana, releases, "/release help"), "/release new")
	})
}

// /readyz reports not ready while the link is down.
func TestReadinessFollowsTheLink(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		if code, body := h.get("/healthz"); code != 200 || body != "ok\n" {
			t.Fatalf("healthz %d %q", code, body)
		}
		h.eventually("ready", func() bool { code, _ := h.get("/readyz"); return code == 200 })
		h.slack.SetFault("apps.connections.open", slackemu.Fault{HTTPStatus: 503})
		h.slack.DropConnections()
		h.eventually("not ready", func() bool { code, _ := h.get("/readyz"); return code == 503 })
		_, body := h.get("/readyz")
		mustContain(t, body, "slack socket mode not connected")
		h.slack.ClearFaults()
		h.eventually("ready again", func() bool { code, _ := h.get("/readyz"); return code == 200 })
	})
}

// /metrics shows envelopes, ack latency, handler latency and API calls.
func TestMetrics(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, releases, "/release help")
		h.cmd(ana, releases, "/release subscriptions")
		// Handler metrics are recorded just after the ack leaves, and a
		// scrape reads one series after another while they are recorded:
		// wait for a scrape that saw both handled.
		var body string
		h.eventually("the handler metrics", func() bool {
			_, body = h.get("/metrics")
			return containsAll(body, []string{`releasebot_envelopes_total{outcome="ok",type="slash_commands"} 2`,
				`releasebot_handler_duration_seconds_count{type="slash_commands"} 2`})
		})
		mustContain(t, body,
			`releasebot_envelopes_total{outcome="ok",type="slash_commands"} 2`,
			`releasebot_ack_latency_seconds_bucket{type="slash_commands"`,
			`releasebot_handler_duration_seconds_count{type="slash_commands"} 2`,
			`releasebot_slack_api_calls_total{method="auth.test",result="ok"} 1`,
			`releasebot_socket_connected 1`,
			`releasebot_outbox_pending`,
		)
	})
}

// Shutting down with envelopes in flight: each is still handled and
// acknowledged, and the bot stops within the shutdown timeout.
func TestGracefulShutdownWithEnvelopesInFlight(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		release := make(chan struct{})
		var entered sync.WaitGroup
		entered.Add(3)
		h := start(t, options{dialect: dialect, extraRoutes: func(r *bot.Router) {
			r.HandleCommand(bot.Subcommand{Name: "slow", Summary: "test only", Handler: func(ctx context.Context, _ *bot.Request) (*bot.Response, error) {
				entered.Done()
				<-release
				return bot.Reply("done before shutdown"), nil
			}})
		}})
		results := make(chan slackemu.CommandResult, 3)
		for range 3 {
			go func() {
				res, _ := h.slack.As(ana).Command(context.Background(), releases, "/release slow")
				results <- res
			}()
		}
		entered.Wait()
		stopped := make(chan struct{})
		began := time.Now()
		go func() { h.stop(); close(stopped) }()
		close(release)
		for range 3 {
			res := <-results
			if res.TimedOut || res.Reply == nil || !strings.Contains(res.Reply.Content(), "done before shutdown") {
				t.Fatalf("in-flight command lost at shutdown: %+v", res)
			}
		}
		<-stopped
		if took := time.Since(began); took > 10*time.Second {
			t.Fatalf("shutdown took %s", took)
		}
	})
}
