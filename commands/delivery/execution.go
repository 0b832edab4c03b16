package delivery

import (
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// The execution events: a readiness check's result, an incident or a
// hotfix linked to a release. They change no status, so they do not bump
// the revision; their thread lines are keyed by what they record.
const (
	EvCheck    Event = "check"
	EvIncident Event = "incident"
	EvHotfix   Event = "hotfix"
)

// ThreadLine enqueues line (mrkdwn) in r's thread under a key unique to
// what it records (ref: a check's result, an incident's or hotfix's id).
func ThreadLine(tx *storage.Tx, r *storage.Release, ev Event, ref, line string) error {
	_, err := tx.Enqueue(&storage.OutboxMessage{
		Key: fmt.Sprintf("thread:%d:%s:%s", r.ID, ev, ref), Kind: threadNoteName, ReleaseID: ptr(r.ID),
		Op: storage.OpThread, Payload: bot.MustJSON(bot.Message{Text: line}),
	})
	return err
}

// UpdateAnnouncementFor updates r's announcement after a change that
// keeps its revision (a check's result): ref makes the key unique.
func UpdateAnnouncementFor(tx *storage.Tx, r *storage.Release, ev Event, ref string) error {
	_, err := tx.Enqueue(update(announcementUpdateName, fmt.Sprintf("announce-%s:%d:%s", ev, r.ID, ref), r.ID, nil))
	return err
}
