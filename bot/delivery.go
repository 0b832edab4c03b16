package bot

import (
	"context"
	"strings"
	"sync/atomic"
)

// Delivery is the user action a request carries, handed to the handler so
// that its change records the action in the change's own transaction
// (commands/internal/kit.InTx): the record and the change commit together
// or not at all, without a commit of their own.
type Delivery struct {
	key      string
	recorded atomic.Bool
}

type deliveryCtx struct{}

// Key identifies the user action across redeliveries of its envelope.
func (d *Delivery) Key() string { return d.key }

// Recorded reports whether a committed transaction recorded the action.
func (d *Delivery) Recorded() bool { return d.recorded.Load() }

// MarkRecorded says a transaction that recorded the action committed.
func (d *Delivery) MarkRecorded() { d.recorded.Store(true) }

// DeliveryFrom is the user action the request being handled carries, nil
// outside a request or for one that needs no record.
func DeliveryFrom(ctx context.Context) *Delivery {
	d, _ := ctx.Value(deliveryCtx{}).(*Delivery)
	return d
}

// WithDelivery hands key to the handlers run with the returned context.
func WithDelivery(ctx context.Context, key string) (context.Context, *Delivery) {
	d := &Delivery{key: key}
	return context.WithValue(ctx, deliveryCtx{}, d), d
}

// ReadOnly reports whether req only reads: /release help and the
// subcommands registered ReadOnly. Their redelivery simply answers again,
// so they keep no delivery record.
func (r *Router) ReadOnly(req *Request) bool {
	if req.Kind != KindCommand || !strings.EqualFold(req.Command, r.command) {
		return false
	}
	words := strings.Fields(req.Text)
	if len(words) == 0 || strings.EqualFold(words[0], "help") {
		return true
	}
	for n := min(2, len(words)); n >= 1; n-- {
		if s, ok := r.byName[strings.ToLower(strings.Join(words[:n], " "))]; ok {
			return s.ReadOnly
		}
	}
	return false
}
