package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

// notYetPosted is how long a message waits for the thread or message it
// belongs to before it is tried again.
const notYetPosted = 2 * time.Second

// justPosted is how long a message waits when what it needs was posted
// while it was being prepared.
const justPosted = 10 * time.Millisecond

// Resolver renders outbox messages when they are delivered, from the state
// at that moment, so an update can never show something older than what
// it replaces. Each kind renders its own messages; the resolver gives them
// what they share.
type Resolver struct {
	d *kit.Deps

	mu    sync.Mutex
	links map[int64]string // release → announcement permalink
}

// NewResolver returns the outbox's renderer.
func NewResolver(d *kit.Deps) *Resolver { return &Resolver{d: d, links: map[int64]string{}} }

var _ reminders.Resolver = (*Resolver)(nil)

// Resolve implements reminders.Resolver: the message's kind renders it.
func (rs *Resolver) Resolve(ctx context.Context, m *storage.OutboxMessage) (reminders.Delivery, error) {
	var r *storage.Release
	if m.ReleaseID != nil {
		var err error
		if r, err = rs.d.Store.Release(ctx, *m.ReleaseID); err != nil {
			return reminders.Delivery{}, err
		}
	}
	if k, ok := kinds[m.Kind]; ok {
		return k.Render(ctx, rs, m, r)
	}
	return rs.plain(ctx, m, r)
}

// AlertKind implements reminders.Resolver: the kind of the admins' alerts
// about a destination that refuses messages.
func (rs *Resolver) AlertKind() string { return adminAlertName }

// plain sends a message as it was stored: to its destination, or into the
// release's thread.
func (rs *Resolver) plain(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	msg, err := bot.DecodeMessage(m.Payload)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if m.Op == storage.OpThread {
		if r == nil || r.AnnouncementTS == "" {
			return rs.waitForAnnouncement(ctx, *m.ReleaseID)
		}
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
}

// waitForAnnouncement makes a message wait for the release's announcement.
func (rs *Resolver) waitForAnnouncement(ctx context.Context, releaseID int64) (reminders.Delivery, error) {
	return rs.waitFor(ctx, releaseID, announcementName, "announcement")
}

// waitFor makes a message wait while the message it needs is still on its
// way, and drops it when that one will never arrive.
func (rs *Resolver) waitFor(ctx context.Context, releaseID int64, kind, what string) (reminders.Delivery, error) {
	msgs, err := rs.d.Store.OutboxMessages(ctx, releaseID, kind)
	if err != nil {
		return reminders.Delivery{}, err
	}
	for _, m := range msgs {
		switch m.Status {
		case storage.OutboxPending, storage.OutboxSending:
			return reminders.Delivery{Wait: notYetPosted, Message: bot.Message{Text: what + " not posted yet"}}, nil
		case storage.OutboxSent:
			// Posted between reading the release and reading the outbox:
			// try again at once with the fresh state.
			return reminders.Delivery{Wait: justPosted, Message: bot.Message{Text: what + " just posted"}}, nil
		}
	}
	return reminders.Delivery{Drop: "the " + what + " it belongs to could not be posted"}, nil
}

// waitForRef is waitFor for the one message of kind about the row ref (an
// approver's request, a round's progress line).
func (rs *Resolver) waitForRef(ctx context.Context, releaseID int64, kind string, ref int64) (reminders.Delivery, error) {
	msgs, err := rs.d.Store.OutboxMessages(ctx, releaseID, kind)
	if err != nil {
		return reminders.Delivery{}, err
	}
	for _, m := range msgs {
		if m.RefID == nil || *m.RefID != ref {
			continue
		}
		switch m.Status {
		case storage.OutboxPending, storage.OutboxSending:
			return reminders.Delivery{Wait: notYetPosted, Message: bot.Message{Text: "request not sent yet"}}, nil
		case storage.OutboxSent:
			return reminders.Delivery{Wait: justPosted, Message: bot.Message{Text: "request just sent"}}, nil
		}
	}
	return reminders.Delivery{Drop: "the request it updates was never sent"}, nil
}

func (rs *Resolver) threadLink(ctx context.Context, r *storage.Release) string {
	rs.mu.Lock()
	link, ok := rs.links[r.ID]
	rs.mu.Unlock()
	if !ok && r.AnnouncementTS != "" {
		l, err := rs.d.API.Permalink(ctx, r.Channel, r.AnnouncementTS)
		if err == nil {
			link = l
			rs.mu.Lock()
			rs.links[r.ID] = l
			rs.mu.Unlock()
		}
	}
	return threadLinkText(r, link)
}

// announcement is the release's announcement as it stands now: its card,
// the approval progress, and the buttons while a round is open.
func (rs *Resolver) announcement(ctx context.Context, r *storage.Release) (bot.Message, error) {
	round, err := rs.d.Store.LatestRound(ctx, r.ID)
	if err != nil {
		return bot.Message{}, err
	}
	progress := ""
	if round != nil {
		progress = fmt.Sprintf("approval: %s", kit.ProgressText(round))
	}
	if release.Status(r.Status) != release.StatusPlanned || round == nil || !kit.RoundCurrent(round, r) {
		round = nil
	}
	notPassed, err := rs.checksNotPassed(ctx, r)
	if err != nil {
		return bot.Message{}, err
	}
	return announcementWithButtons(r, progress, round, notPassed...), nil
}

// checksNotPassed lists the readiness checks r's policy requires that
// have not passed yet, for their Mark passed buttons.
func (rs *Resolver) checksNotPassed(ctx context.Context, r *storage.Release) ([]string, error) {
	if release.Status(r.Status) != release.StatusApproved {
		return nil, nil
	}
	required, err := rs.d.Store.RequiredChecks(ctx, r)
	if err != nil || len(required) == 0 {
		return nil, err
	}
	checks, err := rs.d.Store.Checks(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	passed := map[string]bool{}
	for _, c := range checks {
		passed[c.Name] = c.Status == string(release.CheckPassed)
	}
	var out []string
	for _, name := range required {
		if !passed[name] {
			out = append(out, name)
		}
	}
	return out, nil
}

// approvalTarget reads the approver row and round a request is about.
func (rs *Resolver) approvalTarget(ctx context.Context, m *storage.OutboxMessage) (*storage.RoundApprover, *storage.ApprovalRound, error) {
	ra, err := rs.d.Store.RoundApprover(ctx, *m.RefID)
	if err != nil {
		return nil, nil, err
	}
	round, err := rs.d.Store.Round(ctx, ra.RoundID)
	return ra, round, err
}

// progressRound reads the round a progress message is about, once the
// announcement whose thread holds the line is posted; until then wait
// says what to do instead.
func (rs *Resolver) progressRound(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) (*storage.ApprovalRound, *reminders.Delivery, error) {
	if m.RefID == nil {
		return nil, &reminders.Delivery{Drop: "progress message without round"}, nil
	}
	round, err := rs.d.Store.Round(ctx, *m.RefID)
	if err != nil {
		return nil, nil, err
	}
	if r.AnnouncementTS == "" {
		d, err := rs.waitForAnnouncement(ctx, r.ID)
		return nil, &d, err
	}
	return round, nil, nil
}

func deref(d *reminders.Delivery) reminders.Delivery {
	if d == nil {
		return reminders.Delivery{}
	}
	return *d
}

// update is a message that updates one Slack message: its kind, its key,
// and the row (approver, round) it shows when there is one.
func update(kind, key string, releaseID int64, ref *int64) *storage.OutboxMessage {
	return &storage.OutboxMessage{Key: key, Kind: kind, ReleaseID: ptr(releaseID), RefID: ref, Op: storage.OpUpdate}
}

func mustText(payload string) string {
	m, err := bot.DecodeMessage(payload)
	if err != nil {
		return ""
	}
	return m.Text
}

func ptr(id int64) *int64 { return &id }
