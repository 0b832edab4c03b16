package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestCommandAckWithPayload(t *testing.T) {
	s := newServer(t, Config{})
	cmds := make(chan slack.SlashCommand, 1)
	var helloSeen sync.WaitGroup
	helloSeen.Add(1)
	var once sync.Once
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeHello:
			once.Do(helloSeen.Done)
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			cmds <- cmd
			b.ack(t, evt, map[string]any{
				"text": "Release started",
				"blocks": []slack.Block{slack.NewSectionBlock(
					slack.NewTextBlockObject(slack.MarkdownType, "*api* 1.2.3 is on its way", false, false), nil, nil)},
			})
		}
	})
	waitConnected(t, s, 1)
	helloSeen.Wait()

	res, err := s.As("U1").Command(testCtx(t), "C1", "/release new api 1.2.3 <@U2|bob>")
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut || res.Ack.Late || res.Reply == nil {
		t.Fatalf("result = %+v, want a timely ack with a reply", res)
	}
	if !res.Reply.Ephemeral || res.Reply.VisibleTo != "U1" || !strings.Contains(res.Reply.Content(), "is on its way") {
		t.Errorf("reply = %+v", *res.Reply)
	}
	eph := s.As("U1").Ephemerals("C1")
	if len(eph) != 1 || eph[0].Text != "Release started" {
		t.Errorf("U1 ephemerals = %+v", eph)
	}
	if got := s.As("U2").Ephemerals("C1"); len(got) != 0 {
		t.Errorf("U2 sees %d ephemerals, want 0", len(got))
	}
	if got := s.Messages("C1"); len(got) != 0 {
		t.Errorf("channel messages = %+v, want none", got)
	}

	cmd := <-cmds
	if cmd.Command != "/release" || cmd.Text != "new api 1.2.3 <@U2|bob>" || cmd.UserID != "U1" || cmd.UserName != "ana" ||
		cmd.ChannelID != "C1" || cmd.ChannelName != "releases" || cmd.TeamID != "T0EMULATE" || cmd.APIAppID != "A0EMULATE" ||
		cmd.TeamDomain != TeamDomain || cmd.Token != VerificationToken || cmd.IsEnterpriseInstall ||
		!strings.Contains(cmd.ResponseURL, "/response/") || cmd.TriggerID == "" {
		t.Errorf("slash command payload = %+v", cmd)
	}
	expectProtocolErrors(t, s)
}

func TestCommandInChannelReply(t *testing.T) {
	s := newServer(t, Config{})
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt, map[string]any{"response_type": "in_channel", "text": "Everyone: release starting"})
		}
	})
	res, err := s.As("U1").Command(testCtx(t), "C1", "/release go")
	if err != nil {
		t.Fatal(err)
	}
	if res.Reply == nil || res.Reply.Ephemeral {
		t.Fatalf("reply = %+v, want a channel message", res.Reply)
	}
	if msgs := s.Messages("C1"); len(msgs) != 1 || msgs[0].Text != "Everyone: release starting" || msgs[0].User != "UBOT" {
		t.Errorf("messages = %+v", msgs)
	}
	expectProtocolErrors(t, s)
}

func TestCommandTimeoutAndLateAck(t *testing.T) {
	s := newServer(t, Config{AckTimeout: 200 * time.Millisecond})
	release := make(chan struct{})
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			go func() {
				<-release
				b.ack(t, evt, map[string]any{"text": "too late"})
			}()
		}
	})
	res, err := s.As("U1").Command(testCtx(t), "C1", "/release new api 1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Reply != nil {
		t.Fatalf("result = %+v, want TimedOut", res)
	}
	eph := s.As("U1").Ephemerals("C1")
	if len(eph) != 1 || eph[0].Text != `/release failed with the error "operation_timeout"` || eph[0].User != SlackbotID {
		t.Fatalf("ephemerals = %+v", eph)
	}
	close(release)
	err = s.WaitFor(testCtx(t), func() bool {
		for _, e := range s.ProtocolErrors() {
			if strings.Contains(e, "late ack") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if eph := s.As("U1").Ephemerals("C1"); len(eph) != 1 {
		t.Errorf("the late ack payload was shown: %+v", eph)
	}
	expectProtocolErrors(t, s, "not acknowledged within", "late ack")
}

func TestDisconnectReconnectAndTicketReuse(t *testing.T) {
	s := newServer(t, Config{})
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt, map[string]any{"text": "ok"})
		}
	})
	waitConnected(t, s, 1)
	before := s.TotalConnections()
	s.Disconnect("refresh_requested")
	err := s.WaitFor(testCtx(t), func() bool { return s.TotalConnections() > before && s.Connections() == 1 })
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Calls("apps.connections.open")); n < 2 {
		t.Fatalf("apps.connections.open called %d times, want a new ticket for the reconnect", n)
	}
	// The bot works on the new link.
	if res, err := s.As("U1").Command(testCtx(t), "C1", "/release ping"); err != nil || res.Reply == nil {
		t.Fatalf("command after reconnect: %+v, %v", res, err)
	}
	// A ticket is single-use.
	var first struct{ URL string }
	if err := json.Unmarshal(s.Calls("apps.connections.open")[0].Response, &first); err != nil {
		t.Fatal(err)
	}
	_, resp, err := websocket.DefaultDialer.Dial(first.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("redialing a used ticket: resp %v, err %v; want HTTP 401", resp, err)
	}
	expectProtocolErrors(t, s, "ticket already used")
}

func TestDropConnectionsAndAckOnNewLink(t *testing.T) {
	s := newServer(t, Config{AckTimeout: 10 * time.Second})
	received := make(chan struct{}, 1)
	release := make(chan struct{})
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			received <- struct{}{}
			go func() {
				<-release
				// slack-go queues acks client-wide: this one goes out on
				// whatever link is open now.
				b.ack(t, evt, map[string]any{"text": "survived"})
			}()
		}
	})
	waitConnected(t, s, 1)
	type result struct {
		res CommandResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := s.As("U1").Command(testCtx(t), "C1", "/release flaky")
		done <- result{res, err}
	}()
	<-received
	before := s.TotalConnections()
	s.DropConnections()
	if err := s.WaitFor(testCtx(t), func() bool { return s.TotalConnections() > before && s.Connections() == 1 }); err != nil {
		t.Fatal(err)
	}
	close(release)
	r := <-done
	if r.err != nil || r.res.TimedOut || r.res.Ack.Late || r.res.Reply == nil || r.res.Reply.Text != "survived" {
		t.Fatalf("command = %+v, %v", r.res, r.err)
	}
	expectProtocolErrors(t, s)
}

func TestEventRetriesOnAnotherConnection(t *testing.T) {
	s := newServer(t, Config{AckTimeout: 300 * time.Millisecond, EventRetries: 2})
	type delivery struct {
		bot     int
		attempt int
		reason  string
		eventID string
	}
	deliveries := make(chan delivery, 10)
	for i := range 2 {
		startBot(t, s, func(b *bot, evt socketmode.Event) {
			if evt.Type != socketmode.EventTypeEventsAPI {
				return
			}
			ev := evt.Data.(slackevents.EventsAPIEvent)
			cb := ev.Data.(*slackevents.EventsAPICallbackEvent)
			deliveries <- delivery{i, evt.Request.RetryAttempt, evt.Request.RetryReason, cb.EventID}
			if evt.Request.RetryAttempt >= 1 {
				b.ack(t, evt)
			}
		})
	}
	waitConnected(t, s, 2)
	ack, err := s.SendEvent(testCtx(t), map[string]any{
		"type": "app_mention", "user": "U1", "text": "<@UBOT> status", "ts": "1700000000.000100",
		"channel": "C1", "event_ts": "1700000000.000100",
	})
	if err != nil || ack.Late {
		t.Fatalf("SendEvent = %+v, %v", ack, err)
	}
	first, second := <-deliveries, <-deliveries
	if first.attempt != 0 || first.reason != "" || second.attempt != 1 || second.reason != "timeout" {
		t.Errorf("deliveries = %+v, %+v", first, second)
	}
	if first.eventID != second.eventID {
		t.Errorf("event ids differ: %s vs %s", first.eventID, second.eventID)
	}
	if first.bot == second.bot {
		t.Errorf("retry went to the same connection (bot %d)", first.bot)
	}
	expectProtocolErrors(t, s, "not acknowledged within")
}

func TestEventRetriesExhausted(t *testing.T) {
	s := newServer(t, Config{AckTimeout: 100 * time.Millisecond, EventRetries: 1})
	startBot(t, s, nil)
	waitConnected(t, s, 1)
	_, err := s.SendEvent(testCtx(t), map[string]any{"type": "app_mention", "user": "U1", "channel": "C1", "text": "hi", "ts": "1.2", "event_ts": "1.2"})
	if !errors.Is(err, ErrAckTimeout) {
		t.Fatalf("err = %v, want ErrAckTimeout", err)
	}
	if n := len(s.ProtocolErrors()); n != 2 {
		t.Errorf("%d protocol errors, want one per attempt: %q", n, s.ProtocolErrors())
	}
}

func TestSendRedeliveryAndAckChecks(t *testing.T) {
	s := newServer(t, Config{})
	ws, hello := dialRaw(t, s)
	if hello["type"] != "hello" || hello["num_connections"] != float64(1) ||
		hello["connection_info"].(map[string]any)["app_id"] != "A0EMULATE" {
		t.Fatalf("hello = %v", hello)
	}
	ctx := testCtx(t)
	type result struct {
		ack Ack
		err error
	}
	send := func(payload any, attempt int) chan result {
		ch := make(chan result, 1)
		go func() {
			a, err := s.Send(ctx, "events_api", payload, attempt)
			ch <- result{a, err}
		}()
		return ch
	}
	payload := map[string]any{"type": "event_callback", "event": map[string]any{"type": "app_mention"}}
	done := send(RawEnvelope{EnvelopeID: "env-1", Payload: payload, RetryReason: "timeout"}, 2)
	env := readEnvelope(t, ws)
	if env.EnvelopeID != "env-1" || env.Type != "events_api" || env.RetryAttempt != 2 || env.RetryReason != "timeout" || env.AcceptsResponsePayload {
		t.Fatalf("envelope = %+v", env)
	}
	if err := ws.WriteJSON(map[string]any{"envelope_id": "env-1"}); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.ack.EnvelopeID != "env-1" || r.ack.Late || r.ack.Payload != nil {
		t.Fatalf("Send = %+v, %v", r.ack, r.err)
	}

	// A payload on an envelope that accepts none, a duplicate ack, an ack for
	// an unknown envelope, non-JSON and an oversized frame are violations.
	done = send(payload, 0)
	env = readEnvelope(t, ws)
	_ = ws.WriteJSON(map[string]any{"envelope_id": env.EnvelopeID, "payload": map[string]any{"text": "hi"}})
	<-done
	_ = ws.WriteJSON(map[string]any{"envelope_id": env.EnvelopeID})
	_ = ws.WriteJSON(map[string]any{"envelope_id": "nope"})
	_ = ws.WriteMessage(websocket.TextMessage, []byte("not json"))
	_ = ws.WriteJSON(map[string]any{"envelope_id": "big", "payload": map[string]any{"text": strings.Repeat("x", 21000)}})
	err := s.WaitFor(ctx, func() bool { return len(s.ProtocolErrors()) >= 5 })
	if err != nil {
		t.Fatal(err)
	}
	expectProtocolErrors(t, s, "does not accept one", "duplicate ack", "unknown envelope", "not a JSON object", "20KB")
}

func TestMaxConnections(t *testing.T) {
	s := newServer(t, Config{MaxConnections: 2})
	dialRaw(t, s)
	_, hello := dialRaw(t, s)
	if hello["num_connections"] != float64(2) {
		t.Errorf("second hello = %v", hello)
	}
	// Like Slack, the emulator answers a connection over the limit with a
	// disconnect message instead of hello, then closes it.
	ws, msg := dialRaw(t, s)
	if msg["type"] != "disconnect" || msg["reason"] != "too_many_websockets" {
		t.Errorf("third connection got %v", msg)
	}
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Error("the refused connection stayed open")
	}
	// A connection counts once the server has marked it ready, a moment
	// after its hello went out: wait for that rather than read it once.
	if err := s.WaitFor(testCtx(t), func() bool { return s.Connections() == 2 }); err != nil {
		t.Errorf("Connections() = %d, want 2: %v", s.Connections(), err)
	}
}

func TestPings(t *testing.T) {
	s := newServer(t, Config{PingInterval: 10 * time.Millisecond})
	ws, _ := dialRaw(t, s)
	pings := make(chan string, 10)
	ws.SetPingHandler(func(data string) error {
		select {
		case pings <- data:
		default:
		}
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for range 2 {
		select {
		case p := <-pings:
			if !strings.HasPrefix(p, "Ping from emulator") {
				t.Errorf("ping payload %q", p)
			}
		case <-testCtx(t).Done():
			t.Fatal("no ping received")
		}
	}
	expectProtocolErrors(t, s)
}

func TestInvalidCommandAckPayload(t *testing.T) {
	s := newServer(t, Config{})
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt, map[string]any{"text": "x", "blocks": []any{map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": strings.Repeat("h", 151)}}}})
		}
	})
	res, err := s.As("U1").Command(testCtx(t), "C1", "/release new")
	if err != nil || res.TimedOut || res.Reply != nil {
		t.Fatalf("command = %+v, %v; want an ack without reply", res, err)
	}
	if e := s.As("U1").Ephemerals("C1"); len(e) != 0 {
		t.Errorf("an invalid response was shown: %+v", e)
	}
	expectProtocolErrors(t, s, "invalid_blocks: [ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]")
}

func TestNoConnectionWaitsWithinContext(t *testing.T) {
	s := newServer(t, Config{})
	// No bot is running: the command waits for a connection until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.As("U1").Command(ctx, "C1", "/release x")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no Socket Mode connection") {
		t.Fatalf("err = %v", err)
	}
}
