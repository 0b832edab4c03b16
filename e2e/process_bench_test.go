package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// With RELEASEBOT_LOAD_PROCESS=1 the load benchmarks run the bot as a
// process of its own (releasebotBinary, LOG_LEVEL=info, its log
// discarded), so that its CPU and peak RSS are read from /proc without the
// emulator's and the load generator's share. Statements are not counted
// then: the counting wraps the connection pool of a bot in this process.

// startBotProcess runs the bot binary against slack and a fresh database and
// waits for its Socket Mode link. The harness it returns has no bot of its
// own (stop does nothing); the returned function stops the process.
func startBotProcess(b *testing.B, dialect string, slack *slackemu.Server) (*harness, int, func()) {
	dbURL := storagetest.Fresh(b, dialect)
	// Migrated here first: two processes migrating one SQLite file collide.
	store, err := storage.Open(context.Background(), dbURL, storage.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatalf("open test store: %v", err)
	}
	b.Cleanup(func() { _ = store.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	bin, err := releasebotBinary()
	if err != nil {
		b.Fatalf("build the bot: %v", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "SLACK_APP_TOKEN="+slackemu.AppToken, "SLACK_BOT_TOKEN="+slackemu.BotToken,
		"SLACK_API_URL="+slack.APIURL(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "ADMINS="+admin, "LOG_LEVEL=info")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	b.Cleanup(stop)
	h := &harness{t: b, slack: slack, clock: &clock{}, dbURL: dbURL, log: &syncBuffer{}, stopped: true, cancel: func() {}, store: store}
	h.waitFor("the bot's Socket Mode link", func() bool { return slack.Connections() >= 1 })
	return h, cmd.Process.Pid, stop
}

// processStat reads a process's CPU (user and system) and peak RSS (KiB)
// from /proc.
func processStat(pid int) (time.Duration, int64) {
	var cpu time.Duration
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			cpu = time.Duration(u+s) * 10 * time.Millisecond
		}
	}
	var rss int64
	if status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				rss, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			}
		}
	}
	return cpu, rss
}
