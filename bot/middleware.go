package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Middleware wraps a Handler with one concern (deduplication, metrics,
// panic recovery), so that each can be tested alone and handlers stay
// about their capability.
type Middleware func(Handler) Handler

// Chain wraps h in mws; the first middleware is the outermost, the one
// that sees the request first and the result last.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// ErrDuplicate means the request is a redelivery of a user action that was
// already handled; the transport acknowledges it and shows nothing.
var ErrDuplicate = errors.New("user action already handled")

// ErrPanic is wrapped by the error Recover returns for a handler that
// panicked.
var ErrPanic = errors.New("handler panicked")

// Outcomes of a request, as counted in releasebot_envelopes_total and
// logged on "envelope handled".
const (
	OutcomeOK        = "ok"
	OutcomeRefused   = "refused"
	OutcomeUnrouted  = "unrouted"
	OutcomeDuplicate = "duplicate"
	OutcomeError     = "error"
	OutcomePanic     = "panic"
)

// Outcome classifies what a handler chain returned.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, ErrDuplicate):
		return OutcomeDuplicate
	case isUserError(err):
		return OutcomeRefused
	case errors.Is(err, ErrNoRoute):
		return OutcomeUnrouted
	case errors.Is(err, ErrPanic):
		return OutcomePanic
	}
	return OutcomeError
}

// failed reports whether err means the action did not happen, so that a
// redelivery should be allowed to try again. A refusal or a missing route
// would only be refused again.
func failed(err error) bool {
	switch Outcome(err) {
	case OutcomeError, OutcomePanic:
		return true
	}
	return false
}

// Recover turns a panic in the handlers it wraps into an error wrapping
// ErrPanic, logged with its stack, so that one bad request neither stops
// the bot nor leaves its user without an answer.
func Recover(log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, req *Request) (resp *Response, err error) {
			defer func() {
				if p := recover(); p != nil {
					log.ErrorContext(ctx, "handler panicked", append(requestAttrs(req),
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))...)
					resp, err = nil, fmt.Errorf("%w: %v", ErrPanic, p)
				}
			}()
			return next(ctx, req)
		}
	}
}

// Deduper remembers which deliveries were handled, across replicas, so a
// redelivered envelope changes nothing the second time.
type Deduper interface {
	// Delivered reports whether key was recorded.
	Delivered(ctx context.Context, key string) (bool, error)
	// FirstDelivery records key and reports whether it was not seen before.
	FirstDelivery(ctx context.Context, key string) (bool, error)
}

// Dedup keeps a redelivered envelope from changing anything the second
// time (ErrDuplicate). A delivery already recorded is refused at once.
// Otherwise the handler gets the action's key (DeliveryFrom): a change
// records it in its own transaction, so that the record and the change
// commit together, and a redelivery that races the first delivery waits
// for that transaction and is then refused. A handler that succeeded
// without such a transaction has its key recorded afterwards. A handler
// that fails or panics leaves no record, so that a redelivery can retry;
// readOnly requests (nil: none) keep none either, since answering them
// again changes nothing. Without a Deduper or a key it passes requests
// through.
func Dedup(d Deduper, readOnly func(*Request) bool, log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		if d == nil {
			return next
		}
		return func(ctx context.Context, req *Request) (*Response, error) {
			if req.DeliveryKey == "" || readOnly != nil && readOnly(req) {
				return next(ctx, req)
			}
			ctx, claim := WithDelivery(ctx, req.DeliveryKey)
			seen, err := d.Delivered(ctx, req.DeliveryKey)
			switch {
			case err != nil:
				// Better to risk handling a redelivery twice (the domain
				// refuses repeated changes) than to drop the user's action.
				log.WarnContext(ctx, "dedup check failed; handling anyway", append(requestAttrs(req), "err", err)...)
			case seen:
				return nil, ErrDuplicate
			}
			resp, err := next(ctx, req)
			if claim.Recorded() || failed(err) || errors.Is(err, ErrDuplicate) {
				return resp, err
			}
			if _, rerr := d.FirstDelivery(context.WithoutCancel(ctx), req.DeliveryKey); rerr != nil {
				log.WarnContext(ctx, "could not record a handled delivery", append(requestAttrs(req), "err", rerr)...)
			}
			return resp, err
		}
	}
}

// Instrument counts every request by envelope type and outcome, times its
// handler, and logs one "envelope handled" line. m may be nil.
func Instrument(m *Metrics, log *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, req *Request) (*Response, error) {
			start := time.Now()
			resp, err := next(ctx, req)
			took := time.Since(start)
			outcome := Outcome(err)
			if m != nil {
				m.Envelopes.WithLabelValues(req.Kind.EnvelopeType(), outcome).Inc()
				m.HandlerDuration.WithLabelValues(req.Kind.EnvelopeType()).Observe(took.Seconds())
			}
			attrs := append(requestAttrs(req), "route", routeOf(req), "outcome", outcome, "duration_ms", took.Milliseconds())
			if !req.Received.IsZero() {
				// Time spent waiting for a worker, which the ack budget includes.
				attrs = append(attrs, "queued_ms", start.Sub(req.Received).Milliseconds())
			}
			log.InfoContext(ctx, "envelope handled", attrs...)
			return resp, err
		}
	}
}

// requestAttrs identify a request in the log without anything its user
// typed: ids only.
func requestAttrs(req *Request) []any {
	return []any{"envelope_id", req.EnvelopeID, "type", req.Kind.EnvelopeType(), "user", req.UserID}
}

func routeOf(r *Request) string {
	switch {
	case r.Route != "":
		return r.Route
	case r.Action != nil:
		return actionRoute(r.Action.ActionID)
	case r.View != nil:
		return r.View.CallbackID
	}
	return r.EventType
}
