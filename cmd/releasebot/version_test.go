package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/buildinfo"
	"github.com/releasebot/releasebot/slackemu"
)

func TestVersionFlag(t *testing.T) {
	// No tokens needed: -version answers before the configuration is read.
	t.Setenv("SLACK_APP_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	var out, errOut bytes.Buffer
	if code := run([]string{"-version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	b := buildinfo.Get()
	want := fmt.Sprintf("releasebot %s (commit %s, built %s, %s)\n", b.Version, b.Commit, b.Date, b.GoVersion)
	if out.String() != want || errOut.Len() != 0 {
		t.Fatalf("-version printed %q (stderr %q), want %q", out.String(), errOut.String(), want)
	}
	if !strings.Contains(out.String(), "go1.") {
		t.Fatalf("-version lacks the Go version: %q", out.String())
	}
}

// A bot that has handled nothing yet already exposes its build and its
// series at zero, so a dashboard or an absent() alert works from the start.
func TestMetricsBeforeTheFirstEvent(t *testing.T) {
	emulator := slackemu.New(slackemu.Config{})
	defer emulator.Close()
	t.Chdir(t.TempDir())
	addr := freeAddr(t)
	t.Setenv("SLACK_APP_TOKEN", slackemu.AppToken)
	t.Setenv("SLACK_BOT_TOKEN", slackemu.BotToken)
	t.Setenv("SLACK_API_URL", emulator.APIURL())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("HTTP_ADDR", addr)

	var out bytes.Buffer
	var errOut syncWriter
	done := make(chan int, 1)
	go func() { done <- run(nil, &out, &errOut) }()
	defer func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d:\n%s", code, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("did not stop within 10s of SIGTERM")
		}
	}()

	body := scrape(t, "http://"+addr+"/metrics", done, &errOut)
	b := buildinfo.Get()
	for _, want := range []string{
		fmt.Sprintf(`releasebot_build_info{commit=%q,goversion=%q,version=%q} 1`, b.Commit, b.GoVersion, b.Version),
		`releasebot_envelopes_total{outcome="ok",type="slash_commands"} 0`,
		`releasebot_envelopes_total{outcome="error",type="interactive"} 0`,
		`releasebot_envelopes_total{outcome="ok",type="events_api"} 0`,
		`releasebot_ack_latency_seconds_count{type="slash_commands"} 0`,
		`releasebot_handler_duration_seconds_count{type="interactive"} 0`,
		`releasebot_slack_api_calls_total{method="chat.postMessage",result="ok"} 0`,
		`releasebot_slack_api_calls_total{method="chat.update",result="retryable"} 0`,
		`releasebot_slack_api_ratelimited_total{method="chat.postMessage"} 0`,
		`releasebot_slack_api_ratelimited_total{method="views.open"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// scrape polls url until it answers 200, failing if the bot exits first.
func scrape(t *testing.T, url string, done <-chan int, log *syncWriter) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(b)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s: %v\n%s", url, err, log.String())
		}
		select {
		case code := <-done:
			t.Fatalf("exited early with %d:\n%s", code, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
