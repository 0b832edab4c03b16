package delivery

import (
	"context"

	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

// Kind is one kind of outbox message. Its file says everything about it:
// its name and ordering (Spec), the keys of its messages (the functions
// that make them), and how it renders when it is sent, which is also where
// it says it is no longer relevant (Delivery.Drop) or must wait for the
// message it belongs to (Delivery.Wait).
type Kind interface {
	Spec() storage.KindSpec
	Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error)
}

// kinds is every kind, registered once. Adding a kind is a file with its
// type and a line here.
var kinds = registry(
	announcementKind{},
	announcementUpdateKind{},
	threadNoteKind{},
	notificationKind{},
	directKind{},
	approvalRequestKind{},
	approvalDMUpdateKind{},
	roundProgressKind{},
	progressUpdateKind{},
	reminderKind{},
	overdueKind{},
	nudgeKind{},
	escalationKind{},
	digestKind{},
	adminAlertKind{},
	surveyRequestKind{},
	surveyUpdateKind{},
	surveyCloseKind{},
	surveyReminderKind{},
	adoptionFollowUpKind{},
	surveySummaryKind{},
	reviewNoteKind{},
	reviewReminderKind{},
	actionDueKind{},
)

func registry(all ...Kind) map[string]Kind {
	out := make(map[string]Kind, len(all))
	for _, k := range all {
		name := k.Spec().Name
		if _, dup := out[name]; dup {
			panic("delivery: outbox kind " + name + " registered twice")
		}
		out[name] = k
	}
	return out
}

// Specs are the kinds as the outbox queue needs to know them
// (storage.Store.RegisterOutboxKinds).
func Specs() []storage.KindSpec {
	out := make([]storage.KindSpec, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k.Spec())
	}
	return out
}

// reminderKinds are dropped when a release moves or ends.
var reminderKinds = []string{reminderName, overdueName, nudgeName, escalationName}
