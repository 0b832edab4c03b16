package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// delivered counts the chat.postMessage calls Slack accepted, per
// destination, thread and text: the messages people saw.
func delivered(s *slackemu.Server) map[string]int {
	out := map[string]int{}
	for _, c := range s.Calls("chat.postMessage") {
		if c.HTTPStatus == 200 && c.Error == "" {
			out[c.Params["channel"]+"|"+c.Params["thread_ts"]+"|"+c.Params["text"]]++
		}
	}
	return out
}

// sentRows lists the outbox rows that went out as new messages (not
// updates) and checks nothing else is left to deliver.
func sentRows(t *testing.T, h *harness) []storage.OutboxMessage {
	t.Helper()
	var out []storage.OutboxMessage
	now := h.clock.Now()
	for _, m := range h.outboxRows(0) {
		switch {
		case m.Status == storage.OutboxPending && m.DueAt.After(now) && m.LastError == "":
			// a reminder, later
		case m.Status == storage.OutboxDropped:
		case m.Status != storage.OutboxSent:
			t.Fatalf("%s is %s (%s)", m.Key, m.Status, m.LastError)
		case m.Op != storage.OpUpdate:
			out = append(out, m)
		}
	}
	return out
}

// Three replicas on one PostgreSQL database, one Slack: every message is
// delivered exactly once, none is missing, through 5xx answers and a 429.
func TestThreeReplicasDeliverOnce(t *testing.T) {
	if !storagetest.PostgresEnabled() {
		t.Skipf("%s is not set: several replicas need PostgreSQL", storagetest.PostgresEnv)
	}
	slack, db, clk := newSlack(t), storagetest.Fresh(t, "postgres"), &clock{}
	var bots []*harness
	for range 3 {
		bots = append(bots, start(t, options{dialect: "postgres", slack: slack, databaseURL: db, clock: clk}))
	}
	h := bots[0]
	h.waitFor("three Socket Mode links", func() bool { return slack.Connections() == 3 })
	h.cmd(ana, general, "/release subscribe all")
	h.cmd(dan, general, "/release subscribe all me")
	h.cmd(cat, general, "/release subscribe billing me")
	// Slow answers widen the window in which replicas compete for rows.
	slack.SetFault("chat.postMessage", slackemu.Fault{Delay: 20 * time.Millisecond})

	const n = 12
	var ids []string
	for i := range n {
		svc := []string{"billing", "payments", "search"}[i%3]
		// 50 minutes ahead: the T-1h reminder goes at once, to the owner
		// and in the thread.
		rel := h.plan(ana, fmt.Sprintf("%s 1.%d.0", svc, i), startIn(50*time.Minute), standardChange(svc))
		ids = append(ids, rel.Ref())
		switch i {
		case 3:
			slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 503, Times: 4})
		case 7:
			slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 429, RetryAfter: 1, Times: 1})
		}
	}
	for i, id := range ids {
		switch i % 4 {
		case 1:
			later, _ := h.fromNow(ana, 55*time.Minute)
			h.cmd(ana, releases, "/release reschedule "+id+" "+later)
		case 2:
			h.cmd(ana, releases, "/release start "+id)
		case 3:
			h.cmd(ana, releases, "/release cancel "+id)
		}
	}
	for _, id := range ids {
		h.waitForMessage(inChannel(general), id, "was *planned*")
	}
	h.outboxIdle()

	rows := sentRows(t, h)
	got := delivered(slack)
	total := 0
	for k, c := range got {
		total += c
		if c != 1 {
			t.Errorf("delivered %d times: %s", c, k)
		}
	}
	if total != len(rows) {
		t.Fatalf("Slack accepted %d messages for %d outbox rows", total, len(rows))
	}
	workers := map[string]int{}
	for _, m := range rows {
		workers[m.ClaimedBy]++
		dest := m.Channel
		if m.Op == storage.OpThread {
			dest = releases
		}
		if postsTo(slack, dest, "") == 0 {
			t.Fatalf("nothing reached %s", dest)
		}
	}
	t.Logf("%d messages, delivered by %d replicas: %v", len(rows), len(workers), workers)
	// The duplicate window: from the request reaching Slack to the
	// "sent" record committed. A replica dying inside it leaves a message
	// Slack posted but the outbox will send again.
	arrived := map[string]time.Time{}
	for _, c := range slack.Calls("chat.postMessage") {
		var resp struct{ TS string }
		if c.HTTPStatus == 200 && json.Unmarshal(c.Response, &resp) == nil {
			arrived[resp.TS] = c.At
		}
	}
	var windows []time.Duration
	for _, m := range rows {
		if at, ok := arrived[m.SentTS]; ok && m.SentAt != nil {
			windows = append(windows, m.SentAt.Sub(at))
		}
	}
	slices.Sort(windows)
	if len(windows) != len(rows) {
		t.Fatalf("matched %d of %d messages to Slack's calls", len(windows), len(rows))
	}
	t.Logf("duplicate window (request at Slack → sent recorded), Slack's own answer time included: p50 %s, p99 %s, max %s",
		windows[len(windows)/2], windows[len(windows)*99/100], windows[len(windows)-1])
	// Each person and channel heard of every release once.
	for i, id := range ids {
		exactlyOnce(t, "#general", slack.Messages(general), id+" ", "was *planned*")
		exactlyOnce(t, "dan's DMs", slack.As(dan).DMs(), id+" ", "was *planned*")
		// A moved release gets the reminder for its new time as well; one
		// started or cancelled may have been so before its reminder went.
		if n := count(slack.As(ana).DMs(), "Reminder: "+id+" "); n < 1 && i%4 < 2 {
			t.Fatalf("%s: no reminder", id)
		}
	}
}

// releasebotBinary builds cmd/releasebot once per test binary run (again
// if a test removed it, as with -count=2).
func releasebotBinary() (string, error) {
	binaryMu.Lock()
	defer binaryMu.Unlock()
	if binaryPath != "" {
		if _, err := os.Stat(binaryPath); err == nil {
			return binaryPath, nil
		}
	}
	dir, err := os.MkdirTemp("", "releasebot-e2e-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "releasebot")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/releasebot")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	binaryPath = bin
	return bin, nil
}

var (
	binaryMu   sync.Mutex
	binaryPath string
)

// process is the real binary running as a child process.
type process struct {
	cmd *exec.Cmd
	log *syncBuffer
}

func startProcess(t *testing.T, slack *slackemu.Server, dbURL string) *process {
	t.Helper()
	bin, err := releasebotBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: exec.Command(bin), log: &syncBuffer{}}
	p.cmd.Env = append(os.Environ(),
		"SLACK_API_URL="+slack.APIURL(), "DATABASE_URL="+dbURL, "HTTP_ADDR=127.0.0.1:0",
		"SLACK_BOT_TOKEN="+slackemu.BotToken, "SLACK_APP_TOKEN="+slackemu.AppToken,
		"ADMINS="+admin, "LOG_LEVEL=debug", "LOG_FORMAT=text")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("child process log:\n%s", tail(p.log.String(), 8000))
		}
	})
	return p
}

// A bot killed with SIGKILL while messages are on their way to Slack
// loses none of them and posts none twice: after a restart every pending
// message is delivered, and the ones Slack accepted but the dead process
// had not recorded are found in Slack (by their outbox id in the message
// metadata) and recorded with Slack's ts instead of being posted again.
func TestKilledProcessLosesNothing(t *testing.T) {
	bin, err := releasebotBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Dir(bin)) })
	eachDB(t, func(t *testing.T, dialect string) {
		slack, db, clk := newSlack(t), storagetest.Fresh(t, dialect), &clock{}
		// The test's store migrates the database before the child starts:
		// two processes migrating one SQLite file at once collide.
		store, err := storage.Open(context.Background(), db, storage.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		p := startProcess(t, slack, db)
		// The test drives the child process through Slack, as people do.
		h := &harness{t: t, slack: slack, store: store, clock: clk, log: p.log, stopped: true}
		h.waitFor("the child's Socket Mode link", func() bool { return slack.Connections() == 1 })
		h.cmd(ana, general, "/release subscribe all")
		h.cmd(dan, general, "/release subscribe all me")

		// Slack hangs: every delivery stays in flight.
		slack.SetFault("chat.postMessage", slackemu.Fault{Delay: time.Minute})
		var ids []string
		for i := range 6 {
			rel := h.plan(ana, fmt.Sprintf("billing 2.%d.0", i), startIn(50*time.Minute), standardChange("billing"))
			ids = append(ids, rel.Ref())
		}
		var claimed int64
		h.eventually("deliveries in flight", func() bool {
			err := store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).Where("status = ?", storage.OutboxSending).Count(&claimed).Error
			return err == nil && claimed >= 8 // the outbox's concurrency
		})
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		// Taken once the process is gone, not before the signal: a claimed
		// row's request may still reach Slack in between, and it counts as
		// on its way too.
		killed := time.Now()
		slack.ClearFaults()
		var pending int64
		if err := store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).Where("status IN ?", []string{storage.OutboxPending, storage.OutboxSending}).Count(&pending).Error; err != nil {
			t.Fatal(err)
		}

		// The new process finds the dead one's rows leased; its clock is
		// past the lease (60 s), as it would be a minute later.
		clk.Advance(61 * time.Second)
		h2 := start(t, options{dialect: dialect, slack: slack, databaseURL: db, clock: clk})
		for _, id := range ids {
			h2.waitForMessage(inChannel(general), id, "was *planned*")
			h2.waitForMessage(dmsTo(ana), "Reminder: "+id+" ")
		}
		h2.outboxIdle()
		rows := sentRows(t, h2)
		// Reminders are rendered when sent ("starts in 49m"), so a second
		// copy could differ in text: count messages as well as texts.
		total := 0
		for k, c := range delivered(slack) {
			total += c
			if c > 1 {
				t.Errorf("sent %d times: %s", c, strings.SplitN(k, "|", 3)[2])
			}
		}
		dups := total - len(rows)
		if dups != 0 {
			t.Fatalf("%d messages reached Slack for %d outbox rows marked sent", total, len(rows))
		}
		// The requests on their way when the process died: Slack went on
		// and posted them, and the restarted bot recorded where.
		recorded := map[string]bool{}
		for _, m := range rows {
			recorded[m.SentChannel+"/"+m.SentTS] = true
		}
		inFlight := 0
		for _, c := range slack.Calls("chat.postMessage") {
			if !c.At.Before(killed) {
				continue
			}
			inFlight++
			var resp struct{ Channel, TS string }
			if c.HTTPStatus != 200 || json.Unmarshal(c.Response, &resp) != nil || !recorded[resp.Channel+"/"+resp.TS] {
				t.Fatalf("a post on its way at the kill (HTTP %d %s) is not recorded as sent", c.HTTPStatus, c.Response)
			}
		}
		if found := h2.metric(`releasebot_outbox_checks_total{result="found"}`); found != float64(inFlight) {
			t.Fatalf("%v messages found in Slack after the restart, want the %d on their way at the kill", found, inFlight)
		}
		for _, id := range ids {
			for _, dest := range []string{general, releases} {
				if n := count(slack.Messages(dest), id+" "); n < 1 {
					t.Fatalf("%s: lost in %s", id, dest)
				}
			}
			if count(slack.As(dan).DMs(), id+" ", "was *planned*") < 1 || count(slack.As(ana).DMs(), "Reminder: "+id+" ") < 1 {
				t.Fatalf("%s: a DM was lost", id)
			}
		}
		t.Logf("%d messages; at the kill %d were undelivered, %d claimed, %d on their way to Slack; %d sent twice", len(rows), pending, claimed, inFlight, dups)
	})
}
