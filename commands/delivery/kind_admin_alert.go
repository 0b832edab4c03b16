package delivery

import (
	"context"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const adminAlertName = "admin_alert"

// adminAlertKind tells an admin that a destination refuses messages. The
// delivery loop writes these (Resolver.AlertKind names them) and never
// alerts about an alert.
type adminAlertKind struct{}

func (adminAlertKind) Spec() storage.KindSpec { return storage.KindSpec{Name: adminAlertName} }

func (adminAlertKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	return rs.plain(ctx, m, r)
}
