package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var quiet = slog.New(slog.DiscardHandler)

// metricValue reads a counter's value or a histogram's sample count from
// reg; -1 when the series does not exist.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue series
				}
			}
			if m.GetHistogram() != nil {
				return float64(m.GetHistogram().GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return -1
}

func TestChainRunsTheFirstMiddlewareOutermost(t *testing.T) {
	var trace []string
	mark := func(name string) Middleware {
		return func(next Handler) Handler {
			return func(ctx context.Context, req *Request) (*Response, error) {
				trace = append(trace, name+">")
				resp, err := next(ctx, req)
				trace = append(trace, "<"+name)
				return resp, err
			}
		}
	}
	h := Chain(func(context.Context, *Request) (*Response, error) {
		trace = append(trace, "handler")
		return nil, nil
	}, mark("a"), mark("b"))
	if _, err := h(context.Background(), &Request{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(trace, " "); got != "a> b> handler <b <a" {
		t.Fatalf("order: %s", got)
	}
}

func TestOutcome(t *testing.T) {
	for err, want := range map[error]string{
		nil:                                    OutcomeOK,
		ErrDuplicate:                           OutcomeDuplicate,
		Userf("no"):                            OutcomeRefused,
		fmt.Errorf("approve: %w", Userf("no")): OutcomeRefused,
		ErrNoRoute:                             OutcomeUnrouted,
		fmt.Errorf("%w: boom", ErrPanic):       OutcomePanic,
		errors.New("database is locked"):       OutcomeError,
	} {
		if got := Outcome(err); got != want {
			t.Errorf("Outcome(%v) = %s, want %s", err, got, want)
		}
	}
}

func TestRecoverTurnsAPanicIntoAnError(t *testing.T) {
	var log logBuffer
	h := Recover(slog.New(slog.NewTextHandler(&log, nil)))(func(context.Context, *Request) (*Response, error) {
		panic("kaboom-7")
	})
	resp, err := h(context.Background(), &Request{Kind: KindCommand, EnvelopeID: "env-42", Route: "explode"})
	if resp != nil || !errors.Is(err, ErrPanic) {
		t.Fatalf("got %v, %v; want ErrPanic", resp, err)
	}
	mustContain(t, log.String(), "handler panicked", "envelope_id=env-42", "kaboom-7", "middleware_test.go")

	// A handler that does not panic passes through untouched.
	h = Recover(quiet)(echo("calm"))
	if resp, err := h(context.Background(), &Request{Route: "r", Args: "a"}); err != nil || resp.Text != "calm|r|a" {
		t.Fatalf("got %v, %v", resp, err)
	}
}

// failingDeduper fails every check, like a database that is down.
type failingDeduper struct{}

func (failingDeduper) FirstDelivery(context.Context, string) (bool, error) {
	return false, errors.New("connection refused")
}

func (failingDeduper) Delivered(context.Context, string) (bool, error) {
	return false, errors.New("connection refused")
}

func TestDedup(t *testing.T) {
	ctx := context.Background()
	runs := 0
	result := func(err error) Handler {
		return func(context.Context, *Request) (*Response, error) {
			runs++
			if err != nil {
				return nil, err
			}
			return Reply("done"), nil
		}
	}
	panics := func(context.Context, *Request) (*Response, error) { runs++; panic("boom") }

	cases := []struct {
		name        string
		handler     Handler
		keyKept     bool // after the first delivery
		secondRuns  bool // whether a redelivery runs the handler again
		firstResult string
	}{
		{"success", result(nil), true, false, OutcomeOK},
		{"refusal", result(Userf("no")), true, false, OutcomeRefused},
		{"unrouted", result(ErrNoRoute), true, false, OutcomeUnrouted},
		{"failure", result(errors.New("deadlock")), false, true, OutcomeError},
		{"panic", panics, false, true, OutcomePanic},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &memDeduper{}
			runs = 0
			h := Chain(c.handler, Recover(quiet), Dedup(d, nil, quiet))
			req := &Request{Kind: KindCommand, DeliveryKey: "cmd:trigger-1"}
			if _, err := h(ctx, req); Outcome(err) != c.firstResult {
				t.Fatalf("first delivery: %v", err)
			}
			if d.has(req.DeliveryKey) != c.keyKept {
				t.Fatalf("key kept = %v, want %v", d.has(req.DeliveryKey), c.keyKept)
			}
			_, err := h(ctx, req)
			if again := runs == 2; again != c.secondRuns {
				t.Fatalf("redelivery ran the handler: %v, want %v (err %v)", again, c.secondRuns, err)
			}
			if !c.secondRuns && !errors.Is(err, ErrDuplicate) {
				t.Fatalf("redelivery: %v, want ErrDuplicate", err)
			}
		})
	}

	t.Run("no key", func(t *testing.T) {
		runs = 0
		h := Dedup(&memDeduper{}, nil, quiet)(result(nil))
		for range 2 {
			if _, err := h(ctx, &Request{Kind: KindEvent}); err != nil {
				t.Fatal(err)
			}
		}
		if runs != 2 {
			t.Fatalf("runs %d", runs)
		}
	})
	t.Run("store down", func(t *testing.T) {
		runs = 0
		var log logBuffer
		h := Dedup(failingDeduper{}, nil, slog.New(slog.NewTextHandler(&log, nil)))(result(nil))
		if resp, err := h(ctx, &Request{Kind: KindCommand, DeliveryKey: "cmd:t"}); err != nil || resp.Text != "done" || runs != 1 {
			t.Fatalf("got %v, %v after %d runs; the action must be handled anyway", resp, err, runs)
		}
		mustContain(t, log.String(), "dedup check failed; handling anyway", "connection refused")
	})
	t.Run("read only", func(t *testing.T) {
		runs = 0
		d := &memDeduper{}
		h := Dedup(d, func(*Request) bool { return true }, quiet)(result(nil))
		for range 2 {
			if _, err := h(ctx, &Request{Kind: KindCommand, DeliveryKey: "cmd:help"}); err != nil {
				t.Fatal(err)
			}
		}
		if runs != 2 || d.has("cmd:help") {
			t.Fatalf("runs %d, recorded %v: a read-only command is answered again and keeps no record", runs, d.has("cmd:help"))
		}
	})
	t.Run("recorded by the handler's transaction", func(t *testing.T) {
		d := &memDeduper{}
		var got string
		h := Dedup(d, nil, quiet)(func(ctx context.Context, _ *Request) (*Response, error) {
			claim := DeliveryFrom(ctx)
			got = claim.Key()
			claim.MarkRecorded() // what commands/internal/kit.InTx does after its commit
			return Reply("done"), nil
		})
		if _, err := h(ctx, &Request{Kind: KindCommand, DeliveryKey: "cmd:tx"}); err != nil || got != "cmd:tx" {
			t.Fatalf("handler saw key %q, err %v", got, err)
		}
		if d.has("cmd:tx") {
			t.Fatal("recorded a second time outside the handler's transaction")
		}
	})
	t.Run("no deduper", func(t *testing.T) {
		runs = 0
		h := Dedup(nil, nil, quiet)(result(nil))
		for range 2 {
			if _, err := h(ctx, &Request{Kind: KindCommand, DeliveryKey: "cmd:t"}); err != nil {
				t.Fatal(err)
			}
		}
		if runs != 2 {
			t.Fatalf("runs %d", runs)
		}
	})
}

func TestInstrumentCountsOutcomesAndTimesHandlers(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var log logBuffer
	instrument := Instrument(m, slog.New(slog.NewTextHandler(&log, nil)))
	ctx := context.Background()
	for _, c := range []struct {
		kind Kind
		err  error
	}{
		{KindCommand, nil}, {KindCommand, nil}, {KindCommand, Userf("no")},
		{KindAction, ErrDuplicate}, {KindSubmission, errors.New("x")}, {KindEvent, nil},
	} {
		h := instrument(func(context.Context, *Request) (*Response, error) { return nil, c.err })
		if _, err := h(ctx, &Request{Kind: c.kind, EnvelopeID: "e", Route: "new"}); !errors.Is(err, c.err) {
			t.Fatalf("the error must pass through: %v", err)
		}
	}
	for _, c := range []struct {
		typ, outcome string
		want         float64
	}{
		{"slash_commands", "ok", 2}, {"slash_commands", "refused", 1}, {"interactive", "duplicate", 1},
		{"interactive", "error", 1}, {"events_api", "ok", 1}, {"events_api", "error", 0},
	} {
		if got := metricValue(t, reg, "releasebot_envelopes_total", map[string]string{"type": c.typ, "outcome": c.outcome}); got != c.want {
			t.Errorf("envelopes %s/%s = %v, want %v", c.typ, c.outcome, got, c.want)
		}
	}
	for typ, want := range map[string]float64{"slash_commands": 3, "interactive": 2, "events_api": 1} {
		if got := metricValue(t, reg, "releasebot_handler_duration_seconds", map[string]string{"type": typ}); got != want {
			t.Errorf("handler durations of %s: %v, want %v", typ, got, want)
		}
	}
	logs := log.String()
	if n := strings.Count(logs, `msg="envelope handled"`); n != 6 {
		t.Errorf("%d lines for 6 requests:\n%s", n, logs)
	}
	mustContain(t, logs, "outcome=refused", "route=new", "duration_ms=")
	if strings.Contains(logs, " duration=") {
		t.Errorf("durations are logged in milliseconds:\n%s", logs)
	}
}
