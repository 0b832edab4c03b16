package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
)

// Without tokens the bot explains every problem and exits with status 2.
func TestMissingConfiguration(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("LOG_LEVEL", "chatty")
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"3 problems", "SLACK_APP_TOKEN is not set", "SLACK_BOT_TOKEN is not set", `LOG_LEVEL "chatty"`, "releasebot -h"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-h"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL", "https://slack.com/api/", "DATABASE_URL", "HTTP_ADDR", ":8080",
		"LOG_LEVEL", "LOG_FORMAT", "DEFAULT_TIMEZONE", "ADMINS", "RELEASE_WINDOWS", "APPROVAL_NUDGE_INTERVAL", "DIGEST_CRON", "WORKERS", "SHUTDOWN_TIMEOUT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h lacks %q", want)
		}
	}
}

// With tokens the bot starts, creates releasebot.db in the working
// directory, serves /healthz, and stops cleanly on SIGTERM without ever
// printing a token.
func TestStartsWithSQLiteByDefault(t *testing.T) {
	emulator := slackemu.New(slackemu.Config{})
	defer emulator.Close()
	dir := t.TempDir()
	t.Chdir(dir)
	addr := freeAddr(t)
	t.Setenv("SLACK_APP_TOKEN", slackemu.AppToken)
	t.Setenv("SLACK_BOT_TOKEN", slackemu.BotToken)
	t.Setenv("SLACK_API_URL", emulator.APIURL())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("HTTP_ADDR", addr)
	t.Setenv("LOG_LEVEL", "debug")

	var out bytes.Buffer
	var errOut syncWriter
	done := make(chan int, 1)
	go func() { done <- run(nil, &out, &errOut) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz: %v\n%s", err, errOut.String())
		}
		select {
		case code := <-done:
			t.Fatalf("exited early with %d:\n%s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "releasebot.db")); err != nil {
		t.Fatalf("releasebot.db not created: %v", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop within 10s of SIGTERM")
	}
	for _, token := range []string{slackemu.AppToken, slackemu.BotToken} {
		if strings.Contains(errOut.String(), token) || strings.Contains(out.String(), token) {
			t.Fatalf("a token was logged:\n%s", errOut.String())
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
