package delivery

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

const threadNoteName = "thread_note"

// threadNoteKind is a line in the release's thread about a change. Lines
// go out in order, after the announcement.
type threadNoteKind struct{}

func (threadNoteKind) Spec() storage.KindSpec {
	return storage.KindSpec{Name: threadNoteName, Ordering: storage.PerDestination}
}

// threadNote is the thread's line about a change of r.
func threadNote(r *storage.Release, ev Event, line string) *storage.OutboxMessage {
	return &storage.OutboxMessage{
		Key: fmt.Sprintf("thread:%d:%d:%s", r.ID, r.Revision, ev), Kind: threadNoteName, ReleaseID: ptr(r.ID),
		Op: storage.OpThread, Payload: bot.MustJSON(bot.Message{Text: line}),
	}
}

func (threadNoteKind) Render(ctx context.Context, rs *Resolver, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if r.AnnouncementTS == "" {
		return rs.waitForAnnouncement(ctx, r.ID)
	}
	msg, err := bot.DecodeMessage(m.Payload)
	return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, err
}
