package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Tokens and fixed identities of the emulated workspace. They are constants so
// that a test can configure the bot under test without asking the server.
const (
	// BotToken is the only bot token (xoxb-…) the Web API accepts.
	BotToken = "xoxb-emulator-bot"
	// AppToken is the only app-level token (xapp-…) accepted, and only by
	// apps.connections.open, as on Slack.
	AppToken = "xapp-1-emulator-app"
	// BotID is the bot id Slack attaches to messages posted with BotToken.
	BotID = "B0EMULATE"
	// VerificationToken is the deprecated verification token that Slack still
	// puts in the "token" field of every payload.
	VerificationToken = "emulator-verification-token"
	// TeamDomain is the workspace subdomain; permalinks point at
	// https://emulator.slack.com.
	TeamDomain = "emulator"
	// SlackbotID authors the messages Slack itself shows to users, such as the
	// operation_timeout notice after a slash command was not acknowledged.
	SlackbotID = "USLACKBOT"
)

// ErrAckTimeout is returned (possibly wrapped) when the bot did not acknowledge
// an envelope within Config.AckTimeout, which is what Slack's own client
// reports to the user as a failure.
var ErrAckTimeout = errors.New("slackemu: envelope not acknowledged within AckTimeout")

// errClosed is returned by operations interrupted by Server.Close.
var errClosed = errors.New("slackemu: server closed")

// Config tunes the emulator. The zero value gives Slack's real timings, which
// is what end-to-end tests want unless they test timeouts: then they shorten
// AckTimeout or TriggerTTL instead of sleeping.
type Config struct {
	TeamID    string // default "T0EMULATE"
	AppID     string // default "A0EMULATE"
	BotUserID string // default "UBOT"
	// BotName is the bot user's name (users.info, auth.test); default "releasebot".
	BotName string

	// AckTimeout is how long Slack waits for an envelope's ack (3 s). An ack
	// arriving later is a protocol error; for slash commands the user has
	// already been shown operation_timeout.
	AckTimeout time.Duration
	// TriggerTTL is how long a trigger_id can be exchanged (3 s on Slack).
	TriggerTTL time.Duration
	// PingInterval is the period of the websocket pings the server sends on
	// each connection (default 5 s). slack-go drops a link that has not seen a
	// ping for 30 s, so keep it well below that.
	PingInterval time.Duration
	// MaxConnections is the number of simultaneous Socket Mode connections an
	// app may hold (10 on Slack).
	MaxConnections int
	// EventRetries is how often an events_api envelope that was not acked
	// within AckTimeout is redelivered (default 3; negative means never).
	EventRetries int
	// TicketTTL is how long the URL returned by apps.connections.open stays
	// valid (default 30 s).
	TicketTTL time.Duration
	// ResponseURLTTL is how long a response_url accepts POSTs (default 30 min).
	ResponseURLTTL time.Duration

	// Logf, when set, receives a line for every connection change, envelope,
	// ack and protocol error (pass t.Logf). It is never called after Close
	// returns, so passing t.Logf is safe with t.Cleanup(s.Close).
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() Config {
	if c.TeamID == "" {
		c.TeamID = "T0EMULATE"
	}
	if c.AppID == "" {
		c.AppID = "A0EMULATE"
	}
	if c.BotUserID == "" {
		c.BotUserID = "UBOT"
	}
	if c.BotName == "" {
		c.BotName = "releasebot"
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 3 * time.Second
	}
	if c.TriggerTTL <= 0 {
		c.TriggerTTL = 3 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 10
	}
	switch {
	case c.EventRetries == 0:
		c.EventRetries = 3
	case c.EventRetries < 0:
		c.EventRetries = 0
	}
	if c.TicketTTL <= 0 {
		c.TicketTTL = 30 * time.Second
	}
	if c.ResponseURLTTL <= 0 {
		c.ResponseURLTTL = 30 * time.Minute
	}
	return c
}

// Server is an in-process Slack: Web API, Socket Mode and the users clicking
// around in it. All state sits behind one mutex; every mutation closes the
// current "changed" channel so that WaitFor can wake up without polling.
type Server struct {
	cfg     Config
	baseURL string // http://127.0.0.1:PORT
	http    *http.Server
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup

	closeOnce sync.Once
	logMu     sync.RWMutex
	logClosed bool

	mu      sync.Mutex
	closed  bool
	changed chan struct{}

	// workspace
	users      map[string]*User
	userOrder  []string
	channels   map[string]*channelState
	groups     map[string]*UserGroup
	ims        map[string]string // user id -> IM channel id
	imSeq      int
	msgs       map[string][]*msgRecord // channel id -> messages, oldest first
	msgIndex   map[string]*msgRecord   // channel+"/"+ts
	lastTSUsec int64

	// inspection
	calls     []Call
	protoErrs []string
	warnings  []string

	// interactivity
	triggers     map[string]*trigger
	responseURLs map[string]*responseURL
	views        map[string]*viewState
	externalIDs  map[string]string   // external_id -> view id
	modals       map[string][]string // user id -> stack of view ids, bottom first
	homes        map[string]string   // user id -> home view id

	// faults and rate limits
	faults        map[string]*Fault
	limiter       *limiter
	botTokenError string         // see RejectBotToken
	inFlight      map[string]int // method → requests not answered yet

	// socket mode
	tickets    map[string]*ticket
	conns      []*wsConn
	connSeq    int
	totalConns int
	rr         int
	envelopes  map[string]*envelope
}

// New starts a server listening on 127.0.0.1 on a free port. The bot user
// (Config.BotUserID) exists from the start.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("slackemu: cannot listen on 127.0.0.1: %v", err))
	}
	s := &Server{
		cfg:          cfg,
		baseURL:      "http://" + ln.Addr().String(),
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		users:        map[string]*User{},
		channels:     map[string]*channelState{},
		groups:       map[string]*UserGroup{},
		ims:          map[string]string{},
		msgs:         map[string][]*msgRecord{},
		msgIndex:     map[string]*msgRecord{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseURL{},
		views:        map[string]*viewState{},
		externalIDs:  map[string]string{},
		modals:       map[string][]string{},
		homes:        map[string]string{},
		faults:       map[string]*Fault{},
		inFlight:     map[string]int{},
		tickets:      map[string]*ticket{},
		envelopes:    map[string]*envelope{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/response/{token}", s.handleResponseURL)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.AddUser(User{ID: cfg.BotUserID, Name: cfg.BotName, RealName: cfg.BotName, IsBot: true})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("http server stopped: %v", err)
		}
	}()
	return s
}

// Close stops the server: websocket connections are cut, pending waits return
// errors, and Logf is not called any more once Close returns.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		conns := append([]*wsConn(nil), s.conns...)
		s.changedLocked()
		s.mu.Unlock()
		for _, c := range conns {
			_ = c.ws.Close()
		}
		_ = s.http.Close()
		s.wg.Wait()
		s.logMu.Lock()
		s.logClosed = true
		s.logMu.Unlock()
	})
}

// APIURL is the Web API base URL to give slack.OptionAPIURL; slack-go appends
// the method name to it.
func (s *Server) APIURL() string { return s.baseURL + "/api/" }

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// changedLocked wakes every WaitFor. Callers hold s.mu.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor evaluates cond now and again after every state change (message
// posted or updated, view change, call received, connection change, ack)
// until it returns true. cond runs without the server lock held, so it may
// call any getter. It returns an error wrapping ctx.Err() when ctx ends first.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		if closed {
			return errClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slackemu: WaitFor: condition still false when the context ended (%s): %w", s.summary(), ctx.Err())
		}
	}
}

// summary describes the server state for error messages of WaitFor.
func (s *Server) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := "none"
	if n := len(s.calls); n > 0 {
		c := s.calls[n-1]
		last = c.Method
		if c.Error != "" {
			last += " -> " + c.Error
		}
	}
	return fmt.Sprintf("%d open connections, %d Web API calls (last: %s), %d protocol errors",
		s.readyConnsLocked(), len(s.calls), last, len(s.protoErrs))
}

// logf forwards to Config.Logf unless the server is closed.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf == nil {
		return
	}
	s.logMu.RLock()
	defer s.logMu.RUnlock()
	if s.logClosed {
		return
	}
	s.cfg.Logf("slackemu: "+format, args...)
}

// protocolErrorLocked records a violation of Slack's protocol by the bot.
// Callers hold s.mu.
func (s *Server) protocolErrorLocked(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.protoErrs = append(s.protoErrs, msg)
	s.logf("PROTOCOL ERROR: %s", msg)
	s.changedLocked()
}

func (s *Server) protocolError(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.protocolErrorLocked(format, args...)
}

// warningLocked records something Slack accepts but flags, such as a blocks
// message without a text fallback.
func (s *Server) warningLocked(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.warnings = append(s.warnings, msg)
	s.logf("warning: %s", msg)
}

// ProtocolErrors lists every protocol violation by the bot so far: late,
// unknown or duplicate acks, invalid ack payloads, invalid_blocks answers,
// calls with missing or invalid arguments or a wrong token. End-to-end tests
// assert it is empty at the end.
func (s *Server) ProtocolErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.protoErrs...)
}

// Warnings lists things Slack accepts but discourages, such as a message with
// blocks and no text fallback (notifications and screen readers show the
// text).
func (s *Server) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.warnings...)
}

// nextTSLocked returns a new message timestamp, strictly increasing so that
// ts values are unique per workspace, as on Slack.
func (s *Server) nextTSLocked() string {
	usec := time.Now().UnixMicro()
	if usec <= s.lastTSUsec {
		usec = s.lastTSUsec + 1
	}
	s.lastTSUsec = usec
	return fmt.Sprintf("%d.%06d", usec/1e6, usec%1e6)
}

// randHex returns n random bytes hex-encoded.
func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// randID returns an upper-case alphanumeric id like Slack's (V0123ABCD…).
func randID(prefix string, n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var sb strings.Builder
	sb.WriteString(prefix)
	for range n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		sb.WriteByte(alphabet[i.Int64()])
	}
	return sb.String()
}

// newUUID returns a random RFC 4122 version 4 UUID string, the format of
// Slack's envelope ids.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
