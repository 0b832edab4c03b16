package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/releasebot/releasebot/slackemu"
)

const (
	ana      = "U0ANA"
	releases = "C0RELEASES"
)

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// memDeduper is processed_envelopes in memory.
type memDeduper struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (d *memDeduper) FirstDelivery(_ context.Context, key string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if d.seen[key] {
		return false, nil
	}
	d.seen[key] = true
	return true, nil
}

func (d *memDeduper) Delivered(_ context.Context, key string) (bool, error) {
	return d.has(key), nil
}

func (d *memDeduper) has(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[key]
}

// link is a Listener connected to the Slack emulator.
type link struct {
	t       *testing.T
	slack   *slackemu.Server
	log     *logBuffer
	dedup   *memDeduper
	api     *API
	metrics *Metrics
	reg     *prometheus.Registry
	stop    func()
}

type linkOptions struct {
	level     slog.Level
	ackBudget time.Duration
	workers   int
	queue     int
}

// startLink runs a Listener serving router against a fresh emulator and
// waits until the link is up. The listener stops at the end of the test.
func startLink(t *testing.T, router *Router, o linkOptions) *link {
	t.Helper()
	s := slackemu.New(slackemu.Config{Logf: t.Logf})
	t.Cleanup(s.Close)
	s.AddUser(slackemu.User{ID: ana, Name: "ana", RealName: "Ana Lima", TZ: "UTC"})
	s.AddChannel(slackemu.Channel{ID: releases, Name: "releases", Members: []string{"UBOT", ana}})

	l := &link{t: t, slack: s, log: &logBuffer{}, dedup: &memDeduper{}, reg: prometheus.NewRegistry()}
	logger := slog.New(slog.NewTextHandler(l.log, &slog.HandlerOptions{Level: o.level}))
	l.metrics = NewMetrics(l.reg)
	l.api = NewAPI(APIOptions{BotToken: slackemu.BotToken, AppToken: slackemu.AppToken, APIURL: s.APIURL(), Metrics: l.metrics, Logger: logger})
	ln := NewListener(ListenerOptions{API: l.api, Router: router, Dedup: l.dedup, Metrics: l.metrics, Logger: logger,
		AckBudget: o.ackBudget, Workers: o.workers, QueueSize: o.queue})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ln.Run(ctx) }()
	var once sync.Once
	l.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("listener: %v", err)
			}
		})
	}
	t.Cleanup(l.stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.WaitFor(wctx, func() bool { return s.Connections() == 1 }); err != nil {
		t.Fatalf("the link did not come up: %v", err)
	}
	t.Cleanup(func() {
		if errs := s.ProtocolErrors(); len(errs) > 0 {
			t.Errorf("protocol errors: %v", errs)
		}
	})
	return l
}

func (l *link) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	l.t.Cleanup(cancel)
	return ctx
}

// command runs a slash command as ana and returns the reply in the ack.
func (l *link) command(line string) string {
	l.t.Helper()
	res, err := l.slack.As(ana).Command(l.ctx(), releases, line)
	if err != nil || res.TimedOut || res.Reply == nil {
		l.t.Fatalf("%q: err=%v timedOut=%v reply=%v", line, err, res.TimedOut, res.Reply)
	}
	return res.Reply.Content()
}

// logs stops the listener, so that every handler has finished and logged,
// and returns the whole log.
func (l *link) logs() string {
	l.stop()
	return l.log.String()
}

func mustContain(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%q not found in:\n%s", w, s)
		}
	}
}
