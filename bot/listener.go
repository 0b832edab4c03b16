package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Deduper remembers which deliveries were handled, across replicas, so a
// redelivered envelope changes nothing the second time.
type Deduper interface {
	// FirstDelivery records key and reports whether it was not seen before.
	FirstDelivery(ctx context.Context, key string) (bool, error)
	// Forget removes key after a failed attempt so a redelivery can retry.
	Forget(ctx context.Context, key string) error
}

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

// Listener receives Socket Mode envelopes and runs them through the router.
type Listener struct {
	o         ListenerOptions
	log       *slog.Logger
	smc       *socketmode.Client
	connected atomic.Bool
	draining  atomic.Bool
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
	return l
}

// Connected reports whether the Socket Mode link is up, for /readyz.
func (l *Listener) Connected() bool { return l.connected.Load() }

// job is one envelope on its way through the pool. The ack happens exactly
// once: either with the handler's answer, or empty when the budget runs out.
type job struct {
	req      *Request
	envelope string
	kind     string
	dedupKey string
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
				l.process(workCtx, j)
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

	l.draining.Store(true)
	close(jobs)
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	deadline := time.NewTimer(l.o.DrainTimeout)
	defer deadline.Stop()
	for waiting := true; waiting; {
		select {
		case <-drained:
			waiting = false
		case <-deadline.C:
			l.log.Warn("shutdown: handlers still running after the drain timeout; cancelling them")
			stopWork()
			<-drained
			waiting = false
		case evt := <-l.smc.Events:
			// The link is still up while draining: refuse new work politely
			// so nothing waits for an ack that will never come.
			l.onEvent(evt, nil)
		}
	}
	if runErr == nil {
		l.flushAcks()
	}
	closeLink()
	l.connected.Store(false)
	if l.o.Metrics != nil {
		l.o.Metrics.Connected.Set(0)
	}
	if runErr != nil {
		return runErr
	}
	return nil
}

// flushAcks waits until slack-go has written the acks queued by the last
// handlers: its send queue is not exported, so it is observed by reflection,
// with a short cap in case the library's layout changes.
func (l *Listener) flushAcks() {
	queue := reflect.ValueOf(l.smc).Elem().FieldByName("socketModeResponses")
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if queue.IsValid() && queue.Kind() == reflect.Chan && queue.Len() == 0 {
			break
		}
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
			l.log.Warn("socket mode connection failed", "attempt", ce.Attempt, "backoff", ce.Backoff, "err", ce.ErrorObj)
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
	req, dedupKey, err := parse(evt)
	if err != nil {
		l.log.Warn("envelope not understood", "envelope_id", j.envelope, "type", j.kind, "err", err)
		l.ack(j, nil)
		l.count(j, "unsupported")
		return
	}
	req.EnvelopeID = j.envelope
	req.RetryAttempt = evt.Request.RetryAttempt
	req.Received = j.received
	j.req, j.dedupKey = req, dedupKey

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
			l.ack(j, map[string]any{"response_action": "errors", "errors": map[string]string{block: message}})
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

// process runs one job on a worker. A panic is caught here so the listener
// keeps running and the user gets an apology they can quote.
func (l *Listener) process(ctx context.Context, j *job) {
	start := time.Now()
	attrs := []any{"envelope_id", j.envelope, "type", j.kind, "user", j.req.UserID}
	outcome := "ok"
	defer func() {
		if p := recover(); p != nil {
			outcome = "panic"
			l.log.Error("handler panicked", append(attrs, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
			l.forget(ctx, j)
			l.deliver(ctx, j, apology(j), nil)
		}
		l.count(j, outcome)
		if l.o.Metrics != nil {
			l.o.Metrics.HandlerDuration.WithLabelValues(j.kind).Observe(time.Since(start).Seconds())
		}
		l.log.Info("envelope handled", append(attrs, "route", routeOf(j.req), "outcome", outcome, "duration", time.Since(j.received))...)
	}()

	if l.o.Dedup != nil && j.dedupKey != "" {
		first, err := l.o.Dedup.FirstDelivery(ctx, j.dedupKey)
		switch {
		case err != nil:
			// Better to risk handling a redelivery twice (the domain refuses
			// repeated changes) than to drop the user's action.
			l.log.Warn("dedup check failed; handling anyway", append(attrs, "err", err)...)
		case !first:
			outcome = "duplicate"
			l.ack(j, nil)
			return
		}
	}

	resp, err := l.o.Router.Dispatch(ctx, j.req)
	if err != nil {
		if msg, ok := UserMessage(err); ok {
			outcome = "refused"
			l.log.Info("request refused", append(attrs, "reason", msg)...)
			resp = &Response{Text: msg}
		} else if errors.Is(err, ErrNoRoute) {
			outcome = "unrouted"
			l.log.Warn("no handler", append(attrs, "route", routeOf(j.req))...)
			resp = &Response{Text: "Sorry, I don't know what to do with that (it may come from an older version of this message). Type `/release help` to see what I can do."}
		} else {
			outcome = "error"
			l.log.Error("handler failed", append(attrs, "err", err)...)
			l.forget(ctx, j)
			resp = apology(j)
		}
	}
	l.deliver(ctx, j, resp, err)
}

func (l *Listener) forget(ctx context.Context, j *job) {
	if l.o.Dedup == nil || j.dedupKey == "" {
		return
	}
	if err := l.o.Dedup.Forget(context.WithoutCancel(ctx), j.dedupKey); err != nil {
		l.log.Warn("could not forget failed delivery", "envelope_id", j.envelope, "err", err)
	}
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

func routeOf(r *Request) string {
	switch {
	case r.Route != "":
		return r.Route
	case r.Action != nil:
		return r.Action.ActionID
	case r.View != nil:
		return r.View.CallbackID
	}
	return r.EventType
}

// deliver shows resp to the user: in the ack if it has not gone yet,
// otherwise through response_url, views.update or an ephemeral message.
func (l *Listener) deliver(ctx context.Context, j *job, resp *Response, handlerErr error) {
	ctx = context.WithoutCancel(ctx)
	switch j.req.Kind {
	case KindCommand:
		if resp == nil {
			l.ack(j, nil)
			return
		}
		if l.ack(j, commandPayload(resp)) {
			return
		}
		l.respond(ctx, j, resp)
	case KindSubmission:
		l.deliverSubmission(ctx, j, resp, handlerErr)
	case KindAction:
		if resp == nil {
			return
		}
		if resp.View != nil && j.req.View != nil && resp.ViewAction == "update" {
			if err := l.o.API.UpdateView(ctx, j.req.View.ID, j.req.View.Hash, *resp.View); err != nil {
				l.log.Warn("update view", "envelope_id", j.envelope, "err", err)
			}
		}
		if resp.Text == "" && len(resp.Blocks) == 0 && !resp.DeleteOriginal {
			return
		}
		if j.req.ResponseURL != "" {
			l.respond(ctx, j, resp)
			return
		}
		l.notice(ctx, j, resp.NoticeChannel, resp)
	default:
		l.ack(j, nil)
	}
}

func (l *Listener) deliverSubmission(ctx context.Context, j *job, resp *Response, handlerErr error) {
	var payload any
	switch {
	case resp == nil:
	case handlerErr != nil && !isUserError(handlerErr):
		if block := firstInputBlock(j.req.View); block != "" {
			payload = map[string]any{"response_action": "errors", "errors": map[string]string{block: Unmarkdown(resp.Text)}}
		}
	case len(resp.Errors) > 0:
		plain := make(map[string]string, len(resp.Errors))
		for block, msg := range resp.Errors {
			plain[block] = Unmarkdown(msg)
		}
		payload = map[string]any{"response_action": "errors", "errors": plain}
	case resp.ViewAction == "clear":
		payload = map[string]any{"response_action": "clear"}
	case resp.ViewAction != "" && resp.View != nil:
		payload = map[string]any{"response_action": resp.ViewAction, "view": resp.View}
	}
	inTime := l.ack(j, payload)
	if resp == nil {
		return
	}
	switch {
	case handlerErr != nil && !isUserError(handlerErr) && payload != nil && inTime:
		return // the apology is shown in the modal
	case !inTime && len(resp.Errors) > 0:
		// The modal closed before the answer was ready: say what was wrong.
		text := "I couldn't save your form:"
		for _, msg := range resp.Errors {
			text += "\n• " + msg
		}
		l.notice(ctx, j, resp.NoticeChannel, &Response{Text: text + "\nPlease open it again and correct it."})
		return
	}
	if resp.Text != "" || len(resp.Blocks) > 0 {
		l.notice(ctx, j, resp.NoticeChannel, resp)
	}
}

func isUserError(err error) bool {
	_, ok := UserMessage(err)
	return ok
}

// notice shows resp ephemerally in channel, or in the user's DM.
func (l *Listener) notice(ctx context.Context, j *job, channel string, resp *Response) {
	msg := Message{Text: resp.Text, Blocks: resp.Blocks}
	var err error
	if channel != "" {
		err = l.o.API.PostEphemeral(ctx, channel, j.req.UserID, msg)
		if err == nil {
			return
		}
		l.log.Info("ephemeral notice failed; sending it by DM", "envelope_id", j.envelope, "err", err)
	}
	if _, _, err = l.o.API.PostMessage(ctx, j.req.UserID, "", msg); err != nil {
		l.log.Error("notice lost", "envelope_id", j.envelope, "err", err)
	}
}

func (l *Listener) respond(ctx context.Context, j *job, resp *Response) {
	if j.req.ResponseURL == "" {
		l.notice(ctx, j, j.req.ChannelID, resp)
		return
	}
	m := ResponseURLMessage{Text: resp.Text, Blocks: resp.Blocks, ReplaceOriginal: resp.ReplaceOriginal, DeleteOriginal: resp.DeleteOriginal, ResponseType: "ephemeral"}
	if resp.InChannel {
		m.ResponseType = "in_channel"
	}
	if err := l.o.API.Respond(ctx, j.req.ResponseURL, m); err != nil {
		l.log.Warn("response_url failed; sending the answer another way", "envelope_id", j.envelope, "err", err)
		l.notice(ctx, j, j.req.ChannelID, resp)
	}
}

func commandPayload(resp *Response) any {
	if resp == nil || (resp.Text == "" && len(resp.Blocks) == 0) {
		return nil
	}
	p := map[string]any{"text": Truncate(resp.Text, MaxMessageText), "response_type": "ephemeral"}
	if len(resp.Blocks) > 0 {
		p["blocks"] = resp.Blocks
	}
	if resp.InChannel {
		p["response_type"] = "in_channel"
	}
	return p
}

func firstInputBlock(v *slack.View) string {
	if v == nil {
		return ""
	}
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID != "" {
			return in.BlockID
		}
	}
	return ""
}

// parse builds a Request and the key that identifies the user action inside
// the envelope across redeliveries.
func parse(evt socketmode.Event) (*Request, string, error) {
	envelope := evt.Request.EnvelopeID
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return nil, "", errors.New("slash command payload of unexpected shape")
		}
		if cmd.UserID == "" {
			return nil, "", errors.New("slash command without a user")
		}
		return &Request{
			Kind: KindCommand, UserID: cmd.UserID, UserName: cmd.UserName, TeamID: cmd.TeamID,
			ChannelID: cmd.ChannelID, TriggerID: cmd.TriggerID, ResponseURL: cmd.ResponseURL,
			Command: cmd.Command, Text: cmd.Text,
		}, dedupKey("cmd", cmd.TriggerID, envelope), nil
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return nil, "", errors.New("interaction payload of unexpected shape")
		}
		return parseInteraction(cb, envelope)
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return nil, "", errors.New("events payload of unexpected shape")
		}
		req := &Request{Kind: KindEvent, TeamID: ev.TeamID, EventType: ev.InnerEvent.Type, Event: ev.InnerEvent.Data}
		if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			req.UserID, req.ChannelID = home.User, home.Channel
		}
		eventID := ""
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
			eventID = cb.EventID
		}
		return req, dedupKey("evt", eventID, envelope), nil
	}
	return nil, "", fmt.Errorf("envelope type %s not handled", evt.Type)
}

func parseInteraction(cb slack.InteractionCallback, envelope string) (*Request, string, error) {
	if cb.User.ID == "" {
		return nil, "", errors.New("interaction without a user")
	}
	req := &Request{
		UserID: cb.User.ID, UserName: cb.User.Name, TeamID: cb.Team.ID,
		ChannelID: cb.Channel.ID, TriggerID: cb.TriggerID, ResponseURL: cb.ResponseURL,
	}
	if req.ChannelID == "" {
		req.ChannelID = cb.Container.ChannelID
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, "", errors.New("block_actions without an action")
		}
		req.Kind = KindAction
		req.Action = cb.ActionCallback.BlockActions[0]
		req.MessageTS = cb.Container.MessageTs
		req.IsEphemeral = cb.Container.IsEphemeral
		if cb.Container.Type == "view" || cb.View.ID != "" {
			view := cb.View
			req.View = &view
		}
		if cb.Message.Timestamp != "" || cb.Message.Msg.Timestamp != "" {
			msg := cb.Message
			req.Message = &msg
		}
		return req, dedupKey("act", cb.TriggerID+"/"+req.Action.ActionTs, envelope), nil
	case slack.InteractionTypeViewSubmission:
		view := cb.View
		req.Kind, req.View = KindSubmission, &view
		return req, dedupKey("sub", cb.TriggerID, envelope), nil
	case slack.InteractionTypeViewClosed:
		view := cb.View
		req.Kind, req.View = KindViewClosed, &view
		return req, dedupKey("cls", view.ID, envelope), nil
	}
	return nil, "", fmt.Errorf("interaction type %q not handled", cb.Type)
}

func dedupKey(prefix, natural, envelope string) string {
	if natural == "" || natural == "/" {
		return "env:" + envelope
	}
	return prefix + ":" + natural
}

// slogWriter routes slack-go's own log lines into slog at debug level.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("slack-go", "msg", string(p))
	return len(p), nil
}
