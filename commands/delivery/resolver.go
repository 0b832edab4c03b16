package delivery

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

// notYetPosted is how long a message waits for the thread or message it
// belongs to before it is tried again.
const notYetPosted = 2 * time.Second

// Resolver renders outbox messages when they are delivered, from the state
// at that moment, so an update can never show something older than what
// it replaces.
type Resolver struct {
	d *kit.Deps

	mu    sync.Mutex
	links map[int64]string // release → announcement permalink
}

// NewResolver returns the outbox's renderer.
func NewResolver(d *kit.Deps) *Resolver { return &Resolver{d: d, links: map[int64]string{}} }

var _ reminders.Resolver = (*Resolver)(nil)

// Resolve implements reminders.Resolver.
func (rs *Resolver) Resolve(ctx context.Context, m *storage.OutboxMessage) (reminders.Delivery, error) {
	var r *storage.Release
	if m.ReleaseID != nil {
		var err error
		if r, err = rs.d.Store.Release(ctx, *m.ReleaseID); err != nil {
			return reminders.Delivery{}, err
		}
	}
	stored := func() (bot.Message, error) { return bot.DecodeMessage(m.Payload) }
	switch m.Kind {
	case KindAnnouncement:
		progress, err := rs.progress(ctx, r)
		if err != nil {
			return reminders.Delivery{}, err
		}
		return reminders.Delivery{Channel: r.Channel, Message: withDecision(kit.Announcement(r, progress), r, rs.roundForButtons(ctx, r))}, nil
	case KindAnnouncementUpdate:
		if r.AnnouncementTS == "" {
			return rs.waitFor(ctx, r.ID, KindAnnouncement, "announcement")
		}
		progress, err := rs.progress(ctx, r)
		if err != nil {
			return reminders.Delivery{}, err
		}
		return reminders.Delivery{Channel: r.Channel, TargetTS: r.AnnouncementTS, Message: withDecision(kit.Announcement(r, progress), r, rs.roundForButtons(ctx, r))}, nil
	case KindThread:
		if r.AnnouncementTS == "" {
			return rs.waitFor(ctx, r.ID, KindAnnouncement, "announcement")
		}
		msg, err := stored()
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, err
	case KindNotification:
		msg, err := stored()
		if err != nil {
			return reminders.Delivery{}, err
		}
		if r != nil && r.AnnouncementTS == "" {
			if d, err := rs.waitFor(ctx, r.ID, KindAnnouncement, "announcement"); err != nil || d.Wait > 0 {
				return d, err
			}
		}
		if r != nil {
			msg.Blocks = append(msg.Blocks, bot.Context(rs.threadLink(ctx, r)))
		}
		return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
	case KindApprovalRequest, KindApprovalDMUpdate:
		return rs.approvalDM(ctx, m, r)
	case KindRoundProgress, KindProgressUpdate:
		return rs.roundProgress(ctx, m, r)
	case KindReminder:
		return rs.reminder(ctx, m, r)
	case KindOverdue:
		return rs.overdue(m, r)
	case KindNudge, KindEscalation:
		if why := rs.stillWaiting(ctx, m, r); why != "" {
			return reminders.Delivery{Drop: why}, nil
		}
	}
	// Plain messages: admin alerts, direct notes, nudges, digests.
	msg, err := stored()
	if err != nil {
		return reminders.Delivery{}, err
	}
	if m.Op == storage.OpThread {
		if r == nil || r.AnnouncementTS == "" {
			return rs.waitFor(ctx, *m.ReleaseID, KindAnnouncement, "announcement")
		}
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
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

// justPosted is how long a message waits when what it needs was posted
// while it was being prepared.
const justPosted = 10 * time.Millisecond

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
	if link == "" {
		return "Discussion in " + bot.ChannelLink(r.Channel)
	}
	return fmt.Sprintf("<%s|Open the release thread> in %s", link, bot.ChannelLink(r.Channel))
}

func (rs *Resolver) progress(ctx context.Context, r *storage.Release) (string, error) {
	round, err := rs.d.Store.LatestRound(ctx, r.ID)
	if err != nil || round == nil {
		return "", err
	}
	return fmt.Sprintf("approval: %s", kit.ProgressText(round)), nil
}

// roundForButtons is the open round whose buttons the announcement shows.
func (rs *Resolver) roundForButtons(ctx context.Context, r *storage.Release) *storage.ApprovalRound {
	if release.Status(r.Status) != release.StatusPlanned {
		return nil
	}
	round, err := rs.d.Store.LatestRound(ctx, r.ID)
	if err != nil || round == nil || !kit.RoundCurrent(round, r) {
		return nil
	}
	return round
}

// withDecision adds the Approve/Reject buttons to the announcement while a
// round is open, so approvers can decide from the channel too.
func withDecision(msg bot.Message, r *storage.Release, round *storage.ApprovalRound) bot.Message {
	if round != nil {
		msg.Blocks = append(msg.Blocks, kit.DecisionButtons(round.ID, "-channel"))
	}
	return msg
}

// approvalDM renders one approver's request as it stands now.
func (rs *Resolver) approvalDM(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if m.RefID == nil {
		return reminders.Delivery{Drop: "approval message without approver"}, nil
	}
	ra, err := rs.d.Store.RoundApprover(ctx, *m.RefID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	round, err := rs.d.Store.Round(ctx, ra.RoundID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	msg := ApprovalRequest(r, round, ra.UserID)
	if m.Kind == KindApprovalRequest {
		if round.Status != storage.RoundOpen {
			return reminders.Delivery{Drop: "the round closed before the request went out"}, nil
		}
		return reminders.Delivery{Channel: ra.UserID, Message: msg}, nil
	}
	if ra.DMTS == "" {
		d, err := rs.waitForRef(ctx, r.ID, KindApprovalRequest, ra.ID)
		return d, err
	}
	return reminders.Delivery{Channel: ra.DMChannel, TargetTS: ra.DMTS, Message: msg}, nil
}

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

// approvalRequest is the DM an approver gets, in the state it is in now:
// with the buttons while the round waits for this approver, otherwise with
// what happened (their own decision first, then why no decision is needed).
func ApprovalRequest(r *storage.Release, round *storage.ApprovalRound, approver string) bot.Message {
	blocks := []slack.Block{bot.Section(fmt.Sprintf(":raised_hand: %s asks for your approval of %s → %s.", bot.Mention(r.OwnerID), kit.Name(r), bot.Escape(r.Environment)))}
	blocks = append(blocks, kit.Card(r, kit.ProgressText(round))...)
	var decision *storage.ApprovalDecision
	for i := range round.Decisions {
		if round.Decisions[i].ApproverID == approver {
			decision = &round.Decisions[i]
		}
	}
	text := fmt.Sprintf("Approval requested: %s", kit.CardText(r))
	var lines []string
	switch {
	case decision != nil && decision.Decision == "approve":
		lines = append(lines, fmt.Sprintf(":white_check_mark: You approved this %s.", bot.Date(decision.DecidedAt, "{date_short_pretty} at {time}")))
		text = "You approved " + kit.PlainName(r)
	case decision != nil:
		lines = append(lines, fmt.Sprintf(":no_entry: You rejected this %s: “%s”", bot.Date(decision.DecidedAt, "{date_short_pretty} at {time}"), bot.Escape(decision.Reason)))
		text = "You rejected " + kit.PlainName(r)
	}
	outdated := func() {
		why := "the release changed since; if it still needs you, a new request follows"
		if release.Status(r.Status) == release.StatusCancelled {
			why = "the release was cancelled"
		}
		lines = append(lines, ":hourglass: This request is outdated: "+why+".")
		if decision == nil {
			text = "Outdated approval request for " + kit.PlainName(r)
		}
	}
	switch {
	case round.Status == storage.RoundOpen && !kit.RoundCurrent(round, r):
		outdated()
	case round.Status == storage.RoundOpen:
		if decision == nil {
			blocks = append(blocks, kit.DecisionButtons(round.ID, ""))
		}
	case round.Status == storage.RoundApproved:
		if decision == nil {
			lines = append(lines, ":white_check_mark: No decision needed any more: the others approved it.")
			text = kit.PlainName(r) + " was approved; no decision needed"
		} else if decision.Decision == "approve" {
			lines = append(lines, ":white_check_mark: It is approved.")
		}
	case round.Status == storage.RoundRejected:
		if decision == nil {
			lines = append(lines, ":no_entry: No decision needed any more: another approver rejected it.")
			text = kit.PlainName(r) + " was rejected; no decision needed"
		} else if decision.Decision == "approve" {
			lines = append(lines, ":no_entry: Another approver rejected it.")
		}
	default:
		outdated()
	}
	if len(lines) > 0 {
		blocks = append(blocks, bot.Section(strings.Join(lines, "\n")))
	}
	if len(blocks) > bot.MaxMessageBlocks {
		blocks = blocks[:bot.MaxMessageBlocks]
	}
	return bot.Message{Text: text, Blocks: blocks}
}

func (rs *Resolver) roundProgress(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	if m.RefID == nil {
		return reminders.Delivery{Drop: "progress message without round"}, nil
	}
	round, err := rs.d.Store.Round(ctx, *m.RefID)
	if err != nil {
		return reminders.Delivery{}, err
	}
	if r.AnnouncementTS == "" {
		return rs.waitFor(ctx, r.ID, KindAnnouncement, "announcement")
	}
	state := map[string]string{
		storage.RoundOpen: ":hourglass_flowing_sand:", storage.RoundApproved: ":white_check_mark:",
		storage.RoundRejected: ":no_entry:", storage.RoundSuperseded: ":fast_forward:", storage.RoundCancelled: ":heavy_multiplication_x:",
	}[round.Status]
	text := fmt.Sprintf("%s Approval round %d of %s (required: %s): %s", state, round.Number, kit.PlainName(r), round.Required, kit.ProgressText(round))
	switch round.Status {
	case storage.RoundApproved:
		text += " — approved"
	case storage.RoundRejected:
		text += " — rejected"
	case storage.RoundSuperseded:
		text += " — superseded"
	}
	msg := bot.Message{Text: text}
	if m.Kind == KindRoundProgress {
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	if round.ProgressTS == "" {
		return rs.waitForRef(ctx, r.ID, KindRoundProgress, round.ID)
	}
	return reminders.Delivery{Channel: r.Channel, TargetTS: round.ProgressTS, Message: msg}, nil
}

// reminder renders a T-24h/T-1h reminder, or drops it when it no longer
// makes sense: the release moved on, or a nearer reminder is also due (the
// bot was down), in which case only the nearest is sent.
func (rs *Resolver) reminder(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	now := rs.d.Now()
	st := release.Status(r.Status)
	if st != release.StatusPlanned && st != release.StatusApproved {
		return reminders.Delivery{Drop: "the release is " + st.Label()}, nil
	}
	if !r.StartAt.After(now) {
		return reminders.Delivery{Drop: "the release's start has passed"}, nil
	}
	lead, err := release.ParseDuration(strings.TrimSpace(mustText(m.Payload)))
	if err != nil {
		return reminders.Delivery{Drop: "unreadable reminder"}, nil
	}
	due, err := rs.d.Store.OutboxMessages(ctx, r.ID, KindReminder)
	if err != nil {
		return reminders.Delivery{}, err
	}
	for _, o := range due {
		if o.ID == m.ID || o.Op != m.Op || !(o.Status == storage.OutboxPending || o.Status == storage.OutboxSending || o.Status == storage.OutboxSent) || o.DueAt.After(now) {
			continue
		}
		if l, err := release.ParseDuration(mustText(o.Payload)); err == nil && l < lead && o.DueAt.After(m.DueAt) {
			return reminders.Delivery{Drop: "a nearer reminder is due too"}, nil
		}
	}
	left := r.StartAt.Sub(now).Round(time.Minute)
	text := fmt.Sprintf(":alarm_clock: %s → %s starts %s (in %s). Status: %s.", kit.Name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}"), release.FormatDuration(left), kit.StatusText(r))
	if st == release.StatusPlanned {
		text += " It is not approved yet."
	}
	msg := bot.Message{Text: fmt.Sprintf("Reminder: %s starts in %s", kit.PlainName(r), release.FormatDuration(left)), Blocks: []slack.Block{bot.Section(text)}}
	if m.Op == storage.OpThread {
		if r.AnnouncementTS == "" {
			return rs.waitFor(ctx, r.ID, KindAnnouncement, "announcement")
		}
		return reminders.Delivery{Channel: r.Channel, ThreadTS: r.AnnouncementTS, Message: msg}, nil
	}
	return reminders.Delivery{Channel: m.Channel, Message: msg}, nil
}

// stillWaiting checks, when a nudge or an escalation is about to go out
// (perhaps late, after a 429), that the decision is still awaited; it says
// why not otherwise.
func (rs *Resolver) stillWaiting(ctx context.Context, m *storage.OutboxMessage, r *storage.Release) string {
	if r == nil || m.RefID == nil {
		return ""
	}
	if st := release.Status(r.Status); st != release.StatusPlanned {
		return "the release is " + st.Label()
	}
	if !r.StartAt.After(rs.d.Now()) {
		return "the release's start has passed"
	}
	roundID, approver := *m.RefID, ""
	if m.Kind == KindNudge {
		ra, err := rs.d.Store.RoundApprover(ctx, *m.RefID)
		if err != nil {
			return ""
		}
		roundID, approver = ra.RoundID, ra.UserID
	}
	round, err := rs.d.Store.Round(ctx, roundID)
	if err != nil {
		return ""
	}
	if round.Status != storage.RoundOpen {
		return "the approval round is " + round.Status
	}
	for _, d := range round.Decisions {
		if approver != "" && d.ApproverID == approver {
			return "the approver has decided"
		}
	}
	return ""
}

func (rs *Resolver) overdue(m *storage.OutboxMessage, r *storage.Release) (reminders.Delivery, error) {
	st := release.Status(r.Status)
	what := mustText(m.Payload)
	var text string
	switch {
	case what == "start" && (st == release.StatusPlanned || st == release.StatusApproved) && m.DueAt.Equal(r.StartAt.Add(release.OverdueStartGrace)):
		text = fmt.Sprintf(":warning: %s was due to start %s and has not started. Start it with `/release start %s`, move it with `/release reschedule %s …` or cancel it.",
			kit.Name(r), bot.Date(r.StartAt, "{time}"), r.HumanID(), r.HumanID())
	case what == "finish" && st == release.StatusInProgress && m.DueAt.Equal(r.EndAt):
		text = fmt.Sprintf(":warning: %s's window ended %s and it is still in progress. Report it with `/release complete %s`, `fail` or `rollback`.",
			kit.Name(r), bot.Date(r.EndAt, "{time}"), r.HumanID())
	default:
		return reminders.Delivery{Drop: "no longer overdue"}, nil
	}
	return reminders.Delivery{Channel: r.OwnerID, Message: bot.Message{Text: "Overdue: " + kit.PlainName(r), Blocks: []slack.Block{bot.Section(text)}}}, nil
}

func mustText(payload string) string {
	m, err := bot.DecodeMessage(payload)
	if err != nil {
		return ""
	}
	return m.Text
}
