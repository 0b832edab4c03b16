// Package e2e runs the real bot — its real wiring, slack-go's real Socket
// Mode client and a real database — against the Slack emulator, and
// checks what users see and what the database holds.
package e2e

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// The workspace every test starts with.
const (
	ana      = "U0ANA"   // Europe/Berlin, a release owner
	ben      = "U0BEN"   // America/New_York, an approver
	cat      = "U0CAT"   // UTC, an approver
	dan      = "U0DAN"   // UTC, neither
	admin    = "U0ADMIN" // UTC, in ADMINS
	releases = "C0RELEASES"
	general  = "C0GENERAL"
	secret   = "G0SECRET" // private, the bot is not in it
)

// clock is the bot's time: real time moving on, plus jumps a test makes to
// reach a reminder without waiting for it.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance jumps the bot's time forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// AdvanceTo jumps the bot's time to just after t (a second, so that
// whatever is due at t is due).
func (c *clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := time.Until(t) - c.offset + time.Second; d > 0 {
		c.offset += d
	}
}

// syncBuffer collects the bot's log for printing when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type options struct {
	dialect     string
	databaseURL string // share a database between bots
	slack       *slackemu.Server
	env         map[string]string
	extraRoutes func(*bot.Router)
	ackBudget   time.Duration
	clock       *clock
	tuning      app.Tuning
	store       []storage.Option // passed to the bot's store
}

// harness is one running bot and the world around it.
type harness struct {
	t       testing.TB
	slack   *slackemu.Server
	store   *storage.Store // the test's own handle, for assertions
	clock   *clock
	dbURL   string
	http    string
	log     *syncBuffer
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// eachDB runs fn once per database the suite covers.
func eachDB(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) {
			if d == "postgres" && !storagetest.PostgresEnabled() {
				t.Skipf("%s is not set: skipping the PostgreSQL run", storagetest.PostgresEnv)
			}
			t.Parallel()
			fn(t, d)
		})
	}
}

// people are the standard workspace's users, with the time zones Slack
// reports for them.
var people = []slackemu.User{
	{ID: ana, Name: "ana", RealName: "Ana Lima", TZ: "Europe/Berlin"},
	{ID: ben, Name: "ben", RealName: "Ben Ode", TZ: "America/New_York"},
	{ID: cat, Name: "cat", RealName: "Cat Ruiz", TZ: "UTC"},
	{ID: dan, Name: "dan", RealName: "Dan Wu", TZ: "UTC"},
	{ID: admin, Name: "ada", RealName: "Ada Admin", TZ: "UTC", IsAdmin: true},
}

// newSlack makes an emulator with the standard workspace.
func newSlack(t testing.TB) *slackemu.Server {
	s := slackemu.New(slackemu.Config{})
	t.Cleanup(s.Close)
	for _, p := range people {
		s.AddUser(p)
	}
	everyone := []string{"UBOT", ana, ben, cat, dan, admin}
	s.AddChannel(slackemu.Channel{ID: releases, Name: "releases", Members: everyone})
	s.AddChannel(slackemu.Channel{ID: general, Name: "general", Members: everyone})
	s.AddChannel(slackemu.Channel{ID: secret, Name: "secret", Private: true, Members: []string{ana, ben}})
	s.AddUserGroup(slackemu.UserGroup{ID: "S0CAB", Handle: "cab", Users: []string{ben, cat}})
	return s
}

// start runs a bot and waits until it is connected.
func start(t testing.TB, o options) *harness {
	t.Helper()
	if o.slack == nil {
		o.slack = newSlack(t)
	}
	if o.databaseURL == "" {
		o.databaseURL = storagetest.Fresh(t, o.dialect)
	}
	if o.clock == nil {
		o.clock = &clock{}
	}
	vars := map[string]string{
		"SLACK_APP_TOKEN": slackemu.AppToken, "SLACK_BOT_TOKEN": slackemu.BotToken,
		"SLACK_API_URL": o.slack.APIURL(), "DATABASE_URL": o.databaseURL, "HTTP_ADDR": "127.0.0.1:0",
		"ADMINS": admin, "LOG_LEVEL": "debug",
	}
	for k, v := range o.env {
		vars[k] = v
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if o.tuning.OutboxPoll == 0 {
		o.tuning.OutboxPoll = 50 * time.Millisecond
	}
	if o.tuning.MinuteJobs == "" {
		o.tuning.MinuteJobs = "@every 1s"
	}
	if o.tuning.OutboxBackoff == 0 {
		o.tuning.OutboxBackoff = 50 * time.Millisecond
	}
	h := &harness{t: t, slack: o.slack, clock: o.clock, dbURL: o.databaseURL, log: &syncBuffer{}, done: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.done <- app.Run(ctx, cfg, app.Options{
			Logger: logger, Clock: o.clock.Now, OnReady: func(addr string) { ready <- addr },
			AckBudget: o.ackBudget, ExtraRoutes: o.extraRoutes, Tuning: o.tuning, StoreOptions: o.store,
		})
	}()
	select {
	case h.http = <-ready:
	case err := <-h.done:
		t.Fatalf("bot did not start: %v\n%s", err, h.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("bot did not start in 30s\n%s", h.log)
	}
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("bot log:\n%s", tail(h.log.String(), 8000))
		}
	})
	store, err := storage.Open(context.Background(), o.databaseURL, storage.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("open test store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h.store = store
	h.waitFor("the bot's Socket Mode link", func() bool { return h.slack.Connections() >= 1 })
	return h
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// stop shuts the bot down and checks it stopped cleanly and talked to
// Slack by the rules.
func (h *harness) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("bot stopped with an error: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Errorf("bot did not stop within 15s")
	}
	if errs := h.slack.ProtocolErrors(); len(errs) > 0 {
		h.t.Errorf("the bot broke Slack's rules:\n%s", strings.Join(errs, "\n"))
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// waitFor waits (without sleeping) until cond holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.slack.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// eventually waits until cond holds, for conditions on the bot's side
// (HTTP answers, database rows) that no emulator change announces: it
// checks again on every emulator change and at short intervals.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			h.t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// cmd types a slash command and returns the reply the user sees at once.
func (h *harness) cmd(user, channel, line string) string {
	h.t.Helper()
	res, err := h.slack.As(user).Command(h.ctx(), channel, line)
	if err != nil {
		h.t.Fatalf("%s typed %q: %v", user, line, err)
	}
	if res.TimedOut {
		h.t.Fatalf("%s typed %q: Slack showed operation_timeout", user, line)
	}
	if res.Reply != nil {
		return res.Reply.Content()
	}
	return ""
}

// cmdAnswer types a command whose answer may come after the ack (through
// the response_url) and returns the newest ephemeral the user sees.
func (h *harness) cmdAnswer(user, channel, line string) string {
	h.t.Helper()
	before := len(h.slack.As(user).Ephemerals(channel))
	if reply := h.cmd(user, channel, line); reply != "" {
		return reply
	}
	h.waitFor("the answer to "+line, func() bool { return len(h.slack.As(user).Ephemerals(channel)) > before })
	eph := h.slack.As(user).Ephemerals(channel)
	return eph[len(eph)-1].Content()
}

// get fetches a path from the bot's HTTP server.
func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get("http://" + h.http + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
