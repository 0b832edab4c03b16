package reminders_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// plain sends a message's stored payload to its channel, and tells
// resolved about each message it prepares (the send follows at once).
type plain struct{ resolved chan string }

func (p plain) Resolve(_ context.Context, m *storage.OutboxMessage) (reminders.Delivery, error) {
	msg, err := bot.DecodeMessage(m.Payload)
	select {
	case p.resolved <- m.Key:
	default:
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, err
}

// testAlertKind is the kind of the admins' alerts in these tests.
const testAlertKind = "admin_alert"

func (plain) AlertKind() string { return testAlertKind }

type world struct {
	slack    *slackemu.Server
	store    *storage.Store
	outbox   *reminders.Outbox
	resolved chan string
}

func newWorld(t *testing.T, o reminders.OutboxOptions) *world {
	t.Helper()
	slack := slackemu.New(slackemu.Config{})
	t.Cleanup(slack.Close)
	slack.AddUser(slackemu.User{ID: "U0ANA", Name: "ana"})
	quiet := slog.New(slog.DiscardHandler)
	store, err := storage.Open(context.Background(), storagetest.Fresh(t, "sqlite"), storage.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	resolved := make(chan string, 100)
	o.Store, o.Resolver, o.Logger = store, plain{resolved}, quiet
	o.Sender = bot.NewAPI(bot.APIOptions{BotToken: slackemu.BotToken, APIURL: slack.APIURL(), Logger: quiet})
	if o.PollInterval == 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	return &world{slack: slack, store: store, outbox: reminders.NewOutbox(o), resolved: resolved}
}

func (w *world) enqueue(t *testing.T, key string) {
	t.Helper()
	_, err := w.store.Enqueue(context.Background(), &storage.OutboxMessage{Key: key, Kind: "direct", Channel: "U0ANA", Op: storage.OpPost, Payload: bot.MustJSON(bot.Message{Text: key})})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) message(t *testing.T, key string) storage.OutboxMessage {
	t.Helper()
	var m storage.OutboxMessage
	if err := w.store.Gorm(context.Background()).Where("key = ?", key).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

func (w *world) run(t *testing.T) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.outbox.Run(ctx); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the outbox did not stop")
		}
	}
}

// waitFor checks cond every few milliseconds: most conditions here are on
// the database, which the emulator's WaitFor does not watch.
func (w *world) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("waiting for %s: still false after 10s", what)
		case <-tick.C:
		}
	}
}

// A message is only sent with time to spare on its lease. Here this
// replica's clock runs 2.5 s ahead of the database's, so every lease of
// 3 s it takes is nearly over when it looks at it: it hands the message
// back untouched instead of sending it, since another replica could take
// it over mid-send. With the clocks agreeing, it goes out.
func TestNoSendAtTheEndOfALease(t *testing.T) {
	var skew atomic.Int64
	skew.Store(int64(2500 * time.Millisecond))
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	w := newWorld(t, reminders.OutboxOptions{Clock: clock, Lease: 3 * time.Second})
	w.enqueue(t, "late")
	stop := w.run(t)
	defer stop()
	w.waitFor(t, "the message to be handed back", func() bool {
		m := w.message(t, "late")
		return m.Status == storage.OutboxPending && m.DueAt.After(time.Now().Add(time.Second))
	})
	if n := len(w.slack.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("sent %d times with its lease nearly over", n)
	}
	if m := w.message(t, "late"); m.Attempts != 0 || m.LastError != "" {
		t.Fatalf("handing back counted as a try: %d %q", m.Attempts, m.LastError)
	}
	skew.Store(0)
	w.waitFor(t, "the message to go out", func() bool { return w.message(t, "late").Status == storage.OutboxSent })
}

// Shutdown lets a send on its way to Slack finish (within ShutdownGrace)
// and records it, rather than cutting it off and leaving Slack's answer
// unknown.
func TestShutdownLetsSendsFinish(t *testing.T) {
	w := newWorld(t, reminders.OutboxOptions{ShutdownGrace: 5 * time.Second})
	w.slack.SetFault("chat.postMessage", slackemu.Fault{Delay: 500 * time.Millisecond, Times: 1})
	stop := w.run(t)
	w.enqueue(t, "slow")
	w.outbox.Wake()
	<-w.resolved // the send is on its way
	stop()
	m := w.message(t, "slow")
	if m.Status != storage.OutboxSent || m.SentTS == "" {
		t.Fatalf("after shutdown: %s %q", m.Status, m.LastError)
	}
	if n := len(w.slack.Calls("chat.postMessage")); n != 1 {
		t.Fatalf("%d sends", n)
	}
}

// Past ShutdownGrace the send is cut off and the message goes back to
// the queue as a temporary failure, for the next replica.
func TestShutdownGraceRunsOut(t *testing.T) {
	w := newWorld(t, reminders.OutboxOptions{ShutdownGrace: 50 * time.Millisecond})
	w.slack.SetFault("chat.postMessage", slackemu.Fault{Delay: 5 * time.Second, Times: 1})
	stop := w.run(t)
	w.enqueue(t, "stuck")
	w.outbox.Wake()
	<-w.resolved // the send is on its way
	began := time.Now()
	stop()
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	if m := w.message(t, "stuck"); m.Status != storage.OutboxPending || m.LastError == "" {
		t.Fatalf("after shutdown: %s %q", m.Status, m.LastError)
	}
}

// While Slack's Retry-After runs, the outbox claims nothing: the messages
// stay in the queue untouched instead of being claimed and put back.
func TestRateLimitPauseClaimsNothing(t *testing.T) {
	w := newWorld(t, reminders.OutboxOptions{Concurrency: 1})
	w.slack.SetFault("chat.postMessage", slackemu.Fault{HTTPStatus: 429, RetryAfter: 1, Times: 1})
	for _, k := range []string{"a", "b", "c"} {
		w.enqueue(t, k)
	}
	stop := w.run(t)
	defer stop()
	w.waitFor(t, "all three", func() bool {
		n := 0
		for _, c := range w.slack.Calls("chat.postMessage") {
			if c.HTTPStatus == 200 {
				n++
			}
		}
		return n == 3
	})
	calls := w.slack.Calls("chat.postMessage")
	if len(calls) != 4 || calls[0].HTTPStatus != 429 {
		t.Fatalf("%d calls", len(calls))
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < 950*time.Millisecond {
		t.Fatalf("the next call came %s after a 429 with Retry-After: 1", gap)
	}
	for _, k := range []string{"a", "b", "c"} {
		if m := w.message(t, k); m.Attempts != 1 {
			t.Fatalf("%s: %d attempts; claimed while paused", k, m.Attempts)
		}
	}
}

// A destination that refuses messages for good fails the message and
// alerts the admins in one step: the alert is committed with the failure,
// so no crash can leave a failed message nobody was told about.
func TestPermanentFailureAlertsAdmins(t *testing.T) {
	w := newWorld(t, reminders.OutboxOptions{Admins: []string{"U0ADM"}})
	w.slack.AddUser(slackemu.User{ID: "U0ADM", Name: "adm"})
	w.slack.SetFault("chat.postMessage", slackemu.Fault{SlackError: "user_disabled", Times: 1})
	w.enqueue(t, "doomed")
	stop := w.run(t)
	defer stop()
	alert := "admin-alert:U0ANA:user_disabled:U0ADM"
	w.waitFor(t, "the admin's alert to go out", func() bool {
		var n int64
		w.store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).Where("key = ? AND status = ?", alert, storage.OutboxSent).Count(&n)
		return n == 1
	})
	if m := w.message(t, "doomed"); m.Status != storage.OutboxFailed || m.LastError != "user_disabled" {
		t.Fatalf("the refused message: %s %q", m.Status, m.LastError)
	}
	if m := w.message(t, alert); m.Channel != "U0ADM" || m.Kind != testAlertKind {
		t.Fatalf("alert: %+v", m)
	}
}
