package slackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode: apps.connections.open hands out single-use tickets, the bot
// dials ws://…/link/?ticket=…, gets "hello", then envelopes it must ack
// within AckTimeout. Acks are matched by envelope_id on any connection, since
// a client that reconnects sends its queued acks on the new link.

// maxAckFrame is Slack's limit for frames sent by the app: larger frames are
// silently dropped, so the ack never arrives.
const maxAckFrame = 20 * 1024

// Ack is the bot's acknowledgement of an envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack had no payload
	Latency    time.Duration   // from sending the envelope to receiving the ack
	Late       bool            // received after AckTimeout (a protocol error)
}

// RawEnvelope lets Server.Send control envelope fields that are normally
// generated, for example to redeliver an envelope id the bot already saw.
type RawEnvelope struct {
	EnvelopeID string
	Payload    any
	// AcceptsResponsePayload overrides the value derived from the envelope
	// and payload types.
	AcceptsResponsePayload *bool
	RetryReason            string
}

type ticket struct {
	issued time.Time
	used   bool
}

// wsConn is one Socket Mode websocket.
type wsConn struct {
	id       int
	ws       *websocket.Conn
	writeMu  sync.Mutex    // gorilla allows one concurrent writer
	done     chan struct{} // closed when the read loop ends
	ready    bool          // hello sent; guarded by Server.mu
	draining bool          // disconnect sent; guarded by Server.mu
}

func (c *wsConn) writeJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) apiConnectionsOpen(r *apiRequest) apiResult {
	t := randHex(16)
	s.tickets[t] = &ticket{issued: time.Now()}
	wsURL := "ws" + strings.TrimPrefix(s.baseURL, "http") + "/link/?ticket=" + t + "&app_id=" + s.cfg.AppID
	return okResult(map[string]any{"url": wsURL})
}

// Connections is the number of open Socket Mode connections (hello sent).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyConnsLocked()
}

// TotalConnections counts the connections ever accepted, so that a test can
// wait for a reconnect: TotalConnections() > before && Connections() == 1.
func (s *Server) TotalConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.totalConns
}

func (s *Server) readyConnsLocked() int {
	n := 0
	for _, c := range s.conns {
		if c.ready {
			n++
		}
	}
	return n
}

// handleLink upgrades a ticketed request to a Socket Mode connection and
// serves it until it closes.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	tk := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	t := s.tickets[tk]
	problem := ""
	switch {
	case t == nil:
		problem = "unknown ticket"
	case t.used:
		problem = "ticket already used: every connection needs a new apps.connections.open"
	case time.Since(t.issued) > s.cfg.TicketTTL:
		problem = "ticket expired"
	default:
		t.used = true
	}
	if problem != "" {
		s.protocolErrorLocked("socket mode: websocket dial refused: %s", problem)
		s.mu.Unlock()
		http.Error(w, problem, http.StatusUnauthorized)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.logf("socket mode: upgrade failed: %v", err)
		return
	}
	s.mu.Lock()
	if s.closed || len(s.conns) >= s.cfg.MaxConnections {
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			// What Slack does for an 11th connection.
			s.logf("socket mode: refusing connection: %d connections already open", s.cfg.MaxConnections)
			c := &wsConn{ws: ws}
			_ = c.writeJSON(map[string]any{"type": "disconnect", "reason": "too_many_websockets",
				"debug_info": map[string]any{"host": "emulator"}})
		}
		_ = ws.Close()
		return
	}
	s.connSeq++
	c := &wsConn{id: s.connSeq, ws: ws, done: make(chan struct{})}
	s.conns = append(s.conns, c)
	n := len(s.conns)
	s.mu.Unlock()

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info":      map[string]any{"host": "emulator", "approximate_connection_time": 18060, "build_number": 1},
		"connection_info": map[string]any{"app_id": s.cfg.AppID},
	}
	if err := c.writeJSON(hello); err != nil {
		s.logf("socket mode: connection #%d: writing hello: %v", c.id, err)
		s.removeConn(c)
		_ = ws.Close()
		close(c.done)
		return
	}
	s.mu.Lock()
	c.ready = true
	s.totalConns++
	s.changedLocked()
	open := s.readyConnsLocked()
	s.mu.Unlock()
	s.logf("socket mode: connection #%d open (%d open)", c.id, open)

	s.wg.Add(1)
	go s.pingLoop(c)
	s.readLoop(c)
	close(c.done)
	_ = ws.Close()
	s.removeConn(c)
}

func (s *Server) removeConn(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i:i], s.conns[i+1:]...)
			s.logf("socket mode: connection #%d closed (%d open)", c.id, s.readyConnsLocked())
			s.changedLocked()
			return
		}
	}
}

// pingLoop sends websocket pings: slack-go treats a link without pings for
// 30 s as dead.
func (s *Server) pingLoop(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-c.done:
			return
		case <-t.C:
			msg := fmt.Appendf(nil, "Ping from emulator %d", n)
			if err := c.ws.WriteControl(websocket.PingMessage, msg, time.Now().Add(5*time.Second)); err != nil {
				return
			}
		}
	}
}

// readLoop reads acks until the connection fails. Pongs are handled by
// gorilla (the default pong handler accepts them).
func (s *Server) readLoop(c *wsConn) {
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		if typ != websocket.TextMessage {
			s.protocolError("socket mode: connection #%d: unexpected binary frame", c.id)
			continue
		}
		if len(data) >= maxAckFrame {
			s.protocolError("socket mode: connection #%d: %d-byte frame dropped: Slack ignores frames of 20KB or more", c.id, len(data))
			continue
		}
		var ack struct {
			EnvelopeID *string         `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil {
			s.protocolError("socket mode: connection #%d: frame is not a JSON object (%v): %.200s", c.id, err, data)
			continue
		}
		if ack.EnvelopeID == nil || *ack.EnvelopeID == "" {
			s.protocolError("socket mode: connection #%d: frame without envelope_id: %.200s", c.id, data)
			continue
		}
		s.handleAck(c.id, *ack.EnvelopeID, ack.Payload, at)
	}
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open
// connection, as Slack does before rotating connections, and closes each one
// a second later unless the client closed it first. No envelopes are sent on
// a connection after its disconnect message.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	var targets []*wsConn
	for _, c := range s.conns {
		if c.ready && !c.draining {
			c.draining = true
			targets = append(targets, c)
		}
	}
	s.changedLocked()
	s.mu.Unlock()
	for _, c := range targets {
		msg := map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "emulator"}}
		if err := c.writeJSON(msg); err != nil {
			s.logf("socket mode: connection #%d: writing disconnect: %v", c.id, err)
		}
		s.logf("socket mode: connection #%d: sent disconnect (%s)", c.id, reason)
		ws := c.ws
		time.AfterFunc(time.Second, func() { _ = ws.Close() })
	}
}

// DropConnections closes every connection's TCP socket abruptly, without a
// close frame, like a network failure.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		s.logf("socket mode: dropping connection #%d", c.id)
		_ = c.ws.Close()
	}
}

type envState int

const (
	envPending envState = iota
	envAcked
	envExpired // AckTimeout passed without an ack
)

// envelope is one delivery of a payload to the bot.
type envelope struct {
	id, typ, kind string // kind: the payload type, e.g. block_actions, or the event type
	data          []byte // the envelope as sent
	accepts       bool
	retryAttempt  int
	sentAt        time.Time
	connID        int
	state         envState
	ackCh         chan Ack // receives the first ack
	// onAck validates and applies the ack payload; it runs with Server.mu
	// held. late means the user has already seen a failure, so effects must
	// not be applied.
	onAck func(a Ack, late bool)
	// onTimeout runs with Server.mu held when AckTimeout passes first.
	onTimeout func()
	// outcome carries what onAck produced to the waiting caller; guarded by
	// Server.mu.
	outcome any
}

// acceptsResponse is Slack's accepts_response_payload: only slash commands,
// view submissions and option requests can be answered in the ack.
func acceptsResponse(envType, kind string) bool {
	switch envType {
	case "slash_commands":
		return true
	case "interactive":
		return kind == "view_submission" || kind == "block_suggestion"
	}
	return false
}

// newEnvelope builds an envelope around payload (a map or RawEnvelope).
func (s *Server) newEnvelope(envType string, payload any, retryAttempt int) (*envelope, error) {
	env := &envelope{typ: envType, retryAttempt: retryAttempt, ackCh: make(chan Ack, 1)}
	reason := ""
	if retryAttempt > 0 {
		reason = "timeout"
	}
	var acceptsOverride *bool
	switch p := payload.(type) {
	case RawEnvelope:
		env.id, payload, acceptsOverride, reason = p.EnvelopeID, p.Payload, p.AcceptsResponsePayload, p.RetryReason
	case *RawEnvelope:
		env.id, payload, acceptsOverride, reason = p.EnvelopeID, p.Payload, p.AcceptsResponsePayload, p.RetryReason
	}
	if env.id == "" {
		env.id = newUUID()
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("slackemu: marshalling payload: %w", err)
	}
	var head struct {
		Type  string `json:"type"`
		Event struct {
			Type string `json:"type"`
		} `json:"event"`
	}
	_ = json.Unmarshal(raw, &head)
	env.kind = head.Type
	if envType == "events_api" && head.Event.Type != "" {
		env.kind = head.Event.Type
	}
	env.accepts = acceptsResponse(envType, env.kind)
	if acceptsOverride != nil {
		env.accepts = *acceptsOverride
	}
	env.data, err = json.Marshal(map[string]any{
		"envelope_id":              env.id,
		"type":                     envType,
		"accepts_response_payload": env.accepts,
		"payload":                  json.RawMessage(raw),
		"retry_attempt":            retryAttempt,
		"retry_reason":             reason,
	})
	return env, err
}

// deliver sends env on an open connection, round-robin, preferring one other
// than avoid; it waits (within ctx) for a connection if none is open.
func (s *Server) deliver(ctx context.Context, env *envelope, avoid int) error {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return errClosed
		}
		c := s.pickConnLocked(avoid)
		ch := s.changed
		if c != nil {
			env.connID = c.id
			env.sentAt = time.Now()
			env.state = envPending
			s.envelopes[env.id] = env
		}
		s.mu.Unlock()
		if c == nil {
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return fmt.Errorf("slackemu: no Socket Mode connection to deliver %s envelope: %w", env.typ, ctx.Err())
			}
		}
		if err := c.writeJSON(json.RawMessage(env.data)); err != nil {
			s.logf("socket mode: connection #%d: write failed (%v); dropping it", c.id, err)
			s.mu.Lock()
			c.draining = true
			s.mu.Unlock()
			_ = c.ws.Close()
			continue
		}
		s.logf("socket mode: sent %s/%s envelope %s (retry %d) on connection #%d", env.typ, env.kind, env.id, env.retryAttempt, c.id)
		return nil
	}
}

func (s *Server) pickConnLocked(avoid int) *wsConn {
	var candidates []*wsConn
	for _, c := range s.conns {
		if c.ready && !c.draining {
			candidates = append(candidates, c)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	for range candidates {
		s.rr++
		c := candidates[s.rr%len(candidates)]
		if c.id != avoid || len(candidates) == 1 {
			return c
		}
	}
	return candidates[0]
}

// awaitAck waits for env's ack. With limit > 0 the envelope expires after
// limit (from sending): onTimeout runs and ErrAckTimeout is returned.
func (s *Server) awaitAck(ctx context.Context, env *envelope, limit time.Duration) (Ack, error) {
	var timeout <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(max(0, limit-time.Since(env.sentAt)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case a := <-env.ackCh:
		return a, nil
	case <-timeout:
		s.mu.Lock()
		if env.state != envPending {
			// The ack won the race; it is already in the channel.
			s.mu.Unlock()
			return <-env.ackCh, nil
		}
		env.state = envExpired
		s.protocolErrorLocked("%s/%s envelope %s not acknowledged within %v", env.typ, env.kind, env.id, limit)
		if env.onTimeout != nil {
			env.onTimeout()
		}
		s.changedLocked()
		s.mu.Unlock()
		return Ack{EnvelopeID: env.id}, ErrAckTimeout
	case <-ctx.Done():
		return Ack{EnvelopeID: env.id}, fmt.Errorf("slackemu: waiting for the ack of %s envelope %s: %w", env.typ, env.id, ctx.Err())
	case <-s.done:
		return Ack{EnvelopeID: env.id}, errClosed
	}
}

// handleAck matches an ack to its envelope, checks it and applies it.
func (s *Server) handleAck(connID int, id string, payload json.RawMessage, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	env, ok := s.envelopes[id]
	if !ok {
		s.protocolErrorLocked("socket mode: ack for unknown envelope %s (connection #%d)", id, connID)
		return
	}
	if env.state == envAcked {
		s.protocolErrorLocked("socket mode: duplicate ack for %s/%s envelope %s", env.typ, env.kind, id)
		return
	}
	a := Ack{EnvelopeID: id, Latency: at.Sub(env.sentAt)}
	if !isNull(payload) {
		a.Payload = bytes.Clone(payload)
	}
	late := env.state == envExpired || a.Latency > s.cfg.AckTimeout
	if late {
		a.Late = true
		s.protocolErrorLocked("socket mode: late ack for %s/%s envelope %s after %v (limit %v)", env.typ, env.kind, id, a.Latency.Round(time.Millisecond), s.cfg.AckTimeout)
	}
	env.state = envAcked
	s.logf("socket mode: ack for %s/%s envelope %s after %v on connection #%d (late: %v)", env.typ, env.kind, id, a.Latency.Round(time.Millisecond), connID, late)
	if a.Payload != nil && !env.accepts && string(bytes.TrimSpace(a.Payload)) != "{}" {
		s.protocolErrorLocked("socket mode: ack for %s/%s envelope %s carries a payload, but the envelope does not accept one (Slack ignores it): %.200s", env.typ, env.kind, id, a.Payload)
	} else if env.onAck != nil {
		env.onAck(a, late)
	}
	s.changedLocked()
	env.ackCh <- a
}

// Send delivers an arbitrary envelope to one open connection (waiting for
// one within ctx) and waits for its ack until ctx ends, for tests of
// redelivery and of payloads Slack never sends. envelope_id is generated
// unless payload is a RawEnvelope with EnvelopeID set; reusing an id replaces
// the earlier envelope, as a redelivery would. The ack payload is checked
// against the envelope type, but not applied.
func (s *Server) Send(ctx context.Context, envelopeType string, payload any, retryAttempt int) (Ack, error) {
	env, err := s.newEnvelope(envelopeType, payload, retryAttempt)
	if err != nil {
		return Ack{}, err
	}
	env.onAck = func(a Ack, late bool) {
		for _, e := range s.checkAckPayloadLocked(env, a.Payload) {
			s.protocolErrorLocked("socket mode: ack for %s/%s envelope %s: %s", env.typ, env.kind, env.id, e)
		}
	}
	if err := s.deliver(ctx, env, 0); err != nil {
		return Ack{}, err
	}
	return s.awaitAck(ctx, env, 0)
}

// checkAckPayloadLocked validates an ack payload by envelope type without
// applying it.
func (s *Server) checkAckPayloadLocked(env *envelope, payload json.RawMessage) []string {
	if payload == nil {
		return nil
	}
	switch {
	case env.typ == "slash_commands":
		_, errs := parseCommandAck(payload)
		return errs
	case env.typ == "interactive" && env.kind == "view_submission":
		_, errs := parseViewSubmissionAck(payload)
		return errs
	}
	return nil
}

// SendEvent delivers an Events API event (the inner "event" object, e.g.
// {"type":"app_mention",…}) wrapped in an event_callback, and waits for the
// ack. An envelope not acked within AckTimeout is redelivered up to
// EventRetries times with retry_attempt 1.. and retry_reason "timeout",
// preferably on another connection, as Slack does. It returns the first
// timely ack, or an error wrapping ErrAckTimeout once all attempts expired.
func (s *Server) SendEvent(ctx context.Context, event any) (Ack, error) {
	raw, err := json.Marshal(event)
	if err != nil {
		return Ack{}, fmt.Errorf("slackemu: marshalling event: %w", err)
	}
	eventID := randID("Ev", 10)
	wrapper := map[string]any{
		"token":                 VerificationToken,
		"team_id":               s.cfg.TeamID,
		"api_app_id":            s.cfg.AppID,
		"event":                 json.RawMessage(raw),
		"type":                  "event_callback",
		"event_id":              eventID,
		"event_time":            time.Now().Unix(),
		"authorizations":        []any{map[string]any{"enterprise_id": nil, "team_id": s.cfg.TeamID, "user_id": s.cfg.BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randHex(12),
	}
	avoid := 0
	var last Ack
	for attempt := 0; attempt <= s.cfg.EventRetries; attempt++ {
		env, err := s.newEnvelope("events_api", wrapper, attempt)
		if err != nil {
			return Ack{}, err
		}
		if err := s.deliver(ctx, env, avoid); err != nil {
			return last, err
		}
		a, err := s.awaitAck(ctx, env, s.cfg.AckTimeout)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, ErrAckTimeout) {
			return a, err
		}
		last, avoid = a, env.connID
	}
	return last, fmt.Errorf("%w: event %s not acknowledged after %d redeliveries", ErrAckTimeout, eventID, s.cfg.EventRetries)
}
