package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// ListenerOptions configures NewListener.
type ListenerOptions struct {
	API     *API
	Router  *Router
	Dedup   Deduper
	Metrics *Metrics
	Logger  *slog.Logger
	// Workers bounds the handlers running at once (default 16).
	Workers int
	// QueueSize bounds the envelopes waiting for a worker (default 1024).
	QueueSize int
	// AckBudget is how long a handler may take before the envelope is
	// acknowledged without its answer (default 2.5 s, inside Slack's 3 s).
	AckBudget time.Duration
	// PingTimeout is how long a link may go without a ping from Slack before
	// it is considered dead and replaced (default 30 s).
	PingTimeout time.Duration
	// DrainTimeout bounds how long shutdown waits for handlers in flight
	// (default 8 s, so the whole shutdown stays within 10 s).
	DrainTimeout time.Duration
}

// Listener receives Socket Mode envelopes and runs them through the
// router. It keeps the transport's concerns: the ack budget, the worker
// pool, the answer's way back, and the drain at shutdown. What happens
// around every handler (metrics, panic recovery, deduplication) is
// middleware (middleware.go).
type Listener struct {
	o         ListenerOptions
	log       *slog.Logger
	smc       *socketmode.Client
	handle    Handler
	ackQueue  func() int // nil when slack-go's queue is not found
	connected atomic.Bool
	resent    sync.Map // envelope id → attempts, for acks whose write failed
}

// NewListener prepares the transport; Run starts it.
func NewListener(o ListenerOptions) *Listener {
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.AckBudget <= 0 {
		o.AckBudget = 2500 * time.Millisecond
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 30 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 8 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	l := &Listener{o: o, log: o.Logger}
	l.smc = socketmode.New(o.API.Client(),
		socketmode.OptionPingInterval(o.PingTimeout),
		socketmode.OptionLog(log.New(slogWriter{o.Logger}, "", 0)),
	)
	// Instrument is outermost so that it counts duplicates and panics too;
	// Dedup is inside Recover so that a panicking handler's key is
	// forgotten before the panic becomes an error.
	l.handle = Chain(o.Router.Dispatch, Instrument(o.Metrics, o.Logger), Recover(o.Logger), Dedup(o.Dedup, o.Router.ReadOnly, o.Logger))
	var found bool
	if l.ackQueue, found = ackQueue(l.smc); !found {
		l.log.Warn("slack-go's ack queue was not found (a new slack-go?); shutdown waits a fixed time for the last acks",
			"field", ackQueueField)
	}
	return l
}

// Connected reports whether the Socket Mode link is up, for /readyz.
func (l *Listener) Connected() bool { return l.connected.Load() }

// job is one envelope on its way through the pool. The ack happens exactly
// once: either with the handler's answer, or empty when the budget runs out.
type job struct {
	req      *Request
	envelope string
	kind     string // the envelope type
	received time.Time
	timer    *time.Timer

	mu    sync.Mutex
	acked bool
}

// Run serves envelopes until ctx ends, then drains: envelopes already
// received are handled and acknowledged before the link closes.
func (l *Listener) Run(ctx context.Context) error {
	linkCtx, closeLink := context.WithCancel(context.Background())
	defer closeLink()
	linkDone := make(chan error, 1)
	go func() { linkDone <- l.smc.RunContext(linkCtx) }()

	// Handlers get their own context: shutdown lets them finish, and cancels
	// them only when the drain time is up.
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	jobs := make(chan *job, l.o.QueueSize)
	var workers sync.WaitGroup
	for range l.o.Workers {
		workers.Go(func() {
			for j := range jobs {
				l.work(workCtx, j)
			}
		})
	}

	var runErr error
intake:
	for {
		select {
		case <-ctx.Done():
			break intake
		case err := <-linkDone:
			// RunContext only returns on errors it will not retry, such as
			// a revoked token.
			runErr = fmt.Errorf("socket mode stopped: %w", err)
			break intake
		case evt := <-l.smc.Events:
			l.onEvent(evt, jobs)
		}
	}

	close(jobs)
	l.drain(&workers, stopWork)
	if runErr == nil {
		l.flushAcks()
	}
	closeLink()
	l.setConnected(false)
	return runErr
}

// drain waits for the workers to finish the queued jobs, at most the drain
// timeout; then it cancels the handlers still running.
func (l *Listener) drain(workers *sync.WaitGroup, stopWork context.CancelFunc) {
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	deadline := time.NewTimer(l.o.DrainTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-drained:
			return
		case <-deadline.C:
			l.log.Warn("shutdown: handlers still running after the drain timeout; cancelling them",
				"drain_timeout_ms", l.o.DrainTimeout.Milliseconds())
			stopWork()
			<-drained
			return
		case evt := <-l.smc.Events:
			// The link is still up while draining: refuse new work politely
			// so nothing waits for an ack that will never come.
			l.onEvent(evt, nil)
		}
	}
}

// flushAcks waits until slack-go has written the acks queued by the last
// handlers, at most a second. Its queue is not exported (ackqueue.go);
// without it, a fixed wait stands in.
func (l *Listener) flushAcks() {
	if l.ackQueue == nil {
		time.Sleep(250 * time.Millisecond)
		return
	}
	deadline := time.Now().Add(time.Second)
	for l.ackQueue() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// The response sender may be writing the last ack it took off the queue.
	time.Sleep(50 * time.Millisecond)
}

func (l *Listener) onEvent(evt socketmode.Event, jobs chan<- *job) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		l.setConnected(false)
	case socketmode.EventTypeConnected:
		l.setConnected(true)
		if l.o.Metrics != nil {
			l.o.Metrics.Reconnects.Inc()
		}
		l.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError:
		l.setConnected(false)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			l.log.Warn("socket mode connection failed", "attempt", ce.Attempt, "backoff_ms", ce.Backoff.Milliseconds(), "err", ce.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		l.setConnected(false)
		l.log.Error("socket mode: Slack refused the app-level token (SLACK_APP_TOKEN)")
	case socketmode.EventTypeIncomingError:
		// Not a readiness signal: slack-go may report the old link's read
		// error after the new link is up. Reconnecting sends Connecting.
		l.log.Warn("socket mode link failed; reconnecting", "err", fmt.Sprint(evt.Data))
	case socketmode.EventTypeErrorWriteFailed:
		l.resendAck(evt)
	case socketmode.EventTypeErrorBadMessage:
		l.ackUnreadable(evt)
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		l.accept(evt, jobs)
	}
}

func (l *Listener) setConnected(up bool) {
	l.connected.Store(up)
	if l.o.Metrics != nil {
		if up {
			l.o.Metrics.Connected.Set(1)
		} else {
			l.o.Metrics.Connected.Set(0)
		}
	}
}

// resendAck puts an ack whose write failed (the link died under it) back on
// the queue; slack-go sends it on the next link. Three tries at most.
func (l *Listener) resendAck(evt socketmode.Event) {
	failed, ok := evt.Data.(*socketmode.ErrorWriteFailed)
	if !ok || failed.Response == nil {
		return
	}
	n, _ := l.resent.LoadOrStore(failed.Response.EnvelopeID, new(atomic.Int32))
	if n.(*atomic.Int32).Add(1) > 3 {
		l.log.Error("ack could not be written; Slack will redeliver or time out", "envelope_id", failed.Response.EnvelopeID, "err", failed.Cause)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.smc.SendCtx(ctx, socketmode.Response{EnvelopeID: failed.Response.EnvelopeID, Payload: failed.Response.Payload}); err != nil {
			l.log.Error("resend ack", "envelope_id", failed.Response.EnvelopeID, "err", err)
		}
	}()
}

// ackUnreadable acknowledges an envelope slack-go could not parse (a payload
// Slack never sends, or one of a newer shape), so it is not redelivered.
func (l *Listener) ackUnreadable(evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &env)
	l.log.Warn("unreadable envelope acknowledged and dropped", "envelope_id", env.EnvelopeID, "type", env.Type, "err", bad.Cause)
	if l.o.Metrics != nil {
		l.o.Metrics.Envelopes.WithLabelValues(orUnknown(env.Type), "unreadable").Inc()
	}
	if env.EnvelopeID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = l.smc.AckCtx(ctx, env.EnvelopeID, nil)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// accept turns an envelope into a job and queues it; the ack budget starts
// now, whatever happens to the job.
func (l *Listener) accept(evt socketmode.Event, jobs chan<- *job) {
	if evt.Request == nil {
		return
	}
	j := &job{envelope: evt.Request.EnvelopeID, kind: evt.Request.Type, received: time.Now()}
	req, err := parse(evt)
	if err != nil {
		l.log.Warn("envelope not understood", "envelope_id", j.envelope, "type", j.kind, "err", err)
		l.ack(j, nil)
		l.count(j, "unsupported")
		return
	}
	req.EnvelopeID = j.envelope
	req.RetryAttempt = evt.Request.RetryAttempt
	req.Received = j.received
	j.req = req

	if jobs == nil {
		l.refuse(j, "releasebot is restarting; please try again in a few seconds.")
		return
	}
	switch req.Kind {
	case KindAction, KindEvent, KindViewClosed:
		// Nothing rides on these acks, so they go at once; the work follows.
		l.ack(j, nil)
	default:
		j.timer = time.AfterFunc(l.o.AckBudget, func() {
			if l.ack(j, nil) {
				l.log.Info("answer will follow the ack", "envelope_id", j.envelope, "type", j.kind)
			}
		})
	}
	select {
	case jobs <- j:
	default:
		l.refuse(j, "releasebot is very busy right now; please try again in a minute.")
	}
}

// refuse answers an envelope the bot cannot take now.
func (l *Listener) refuse(j *job, message string) {
	l.count(j, "refused")
	switch j.req.Kind {
	case KindCommand:
		l.ack(j, commandPayload(&Response{Text: message}))
	case KindSubmission:
		if block := firstInputBlock(j.req.View); block != "" {
			l.ack(j, slack.NewErrorsViewSubmissionResponse(map[string]string{block: message}))
			return
		}
		l.ack(j, nil)
		go l.notice(context.Background(), j, "", &Response{Text: message})
	case KindEvent:
		// Not acking lets Slack redeliver the event to another connection.
	default:
		l.ack(j, nil)
		// respond falls back to an ephemeral or a DM where there is no
		// response_url (a click in the App Home or a modal).
		go l.respond(context.Background(), j, &Response{Text: message})
	}
}

// ack acknowledges the envelope once; it reports whether this call did it.
func (l *Listener) ack(j *job, payload any) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.acked {
		return false
	}
	if j.timer != nil {
		j.timer.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := l.smc.AckCtx(ctx, j.envelope, payload)
	if err != nil && payload != nil {
		// Too large for an ack (Slack drops acks of 20 KB or more): ack
		// empty and let the caller send the answer another way.
		l.log.Warn("ack payload refused; answering another way", "envelope_id", j.envelope, "err", err)
		if err := l.smc.AckCtx(ctx, j.envelope, nil); err != nil {
			l.log.Error("ack failed", "envelope_id", j.envelope, "err", err)
			return false
		}
		j.acked = true
		l.observeAck(j)
		return false
	}
	if err != nil {
		l.log.Error("ack failed", "envelope_id", j.envelope, "err", err)
		return false
	}
	j.acked = true
	l.observeAck(j)
	return true
}

func (l *Listener) observeAck(j *job) {
	if l.o.Metrics != nil {
		l.o.Metrics.AckLatency.WithLabelValues(j.kind).Observe(time.Since(j.received).Seconds())
	}
}

func (l *Listener) count(j *job, outcome string) {
	if l.o.Metrics != nil {
		l.o.Metrics.Envelopes.WithLabelValues(j.kind, outcome).Inc()
	}
}

// work runs one job on a worker. Handlers' panics are caught by Recover;
// this catches the transport's own, so that one bad answer cannot stop the
// pool.
func (l *Listener) work(ctx context.Context, j *job) {
	defer func() {
		if p := recover(); p != nil {
			l.log.Error("answering an envelope panicked", "envelope_id", j.envelope, "type", j.kind,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			l.ack(j, nil)
		}
	}()
	l.process(ctx, j)
}

func (l *Listener) process(ctx context.Context, j *job) {
	resp, err := l.handle(ctx, j.req)
	if errors.Is(err, ErrDuplicate) {
		l.ack(j, nil)
		return
	}
	if err != nil {
		resp = l.answerFor(j, err)
	}
	l.deliver(ctx, j, resp, err)
}

// answerFor is what the user reads when the handlers returned err, and
// logs it. A refusal often quotes what the user typed, so above debug level
// it is logged by route and length only.
func (l *Listener) answerFor(j *job, err error) *Response {
	attrs := append(requestAttrs(j.req), "route", routeOf(j.req))
	switch Outcome(err) {
	case OutcomeRefused:
		msg, _ := UserMessage(err)
		l.log.Info("request refused", append(attrs, "message_len", utf8.RuneCountInString(msg))...)
		l.log.Debug("refusal shown to the user", append(attrs, "message", msg)...)
		return &Response{Text: msg}
	case OutcomeUnrouted:
		l.log.Warn("no handler", attrs...)
		return &Response{Text: "Sorry, I don't know what to do with that (it may come from an older version of this message). Type `/release help` to see what I can do."}
	case OutcomePanic:
		// Recover logged it with its stack.
		return apology(j)
	}
	l.log.Error("handler failed", append(attrs, "err", err)...)
	return apology(j)
}

// apology is what a user sees when the bot failed: short, with a reference
// that leads to the log line.
func apology(j *job) *Response {
	ref := j.envelope
	if len(ref) > 8 {
		ref = ref[:8]
	}
	return &Response{Text: fmt.Sprintf(":warning: Sorry, something went wrong on my side and nothing was changed. Please try again; if it keeps happening, give your admin this reference: `%s`.", ref)}
}

// slogWriter routes slack-go's own log lines into slog at debug level.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("slack-go", "msg", string(p))
	return len(p), nil
}
