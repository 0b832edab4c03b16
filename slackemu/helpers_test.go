package slackemu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// newServer starts an emulator with two users and a channel, closed at the
// end of the test.
func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Logf = t.Logf
	s := New(cfg)
	t.Cleanup(s.Close)
	s.AddUser(User{ID: "U1", Name: "ana", RealName: "Ana Lima", TZ: "Europe/Berlin"})
	s.AddUser(User{ID: "U2", Name: "bob", RealName: "Bob Stone"})
	s.AddChannel(Channel{ID: "C1", Name: "releases", Members: []string{"UBOT", "U1", "U2"}})
	return s
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newAPI(s *Server) *slack.Client {
	return slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(AppToken))
}

// bot is a minimal bot built like the real one: slack-go's socketmode client
// with an event loop calling handle.
type bot struct {
	api *slack.Client
	sm  *socketmode.Client
}

func startBot(t *testing.T, s *Server, handle func(b *bot, evt socketmode.Event)) *bot {
	t.Helper()
	b := &bot{api: newAPI(s)}
	b.sm = socketmode.New(b.api)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = b.sm.RunContext(ctx)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-b.sm.Events:
				if handle != nil && evt.Request != nil {
					handle(b, evt)
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return b
}

// ack acknowledges a request, failing the test on error.
func (b *bot) ack(t *testing.T, evt socketmode.Event, payload ...any) {
	t.Helper()
	if err := b.sm.Ack(*evt.Request, payload...); err != nil {
		t.Errorf("ack: %v", err)
	}
}

func waitConnected(t *testing.T, s *Server, n int) {
	t.Helper()
	if err := s.WaitFor(testCtx(t), func() bool { return s.Connections() == n }); err != nil {
		t.Fatal(err)
	}
}

// expectProtocolErrors checks that every protocol error matches one of the
// wanted substrings and every substring matched one.
func expectProtocolErrors(t *testing.T, s *Server, want ...string) {
	t.Helper()
	got := s.ProtocolErrors()
	seen := make([]bool, len(want))
	for _, e := range got {
		ok := false
		for i, w := range want {
			if strings.Contains(e, w) {
				seen[i], ok = true, true
			}
		}
		if !ok {
			t.Errorf("unexpected protocol error: %s", e)
		}
	}
	for i, w := range want {
		if !seen[i] {
			t.Errorf("missing protocol error containing %q (got %q)", w, got)
		}
	}
}

// postRaw calls the Web API without slack-go, for the cases slack-go cannot
// produce (wrong tokens, unknown methods, raw JSON).
func postRaw(t *testing.T, s *Server, method, token string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doRaw(t, req)
}

func postJSON(t *testing.T, s *Server, urlStr, token string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, urlStr, strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doRaw(t, req)
}

func doRaw(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// dialRaw opens a Socket Mode connection by hand and reads the hello.
func dialRaw(t *testing.T, s *Server) (*websocket.Conn, map[string]any) {
	t.Helper()
	_, body, _ := postRaw(t, s, "apps.connections.open", AppToken, nil)
	u, _ := body["url"].(string)
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatalf("reading hello: %v", err)
	}
	return ws, hello
}

// rawEnvelope is an envelope as read by a hand-made client.
type rawEnvelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	Payload                json.RawMessage `json:"payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
	Reason                 string          `json:"reason"`
}

func readEnvelope(t *testing.T, ws *websocket.Conn) rawEnvelope {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var env rawEnvelope
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatalf("reading envelope: %v", err)
	}
	return env
}

// buttonsMessage builds blocks with one section and an actions block.
func buttonsMessage(text string, labels ...string) []slack.Block {
	var elems []slack.BlockElement
	for _, l := range labels {
		elems = append(elems, slack.NewButtonBlockElement("act_"+strings.ToLower(l), "v_"+strings.ToLower(l),
			slack.NewTextBlockObject(slack.PlainTextType, l, false, false)))
	}
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("actions", elems...),
	}
}
