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
	"sync/atomic"
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

// Resolver turns a message into a Delivery: each kind renders its messages
// from the current state when they are sent, or says they are no longer
// relevant (Drop) or must wait (Wait). The outbox knows no kind by name.
type Resolver interface {
	Resolve(ctx context.Context, m *storage.OutboxMessage) (Delivery, error)
	// AlertKind is the kind of the messages that tell admins a
	// destination refuses messages; alerts about alerts are not sent.
	AlertKind() string
}

// Sender is the part of the Slack client the outbox uses.
type Sender interface {
	Once(ctx context.Context, method string, call func(context.Context) error) error
	Client() *slack.Client
	// History and IMs look for a message an earlier try may have posted
	// (see lookFirst).
	History(ctx context.Context, channel, threadTS, oldest, cursor string, limit int) ([]slack.Message, string, error)
	IMs(ctx context.Context, cursor string, limit int) ([]slack.Channel, string, error)
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
	// (default 60 s). A replica that dies holding messages delays them by
	// up to a lease; a delivery never runs past its lease (see deliver), so
	// no other replica can take a message over while it is being sent.
	Lease time.Duration
	// ShutdownGrace is how long sends already on their way to Slack may go
	// on after shutdown begins (default 5 s); cutting them off at once
	// would leave Slack's answer unknown and risk a duplicate.
	ShutdownGrace time.Duration
	// MaxAttempts bounds tries on temporary errors (default 8).
	MaxAttempts int
	// Concurrency is how many messages are sent at once (default 8).
	Concurrency int
	// BaseBackoff is the first retry's wait (default 2 s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// AuthProbe is how long sending stays paused after Slack refused the
	// bot's token before auth.test is tried (default 5 s); each failed
	// probe doubles the wait, up to AuthProbeMax (default 1 min).
	AuthProbe    time.Duration
	AuthProbeMax time.Duration
}

// Outbox delivers queued messages.
type Outbox struct {
	o      OutboxOptions
	log    *slog.Logger
	worker string
	wake   chan struct{}

	pauseMu sync.Mutex
	paused  map[string]time.Time // Slack method → no calls before this time

	authMu sync.Mutex
	auth   authPause

	busy     atomic.Int64   // messages being delivered
	sending  sync.WaitGroup // their goroutines
	flightMu sync.Mutex
	inFlight map[int64]bool // their ids

	sent, failed, dropped prometheus.Counter
	retried               *prometheus.CounterVec
	pausedGauge           *prometheus.GaugeVec
	pauses                *prometheus.CounterVec
	checks                *prometheus.CounterVec
	scopeWarned           atomic.Bool
	countsMu              sync.Mutex
	counts                storage.OutboxBacklog
	countedAt             time.Time
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
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 5 * time.Second
	}
	if o.AuthProbe <= 0 {
		o.AuthProbe = 5 * time.Second
	}
	if o.AuthProbeMax < o.AuthProbe {
		o.AuthProbeMax = max(o.AuthProbe, time.Minute)
	}
	ob := &Outbox{
		o: o, log: o.Logger, worker: workerName(), wake: make(chan struct{}, 1),
		paused: map[string]time.Time{}, inFlight: map[int64]bool{},
	}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "releasebot_outbox_" + name + "_total", Help: help})
	}
	ob.sent = counter("sent", "Outbox messages delivered by this replica.")
	ob.retried = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "releasebot_outbox_retried_total",
		Help: "Outbox deliveries that failed and were put back for a later try, by reason: rate_limited (429) or temporary (5xx, network, timeout).",
	}, []string{"reason"})
	ob.failed = counter("failed", "Outbox messages given up on (permanent Slack error, or too many temporary ones).")
	ob.dropped = counter("dropped", "Outbox messages no longer worth sending when their turn came.")
	gauge := func(name, help string, v func(storage.OutboxBacklog) float64) prometheus.GaugeFunc {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "releasebot_outbox_" + name, Help: help}, func() float64 {
			return v(ob.backlog())
		})
	}
	pending := gauge("pending", "Outbox messages that should have gone out and have not yet: due, being sent, or back in the queue for a retry (all replicas).",
		func(b storage.OutboxBacklog) float64 { return float64(b.Due + b.Sending) })
	oldest := gauge("oldest_due_seconds", "How long the oldest due, undelivered outbox message has been due (0 when none).",
		func(b storage.OutboxBacklog) float64 { return b.OldestDue.Seconds() })
	ob.retried.WithLabelValues("rate_limited")
	ob.retried.WithLabelValues("temporary")
	ob.pausedGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "releasebot_outbox_paused",
		Help: "1 while this replica sends nothing because Slack refused the bot token, by Slack's error code; it resumes once auth.test succeeds.",
	}, []string{"reason"})
	ob.pauses = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "releasebot_outbox_pauses_total",
		Help: "Times this replica paused sending because Slack refused the bot token, by Slack's error code.",
	}, []string{"reason"})
	ob.checks = newChecksCounter()
	for _, code := range bot.CredentialCodes() {
		ob.pausedGauge.WithLabelValues(code)
		ob.pauses.WithLabelValues(code)
	}
	if o.Registry != nil {
		o.Registry.MustRegister(ob.sent, ob.retried, ob.failed, ob.dropped, pending, oldest, ob.pausedGauge, ob.pauses, ob.checks)
	}
	ob.auth.probeIn = o.AuthProbe
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

// Run delivers until ctx ends, then waits for the sends on their way
// (see ShutdownGrace).
func (ob *Outbox) Run(ctx context.Context) {
	defer ob.sending.Wait()
	ticker := time.NewTicker(ob.o.PollInterval)
	defer ticker.Stop()
	for {
		if _, err := ob.o.Store.ReleaseExpired(ctx, ob.sendingNow()...); err != nil && ctx.Err() == nil {
			ob.log.Warn("outbox: releasing expired leases failed", "err", err)
		}
		// While Slack has asked us to wait, or refuses the token, claiming
		// would only put the messages back: sleep until the pause ends
		// instead.
		var resume *time.Timer
		if wait := max(ob.pausedFor("chat.postMessage"), ob.credentialWait(ctx)); wait > 0 {
			resume = time.NewTimer(wait)
		} else {
			resume = time.NewTimer(time.Hour)
			resume.Stop()
			for ctx.Err() == nil {
				n, err := ob.DeliverDue(ctx)
				if err != nil && ctx.Err() == nil {
					ob.log.Warn("outbox: delivery pass failed", "err", err)
				}
				if n == 0 || err != nil {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			resume.Stop()
			return
		case <-ticker.C:
		case <-ob.wake:
		case <-resume.C:
		}
		resume.Stop()
	}
}

// backlog reads the queue for a scrape; the gauges of one scrape share
// one reading.
func (ob *Outbox) backlog() storage.OutboxBacklog {
	ob.countsMu.Lock()
	defer ob.countsMu.Unlock()
	if time.Since(ob.countedAt) < time.Second {
		return ob.counts
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if b, err := ob.o.Store.OutboxBacklog(ctx); err == nil {
		ob.counts, ob.countedAt = b, time.Now()
	}
	return ob.counts
}

// DeliverDue claims as many due messages as there are idle senders (up to
// Concurrency) and starts sending them; it returns how many it claimed, 0
// when nothing is due or every sender is busy. A sender that finishes
// wakes the loop, so one slow Slack call never holds up the others, and
// no claimed message waits for a sender while its lease runs down.
func (ob *Outbox) DeliverDue(ctx context.Context) (int, error) {
	idle := ob.o.Concurrency - int(ob.busy.Load())
	if idle <= 0 || ob.PauseReason() != "" {
		return 0, nil
	}
	began := time.Now()
	batch, err := ob.o.Store.ClaimOutbox(ctx, ob.worker, idle, ob.o.Lease)
	if err != nil {
		return 0, err
	}
	if len(batch) > 0 {
		ob.log.Debug("outbox: claimed", "n", len(batch), "idle", idle, "duration", time.Since(began))
	}
	for i := range batch {
		m := &batch[i]
		ob.busy.Add(1)
		ob.flightMu.Lock()
		ob.inFlight[m.ID] = true
		ob.flightMu.Unlock()
		ob.sending.Go(func() {
			defer func() {
				ob.flightMu.Lock()
				delete(ob.inFlight, m.ID)
				ob.flightMu.Unlock()
				ob.busy.Add(-1)
				ob.Wake()
			}()
			ob.deliver(ctx, m)
		})
	}
	return len(batch), nil
}

// sendingNow lists the messages this replica is delivering.
func (ob *Outbox) sendingNow() []int64 {
	ob.flightMu.Lock()
	defer ob.flightMu.Unlock()
	ids := make([]int64, 0, len(ob.inFlight))
	for id := range ob.inFlight {
		ids = append(ids, id)
	}
	return ids
}

func (ob *Outbox) deliver(ctx context.Context, m *storage.OutboxMessage) {
	log := ob.log.With("outbox_id", m.ID, "kind", m.Kind, "key", m.Key, "attempt", m.Attempts)
	// ClaimOutbox recorded this try's start on the row, in case this
	// replica dies mid-post. In memory it stays only while an earlier
	// try's outcome is unknown; a try that ends without posting leaves
	// the row as it found it.
	if !m.Recheck {
		m.AttemptedAt = nil
	}
	// The outcome is recorded even when shutdown cancels ctx mid-way, so a
	// sent message is not sent again by the next replica.
	recordCtx := context.WithoutCancel(ctx)

	// A message is sent only with time to spare on its lease: past the
	// lease another replica may take it, and both would send it. The
	// send is cut off a third of a lease before the lease ends, and
	// recording a message Slack accepted may wait for a lost database
	// connection until a sixth of a lease before it ends, so that the
	// outcome is recorded in time. A message whose lease is already short
	// (this replica's clock runs ahead of the one that claimed it), or one
	// claimed as shutdown began or while Slack refuses the token, is
	// handed back at once for any replica.
	leaseLeft := ob.o.Lease
	if m.ClaimedUntil != nil {
		leaseLeft = m.ClaimedUntil.Sub(ob.o.Clock())
	}
	left := leaseLeft - ob.o.Lease/3
	if ctx.Err() != nil || left < ob.o.Lease/6 || ob.PauseReason() != "" {
		ob.handBack(recordCtx, m, log)
		return
	}
	markCtx, cancelMark := context.WithTimeout(recordCtx, leaseLeft-ob.o.Lease/6)
	defer cancelMark()
	// Shutdown does not cancel a send on its way to Slack right away: an
	// answer lost there is a possible duplicate. It gets ShutdownGrace.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), left)
	defer cancel()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(ob.o.ShutdownGrace, cancel)
		context.AfterFunc(sendCtx, func() { t.Stop() })
	})
	defer stopGrace()

	d, err := ob.o.Resolver.Resolve(sendCtx, m)
	if !ob.ready(recordCtx, m, log, d, err) {
		return
	}

	method := "chat.postMessage"
	if d.TargetTS != "" {
		method = "chat.update"
	}
	if wait := ob.pausedFor(method); wait > 0 {
		ob.retry(recordCtx, m, log, wait, "rate limited", "")
		return
	}
	// A new message an earlier try may have posted is looked for first;
	// an update is the same whether applied once or twice.
	if m.AttemptedAt != nil && d.TargetTS == "" && ob.lookFirst(sendCtx, markCtx, recordCtx, m, log, d) {
		return
	}

	began := ob.o.Clock()
	channel, ts, err := ob.send(sendCtx, method, m.ID, d)
	if err == nil {
		ob.record(markCtx, m, log, channel, ts)
		return
	}
	// A timeout, a broken connection or a 5xx may come after Slack
	// posted: the next try looks before posting again.
	if bot.IsTemporary(err) && m.AttemptedAt == nil {
		m.AttemptedAt = &began
	}
	ob.sendFailed(recordCtx, m, log, d.Channel, method, err)
}

// record stores where a message Slack accepted landed.
func (ob *Outbox) record(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, channel, ts string) {
	ob.tokenWorks()
	if err := ob.o.Store.MarkSent(ctx, m, ob.worker, channel, ts); err != nil {
		// The message is out; only the record failed, even after waiting
		// for the database. The row keeps its attempt's start, so the
		// next holder of the lease finds the message in Slack instead of
		// posting it again.
		log.Error("outbox: sent but not recorded", "err", err, "channel", channel, "ts", ts)
		return
	}
	ob.sent.Inc()
	log.Debug("outbox: delivered", "channel", channel, "ts", ts)
}

// ready tells whether a resolved message is to be sent now, and otherwise
// records why not: Slack refused the token while preparing it, it could
// not be prepared, it is no longer relevant, or it must wait.
func (ob *Outbox) ready(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, d Delivery, err error) bool {
	switch {
	case bot.IsCredential(err):
		ob.pauseForCredentials(bot.ErrorCode(err), "resolve")
		ob.handBack(ctx, m, log)
		return false
	case err != nil && m.Attempts >= ob.o.MaxAttempts:
		log.Error("outbox: cannot prepare message; giving up", "err", err)
		ob.finish(ctx, m, log, storage.OutboxFailed, fmt.Sprintf("could not prepare it after %d attempts: %v", m.Attempts, err))
		return false
	case err != nil:
		log.Warn("outbox: cannot prepare message", "err", err)
		ob.retry(ctx, m, log, ob.backoff(m.Attempts), err.Error(), "temporary")
		return false
	case d.Drop != "":
		log.Info("outbox: message dropped", "reason", d.Drop)
		ob.finish(ctx, m, log, storage.OutboxDropped, d.Drop)
		return false
	case d.Wait > 0:
		ob.retry(ctx, m, log, d.Wait, storage.WaitingPrefix+d.Message.Text, "")
		return false
	}
	return true
}

// send makes the one Slack call of a delivery and returns where the
// message landed.
func (ob *Outbox) send(ctx context.Context, method string, id int64, d Delivery) (channel, ts string, err error) {
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
		opts = append(opts, slack.MsgOptionMetadata(postMetadata(id)))
		channel, ts, err = ob.o.Sender.Client().PostMessageContext(ctx, d.Channel, opts...)
		return err
	})
	return channel, ts, err
}

// sendFailed records what a failed Slack call means for the message.
func (ob *Outbox) sendFailed(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, channel, method string, err error) {
	var apiErr *bot.APIError
	if !errors.As(err, &apiErr) {
		apiErr = &bot.APIError{Kind: bot.Temporary, Err: err}
	}
	switch apiErr.Kind {
	case bot.Credential:
		// Nothing is wrong with this message: every message would fail
		// the same way. It goes back untouched, and sending stops until
		// the token works again.
		ob.pauseForCredentials(apiErr.Code, method)
		ob.handBack(ctx, m, log)
	case bot.RateLimited:
		ob.pause(method, apiErr.RetryAfter)
		ob.retry(ctx, m, log, apiErr.RetryAfter, "rate limited", "rate_limited")
	case bot.Temporary:
		if m.Attempts >= ob.o.MaxAttempts {
			log.Error("outbox: giving up after repeated failures", "err", err)
			ob.finish(ctx, m, log, storage.OutboxFailed, fmt.Sprintf("gave up after %d attempts: %v", m.Attempts, err))
			return
		}
		ob.retry(ctx, m, log, ob.backoff(m.Attempts), err.Error(), "temporary")
	default:
		log.Error("outbox: Slack refused the message", "code", apiErr.Code, "channel", channel)
		ob.finish(ctx, m, log, storage.OutboxFailed, apiErr.Code, ob.adminAlerts(m, channel, apiErr.Code)...)
	}
}

func (ob *Outbox) backoff(attempt int) time.Duration {
	return bot.Backoff(attempt, ob.o.BaseBackoff, ob.o.MaxBackoff)
}

// retry puts a message back for a later try. failure names what went
// wrong ("temporary", "rate_limited") for the retried metric; "" means the
// message did not fail but could not go yet (waiting for its thread, or
// for a rate-limit pause). Only temporary failures count against
// MaxAttempts.
func (ob *Outbox) retry(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, wait time.Duration, reason, failure string) {
	if failure != "" {
		ob.retried.WithLabelValues(failure).Inc()
	}
	if err := ob.o.Store.RetryLater(ctx, m, ob.worker, ob.o.Clock().Add(wait), reason, failure == "temporary"); err != nil {
		log.Warn("outbox: could not reschedule", "err", err)
	}
}

// handBack returns a claimed message untouched, due now, for whichever
// replica claims next.
func (ob *Outbox) handBack(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger) {
	if err := ob.o.Store.RetryLater(ctx, m, ob.worker, ob.o.Clock(), m.LastError, false); err != nil {
		log.Warn("outbox: could not hand a message back", "err", err)
	}
}

// finish records a message's end, and enqueues then (the admins' alerts)
// in the same transaction.
func (ob *Outbox) finish(ctx context.Context, m *storage.OutboxMessage, log *slog.Logger, status, reason string, then ...storage.OutboxMessage) {
	switch status {
	case storage.OutboxFailed:
		ob.failed.Inc()
	case storage.OutboxDropped:
		ob.dropped.Inc()
	}
	if err := ob.o.Store.Finish(ctx, m, ob.worker, status, reason, then...); err != nil {
		log.Warn("outbox: could not record outcome", "status", status, "err", err, "then", len(then))
		return
	}
	if len(then) > 0 {
		ob.Wake()
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

// adminAlerts are the messages telling every admin that messages to
// channel fail for good. Their keys make it once per destination and
// error: a channel that stays broken does not flood the admins.
func (ob *Outbox) adminAlerts(m *storage.OutboxMessage, channel, code string) []storage.OutboxMessage {
	kind := ob.o.Resolver.AlertKind()
	if m.Kind == kind {
		return nil
	}
	text := fmt.Sprintf(":warning: I can't deliver release notifications to %s: Slack says `%s`. %s",
		destination(channel), code, advice(code))
	var alerts []storage.OutboxMessage
	for _, admin := range ob.o.Admins {
		alerts = append(alerts, storage.OutboxMessage{
			Key:  fmt.Sprintf("admin-alert:%s:%s:%s", channel, code, admin),
			Kind: kind, Channel: admin, Op: storage.OpPost,
			Payload: bot.MustJSON(bot.Message{Text: text}),
		})
	}
	return alerts
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
	case "user_not_found", "user_disabled", "cannot_dm_bot":
		return "The person is no longer in the workspace; remove them from subscriptions and stakeholders."
	}
	return "Messages to it are kept as failed in the outbox."
}
