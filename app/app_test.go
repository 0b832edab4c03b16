package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" driver, for a second writer

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

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

// bot is app.Run in the background against a Slack emulator.
type bot struct {
	t      *testing.T
	log    *syncBuffer
	listen chan string
	ready  chan string
	done   chan error
	cancel context.CancelFunc
	http   string
}

func startBot(t *testing.T, databaseURL string) *bot {
	t.Helper()
	slack := slackemu.New(slackemu.Config{})
	t.Cleanup(slack.Close)
	vars := map[string]string{
		"SLACK_APP_TOKEN": slackemu.AppToken, "SLACK_BOT_TOKEN": slackemu.BotToken,
		"SLACK_API_URL": slack.APIURL(), "DATABASE_URL": databaseURL, "HTTP_ADDR": "127.0.0.1:0",
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	b := &bot{t: t, log: &syncBuffer{}, listen: make(chan string, 1), ready: make(chan string, 1), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	logger := slog.New(slog.NewJSONHandler(b.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	go func() {
		b.done <- app.Run(ctx, cfg, app.Options{
			Logger: logger, OnListen: func(a string) { b.listen <- a }, OnReady: func(a string) { b.ready <- a },
			DatabaseRetry: 20 * time.Millisecond, DatabaseRetryMax: 200 * time.Millisecond,
		})
	}()
	select {
	case b.http = <-b.listen:
	case err := <-b.done:
		t.Fatalf("bot stopped before serving HTTP: %v\n%s", err, b.log)
	case <-time.After(20 * time.Second):
		t.Fatalf("bot serves no HTTP after 20s\n%s", b.log)
	}
	t.Cleanup(func() {
		if err := b.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", b.log)
		}
	})
	return b
}

func (b *bot) stop() error {
	if b.cancel == nil {
		return nil
	}
	b.cancel()
	b.cancel = nil
	select {
	case err := <-b.done:
		return err
	case <-time.After(20 * time.Second):
		b.t.Fatal("bot did not stop within 20s")
		return nil
	}
}

func (b *bot) waitReady() {
	b.t.Helper()
	select {
	case <-b.ready:
	case err := <-b.done:
		b.t.Fatalf("bot stopped: %v", err)
	case <-time.After(30 * time.Second):
		b.t.Fatal("bot not running after 30s")
	}
}

// get answers the status and body of one of the bot's HTTP endpoints.
func (b *bot) get(path string) (int, string) {
	b.t.Helper()
	resp, err := http.Get("http://" + b.http + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// eventually polls cond, which reads state the bot exposes, until it holds.
func (b *bot) eventually(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: gave up after 20s", what)
		}
		<-tick.C
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// proxy forwards connections on addr to target, from now on.
func proxy(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				go func() { _, _ = io.Copy(out, in) }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
}

// An unreachable PostgreSQL at start-up is waited for: /healthz answers,
// /readyz says why it is not ready, each attempt is logged without the
// password, and the bot runs once the server answers.
func TestStartupWaitsForPostgres(t *testing.T) {
	t.Parallel()
	real, err := url.Parse(storagetest.Fresh(t, storage.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	dbURL := *real
	dbURL.Host = addr
	dbURL.User = url.UserPassword(real.User.Username(), "Sw0rdfish-pw")
	b := startBot(t, dbURL.String())

	if code, _ := b.get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz answered %d while waiting for the database", code)
	}
	b.eventually("two logged attempts", func() bool { return strings.Count(b.log.String(), "database not reachable yet") >= 2 })
	code, body := b.get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Fatalf("/readyz while waiting: %d %q", code, body)
	}
	if !strings.Contains(b.log.String(), `"attempt":2`) {
		t.Fatalf("attempts are not numbered in the log:\n%s", b.log)
	}

	proxy(t, addr, real.Host)
	b.waitReady()
	b.eventually("/readyz green", func() bool { code, _ := b.get("/readyz"); return code == http.StatusOK })
	if err := b.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if strings.Contains(b.log.String(), "Sw0rdfish-pw") {
		t.Fatalf("the database password is in the log:\n%s", b.log)
	}
}

// SIGTERM while the database is still unreachable stops the bot cleanly.
func TestStartupStopsWhileWaitingForTheDatabase(t *testing.T) {
	t.Parallel()
	b := startBot(t, "postgres://releasebot@"+freeAddr(t)+"/releasebot?sslmode=disable")
	b.eventually("a logged attempt", func() bool { return strings.Contains(b.log.String(), "database not reachable yet") })
	if err := b.stop(); err != nil {
		t.Fatalf("stopping while waiting for the database: %v", err)
	}
}

// Another process holding SQLite's write lock turns /readyz red with the
// reason, and releasing it turns it green again.
func TestReadyzReflectsTheSQLiteWriteLock(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.Fresh(t, storage.SQLite)
	b := startBot(t, dbURL)
	b.waitReady()
	b.eventually("/readyz green", func() bool { code, _ := b.get("/readyz"); return code == http.StatusOK })

	target, err := storage.ParseURL(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	code, body := b.get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "write lock") {
		t.Fatalf("/readyz with the write lock held elsewhere: %d %q", code, body)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code, body := b.get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after the lock was released: %d %q", code, body)
	}
}
