package delivery

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The messages the outbox sends, as functions of the state they show.

// announcementWithButtons is the announcement with the Approve/Reject
// buttons of round, when a round is open, so approvers can decide from the
// channel too, and the owner's lifecycle buttons (with Mark passed for the
// readiness checks notPassed) that the release's state allows.
func announcementWithButtons(r *storage.Release, progress string, round *storage.ApprovalRound, notPassed ...string) bot.Message {
	msg := kit.Announcement(r, progress)
	if round != nil {
		msg.Blocks = append(msg.Blocks, kit.DecisionButtons(round.ID, "-channel"))
	}
	if st := release.Status(r.Status); st.Finished() && st != release.StatusCancelled {
		msg.Blocks = append(msg.Blocks, bot.Actions("review", WriteReviewButton(r.ID)))
	}
	if b := kit.LifecycleButtons(r, notPassed); b != nil {
		msg.Blocks = append(msg.Blocks, b)
	}
	return msg
}

// threadLinkText points a notification at the release's thread.
func threadLinkText(r *storage.Release, permalink string) string {
	if permalink == "" {
		return "Discussion in " + bot.ChannelLink(r.Channel)
	}
	return fmt.Sprintf("<%s|Open the release thread> in %s", permalink, bot.ChannelLink(r.Channel))
}

// threadLine is a change as a line in the release's thread.
func threadLine(r *storage.Release, ev Event, actor, note string) string {
	who := kit.Who(actor)
	var line string
	switch ev {
	case EvEdited:
		line = fmt.Sprintf(":pencil2: Edited by %s", who)
	case EvRescheduled:
		line = fmt.Sprintf(":calendar: Rescheduled by %s to %s", who, kit.When(r))
	case EvApproved:
		line = ":white_check_mark: Approved — ready to start"
	case EvRejected:
		line = fmt.Sprintf(":no_entry: Rejected by %s", who)
	case EvResubmitted:
		line = fmt.Sprintf(":arrows_counterclockwise: Resubmitted for approval by %s", who)
	case EvCancelled:
		line = fmt.Sprintf(":heavy_multiplication_x: Cancelled by %s", who)
	case EvStarted:
		line = fmt.Sprintf(":rocket: Started by %s", who)
	case EvCompleted:
		line = fmt.Sprintf(":tada: Completed, reported by %s", who)
	case EvFailed:
		line = fmt.Sprintf(":x: Failed, reported by %s", who)
	case EvRolledBack:
		line = fmt.Sprintf(":leftwards_arrow_with_hook: Rolled back, reported by %s", who)
	default:
		line = fmt.Sprintf("%s by %s", ev, who)
	}
	if note != "" {
		line += ": " + note
	}
	return line
}

// notification is what a subscriber reads: what, when, owner, impact; the
// resolver adds the link to the announcement thread when it is sent.
func notification(r *storage.Release, ev Event, actor, note string) bot.Message {
	head := fmt.Sprintf("%s %s → %s was *%s*", release.Status(r.Status).Emoji(), kit.Name(r), bot.Escape(r.Environment), ev)
	if actor != "" && actor != kit.PolicyActor {
		head += " by " + kit.Who(actor)
	}
	if note != "" {
		head += ": " + note
	}
	blocks := []slack.Block{bot.Section(head),
		bot.Fields("*When*\n"+kit.When(r), "*Owner*\n"+bot.Mention(r.OwnerID), "*Type · Risk*\n"+r.Type+" · "+r.Risk)}
	if r.Impact != "" {
		// Not a field: a field holds 2,000 characters, the impact may be longer.
		blocks = append(blocks, bot.Sections("*Impact*\n"+bot.Escape(r.Impact))...)
	}
	return bot.Message{
		Text:   fmt.Sprintf("%s → %s was %s (%s)", kit.PlainName(r), r.Environment, ev, kit.FallbackTime(r.StartAt)),
		Blocks: blocks,
	}
}

// ApprovalRequest is the DM an approver gets, in the state it is in now:
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

// progressLine is a round's line in the release's thread.
func progressLine(r *storage.Release, round *storage.ApprovalRound) bot.Message {
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
	return bot.Message{Text: text}
}

// reminderMessage is a T-24h or T-1h reminder, left before the start.
func reminderMessage(r *storage.Release, left time.Duration) bot.Message {
	text := fmt.Sprintf(":alarm_clock: %s → %s starts %s (in %s). Status: %s.", kit.Name(r), bot.Escape(r.Environment), bot.Date(r.StartAt, "{date_short_pretty} at {time}"), release.FormatDuration(left), kit.StatusText(r))
	if release.Status(r.Status) == release.StatusPlanned {
		text += " It is not approved yet."
	}
	return bot.Message{Text: fmt.Sprintf("Reminder: %s starts in %s", kit.PlainName(r), release.FormatDuration(left)), Blocks: []slack.Block{bot.Section(text)}}
}

// overdueMessage asks the owner about a late start ("start") or a window
// that ended while the release runs ("finish").
func overdueMessage(r *storage.Release, what string) bot.Message {
	text := fmt.Sprintf(":warning: %s was due to start %s and has not started. Start it with `/release start %s`, move it with `/release reschedule %s …` or cancel it.",
		kit.Name(r), bot.Date(r.StartAt, "{time}"), r.HumanID(), r.HumanID())
	if what == "finish" {
		text = fmt.Sprintf(":warning: %s's window ended %s and it is still in progress. Report it with `/release complete %s`, `fail` or `rollback`.",
			kit.Name(r), bot.Date(r.EndAt, "{time}"), r.HumanID())
	}
	return bot.Message{Text: "Overdue: " + kit.PlainName(r), Blocks: []slack.Block{bot.Section(text)}}
}
