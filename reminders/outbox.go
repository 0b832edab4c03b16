// Package reminders runs everything that happens because time passes: the
// cron scheduler that finds due reminders, nudges and digests, and the
// outbox loop that delivers every notification to Slack exactly once.
package reminders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// Delivery is what a claimed outbox message turns into when it is sent.
type Delivery struct {
	Channel  string
	ThreadTS string // post as a reply in this thread
	TargetTS string // update this message instead of posting
	Message  bot.Message
	// Drop, when set, says why the message is no longer worth sending.
	Drop string
	// Wait, when set, says the message cannot go yet (e.g. its thread does
	// not exist yet) and when to try again.
	Wait time.Duration
}

// Resolver turns a message into a Delivery; kinds rendered from the current
// state are rendered here, when they are sent.
type Resolver interface {
	Resolve(ctx context.Context, m *storage.OutboxMessage) (Delivery, error)
}

// Sender is the part of the Slack client the outbox uses.
type Sender interface {
	Once(ctx context.Context, method string, call func(context.Context) error) error
	Client() *slack.Client
}

// OutboxOptions configures NewOutbox.
type OutboxOptions struct {
	Store    *storage.Store
	Sender   Sender
	Resolver Resolver
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Clock    func() time.Time
	Admins   []string
	// PollInterval is how often the queue is checked when nobody wakes the
	// loop (default 1 s).
	PollInterval time.Duration
	// Lease is how long a claimed message is reserved for this replica
	// (default 60 s, well above one Slack call's timeout).
	Lease time.Duration
	// MaxAttempts bounds tries on temporary errors (default 8).
	MaxAttempts int
	// Concurrency is how many messages are sent at once (default 8).
	Concurrency int
	// BaseBackoff is the first retry's wait (default 2 s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// Outbox delivers queued messages.
type Outbox struct {
	o      OutboxOptions
	log    *slog.Logger
	worker string
	wake   chan struct{}

	pauseMu sync.Mutex
	paused  map[string]time.Time // Slack method → no calls before this time

	pending                        prometheus.GaugeFunc
	sent, retried, failed, dropped prometheus.Counter
	countsMu                       sync.Mutex
	counts                         map[string]int64
}

// NewOutbox builds the delivery loop.
func NewOutbox(o OutboxOptions) *Outbox {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	ob := &Outbox{
		o: o, log: o.Logger, worker: workerName(), wake: make(chan struct{}, 1),
		paused: map[string]time.Time{}, counts: map[string]int64{},
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "releasebot_outbox_" + name + "_total", Help: help})
	}
	ob.sent = counter("sent", "Outbox messages delivered by this replica.")
	ob.retried = counter("retried", "Outbox deliveries put back for a later try (429, 5xx, network).")
	ob.failed = counter("failed", "Outbox messages given up on.")
	ob.dropped = counter("dropped", "Outbox messages no longer worth sending when their turn came.")
	ob.pending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "releasebot_outbox_pending", Help: "Outbox messages waiting to be delivered (all replicas), as of the last poll.",
	}, func() float64 {
		ob.countsMu.Lock()
		defer ob.countsMu.Unlock()
		return float64(ob.counts[storage.OutboxPending] + ob.counts[storage.OutboxSending])
	})
	if o.Registry != nil {
		o.Registry.MustRegister(ob.sent, ob.retried, ob.failed, ob.dropped, ob.pending)
	}
	return ob
}

func workerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Wake makes the loop look at the queue now; handlers call it after a
// commit that enqueued messages.
func (ob *Outbox) Wake() {
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (ob *Outbox) Run(ctx context.Context) {
	ticker := time.NewTicker(ob.o.PollInterval)
	defer ticker.Stop()
	lastCount := time.Time{}
	for {
		if _, err := ob.o.Store.ReleaseExpired(ctx); err != nil && ctx.Err() == nil {
			ob.log.Warn("outbox: releasing expired leases failed", "err", err)
		}
		for {
			n, err := ob.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				ob.log.Warn("outbox: delivery pass failed", "err", err)
			}
			if n == 0 || err != nil || ctx.Err() != nil {
				break
			}
		}
		if time.Since(lastCount) > 5*time.Second {
			ob.refreshCounts(ctx)
			lastCount = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-ob.wake:
		}
	}
}

func (ob *Outbox) refreshCounts(ctx context.Context) {
	counts, err := ob.o.Store.OutboxCounts(ctx)
	if err != nil {
		return
	}
	ob.countsMu.Lock()
	ob.counts = counts
	ob.countsMu.Unlock()
}

// DeliverDue claims one batch of due messages and delivers them; it returns
// how many it claimed.
func (ob *Outbox) DeliverDue(ctx context.Context) (int, error) {
	batch, err := ob.o.Store.ClaimOutbox(ctx, ob.worker, ob.o.Concurrency*4, ob.o.Lease)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, ob.o.Concurrency)
	var wg sync.WaitGroup
	for i := range batch {
		m := &batch[i]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ob.deliver(ctx, m)
		})
	}
	wg.Wait()
	return len(batch), nil
}

func (ob *Outbox) deliver(ctx context.Context, m *storage.OutboxMessage) {
	log := ob.log.With("outbox_id", m.ID, "kind", m.Kind, "key", m.Key, "attempt", m.Attempts)
	// The outcome is recorded even when shutdown cancels ctx mid-way, so a
	// sent message is not sent again by the next replica.
	recordCtx := context.WithoutCancel(ctx)

	d, err := ob.o.Resolver.Resolve(ctx, m)
	switch {
	case err != nil:
		log.Warn("outbox: cannot prepare message", "err", err)
		ob.retry(recordCtx, m, log, ob.backoff(m.Attempts), err.Error(), true)
		return
	case d.Drop != "":
		log.Info("outbox: message dropped", "reason", d.Drop)
		ob.finish(recordCtx, m, log, storage.OutboxDropped, d.Drop)
		return
	case d.Wait > 0:
		ob.retry(recordCtx, m, log, d.Wait, "waiting: "+d.Message.Text, false)
		return
	}

	method := "chat.postMessage"
	if d.TargetTS != "" {
		method = "chat.update"
	}
	if wait := ob.pausedFor(method); wait > 0 {
		ob.retry(recordCtx, m, log, wait, "rate limited", false)
		return
	}

	var channel, ts string
	err = ob.o.Sender.Once(ctx, method, func(ctx context.Context) error {
		var err error
		opts := []slack.MsgOption{slack.MsgOptionText(d.Message.Text, false)}
		if len(d.Message.Blocks) > 0 {
			opts = append(opts, slack.MsgOptionBlocks(d.Message.Blocks...))
		}
		if d.TargetTS != "" {
			channel, ts, _, err = ob.o.Sender.Client().UpdateMessageContext(ctx, d.Channel, d.TargetTS, opts...)
			return err
		}
		if d.ThreadTS != "" {
			opts = append(opts, slack.MsgOptionTS(d.ThreadTS))
		}
		channel, ts, err = ob.o.Sender.Client().PostMessageContext(ctx, d.Channel, opts...)
		return err
	})
	if err == nil {
		if err := ob.o.Store.MarkSent(recordCtx, m, ob.worker, channel, ts); err != nil {
			// The message is out; only the record failed. Logged loudly:
			// this is the window in which a later retry could repeat it.
			log.Error("outbox: sent but not recorded", "err", err, "channel", channel, "ts", ts)
			return
		}
		ob.sent.Inc()
		log.Debug("outbox: delivered", "channel", channel, "ts", ts)
		return
	}

	var apiErr *bot.APIError
	if !errors.As(err, &apiErr) {
		apiErr = &bot.APIError{Kind: bot.Temporary, Err: err}
	}
	switch apiErr.Kind {
	case bot.RateLimited:
		ob.pause(method, apiErr.RetryAfter)
		ob.retry(recordCtx, m, log, apiErr.RetryAfter, "rate limited", false)
	case bot.Temporary:
		if m.Attempts >= ob.o.MaxAttempts {
			log.Error("outbox: giving up after repeated failures", "err", err)
			ob.finish(recordCtx, m, log, storage.OutboxFailed, fmt.Sprintf("gave up after %d attempts: %v", m.Attempts, err))
			return
		}
		ob.retry(recordCtx, m, log, ob.backoff(m.Attempts), err.Error(), true)
	default:
		log.Error("outbox: Slack refused the message", "code", apiErr.Code, "channel", d.Channel)
		ob.finish(recordCtx, m, log, storage.OutboxFailed, apiErr.Code)
		ob.alertAdmins(recordCtx, m, d.Channel, apiErr.Code, log)
	}
}

func (ob *Outbox) backoff(attempt int) time.Duration {
	return bot.Backoff(attempt, ob.o.BaseBackoff, ob.o.MaxBackoff)
}

func (ob *Outbox) retry(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, wait time.Duration, reason string, countAttempt bool) {
	if countAttempt {
		ob.retried.Inc()
	}
	if err := ob.o.Store.RetryLater(ctx, m, ob.worker, ob.o.Clock().Add(wait), reason, countAttempt); err != nil {
		log.Warn("outbox: could not reschedule", "err", err)
	}
}

func (ob *Outbox) finish(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, status, reason string) {
	switch status {
	case storage.OutboxFailed:
		ob.failed.Inc()
	case storage.OutboxDropped:
		ob.dropped.Inc()
	}
	if err := ob.o.Store.Finish(ctx, m, ob.worker, status, reason); err != nil {
		log.Warn("outbox: could not record outcome", "status", status, "err", err)
	}
}

// pause stops calls of a method until Slack's Retry-After has passed, so one
// 429 does not turn into a burst of them.
func (ob *Outbox) pause(method string, d time.Duration) {
	ob.pauseMu.Lock()
	defer ob.pauseMu.Unlock()
	until := time.Now().Add(d)
	if until.After(ob.paused[method]) {
		ob.paused[method] = until
	}
}

func (ob *Outbox) pausedFor(method string) time.Duration {
	ob.pauseMu.Lock()
	defer ob.pauseMu.Unlock()
	return time.Until(ob.paused[method])
}

// KindAdminAlert is the kind of the messages that tell admins a destination
// refuses messages; alerts about alerts are not sent.
const KindAdminAlert = "admin_alert"

// alertAdmins tells every admin, once per destination and error, that
// messages to it fail for good.
func (ob *Outbox) alertAdmins(ctx context.Context, m *storage.OutboxMessage, channel, code string, log *slog.Logger) {
	if m.Kind == KindAdminAlert {
		return
	}
	text := fmt.Sprintf(":warning: I can't deliver release notifications to %s: Slack says `%s`. %s",
		destination(channel), code, advice(code))
	for _, admin := range ob.o.Admins {
		_, err := ob.o.Store.Enqueue(ctx, &storage.OutboxMessage{
			Key:  fmt.Sprintf("admin-alert:%s:%s:%s", channel, code, admin),
			Kind: KindAdminAlert, Channel: admin, Op: storage.OpPost,
			Payload: bot.MustJSON(bot.Message{Text: text}),
		})
		if err != nil {
			log.Error("outbox: could not alert admin", "admin", admin, "err", err)
		}
	}
	ob.Wake()
}

func destination(channel string) string {
	switch {
	case strings.HasPrefix(channel, "U"), strings.HasPrefix(channel, "W"):
		return bot.Mention(channel)
	case channel == "":
		return "an unknown destination"
	}
	return bot.ChannelLink(channel)
}

func advice(code string) string {
	switch code {
	case "not_in_channel":
		return "Invite me to the channel (`/invite @releasebot`) and new notifications will arrive."
	case "is_archived":
		return "The channel is archived; unarchive it or move the subscription to another channel."
	case "channel_not_found":
		return "The channel no longer exists or I can't see it; update the subscription."
	case "user_not_found", "cannot_dm_bot":
		return "The person is no longer in the workspace; remove them from subscriptions and stakeholders."
	}
	return "Messages to it are kept as failed in the outbox."
}
