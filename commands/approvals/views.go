package approvals

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func rejectModal(roundID int64, channel, origin string, r *storage.Release) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(bot.PlainText("Why can't this go ahead?", 150), "reason")
	input.Multiline = true
	input.MaxLength = kit.MaxReason
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackReject,
		Title:           bot.PlainText("Reject "+r.HumanID(), bot.MaxModalTitle),
		Submit:          bot.PlainText("Reject", bot.MaxModalTitle),
		Close:           bot.PlainText("Cancel", bot.MaxModalTitle),
		PrivateMetadata: strconv.FormatInt(roundID, 10) + "|" + channel + "|" + origin,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			bot.Section(fmt.Sprintf("You are rejecting %s → %s (%s). %s will see your reason and can change the release and resubmit it.",
				kit.Name(r), bot.Escape(r.Environment), bot.When(r.StartAt, r.EndAt), bot.Mention(r.OwnerID))),
			slack.NewInputBlock("reason", bot.PlainText("Reason", 2000), nil, input),
		}},
	}
}

// Summary says what happens next with approval.
func Summary(rp Plan) string {
	if rp.PreApproved {
		return "pre-approved by policy"
	}
	if rp.Hold != "" {
		return rp.Hold
	}
	if len(rp.Eligible) == 0 {
		return "waiting for approval"
	}
	return fmt.Sprintf("waiting for %d approval%s from %s", rp.Needed(), kit.Plural(rp.Needed()), kit.BoundedList(kit.Mentions(rp.Eligible), kit.MaxNamed, " others"))
}

// approverList renders a policy's users and groups as mentions.
func approverList(entries string) []string {
	var out []string
	for _, e := range splitEntries(entries) {
		if strings.HasPrefix(e, "S") {
			out = append(out, "<!subteam^"+e+">")
		} else {
			out = append(out, bot.Mention(e))
		}
	}
	return out
}

func quorumWords(q release.Quorum) string {
	switch q.Kind {
	case release.QuorumAll:
		return "approvals from all"
	case release.QuorumMajority:
		return "approvals from a majority"
	case release.QuorumCount:
		return fmt.Sprintf("%d approval%s", q.N, kit.Plural(q.N))
	}
	return "one approval from any"
}

// Warning says why the round cannot succeed, if it cannot.
func (rp Plan) Warning() string {
	switch {
	case rp.PreApproved, rp.Hold != "":
		return ""
	case len(rp.Eligible) == 0:
		return "Nobody can approve it: the policy names no one besides the owner and whoever asked for this change. An admin can fix this with `/release policy set`."
	case !rp.Quorum.Reachable(len(rp.Eligible)):
		who := fmt.Sprintf("only %d people can", len(rp.Eligible))
		if len(rp.Eligible) == 1 {
			who = "only 1 person can"
		}
		return fmt.Sprintf("It needs %d approval%s but %s approve it (nobody approves their own release). An admin can fix this with `/release policy set`.",
			rp.Needed(), kit.Plural(rp.Needed()), who)
	}
	return ""
}

// auditView is a release's audit trail, newest maxAuditEntries entries.
func auditView(r *storage.Release, trail []storage.AuditEntry) *bot.Response {
	lines := make([]string, 0, len(trail))
	skipped := 0
	if len(trail) > maxAuditEntries {
		skipped = len(trail) - maxAuditEntries
		trail = trail[len(trail)-maxAuditEntries:]
	}
	for _, e := range trail {
		who := kit.Who(e.Actor)
		if e.Actor == kit.PolicyActor {
			who = "by policy"
		}
		line := fmt.Sprintf("%s · %s · %s", bot.Date(e.At, "{date_short} {time}"), who, bot.Escape(auditAction(e.Action)))
		if e.Details != "" {
			line += " — " + auditDetails(e)
		}
		lines = append(lines, line)
	}
	head := fmt.Sprintf("Audit trail of %s (%s, now %s)", kit.Name(r), bot.Escape(r.Environment), release.Status(r.Status).Label())
	if skipped > 0 {
		head += fmt.Sprintf("\n_%d older entries are not shown._", skipped)
	}
	blocks := []slack.Block{bot.Section(head)}
	blocks = append(blocks, kit.PackLines(lines, bot.MaxMessageBlocks-2)...)
	entries := "entries"
	if len(trail) == 1 {
		entries = "entry"
	}
	return &bot.Response{Text: fmt.Sprintf("Audit trail of %s: %d %s", kit.PlainName(r), len(trail), entries), Blocks: blocks}
}

// rejectedMessage tells the owner why their release was rejected, with
// the buttons that lead on: change it, then ask again.
func rejectedMessage(r *storage.Release, by, reason string) bot.Message {
	text := fmt.Sprintf(":no_entry: %s was rejected by %s: “%s”\nChange it with `/release edit %s` or `/release reschedule %s …`, then ask again with `/release resubmit %s`.",
		kit.Name(r), bot.Mention(by), bot.Escape(reason), r.HumanID(), r.HumanID(), r.HumanID())
	return bot.Message{
		Text: fmt.Sprintf("%s was rejected by %s", kit.PlainName(r), bot.Mention(by)),
		Blocks: []slack.Block{bot.Section(text), bot.Actions("rejected",
			kit.ReleaseButton("Edit", kit.ActionEdit, r), kit.ReleaseButton("Resubmit", kit.ActionResubmit, r))},
	}
}

// approvedMessage tells the owner their release is approved, with the
// announcement's Start button (same action and modal), so the owner can
// start it from the DM; a click once it started is refused there.
func approvedMessage(r *storage.Release, round *storage.ApprovalRound) bot.Message {
	text := fmt.Sprintf(":white_check_mark: %s is approved (%s). You can start it at %s with the button or `/release start %s`.",
		kit.Name(r), kit.ProgressText(round), bot.Date(r.StartAt, "{date_short_pretty} {time}"), r.HumanID())
	v := strconv.FormatInt(r.ID, 10)
	return bot.Message{
		Text: text,
		Blocks: []slack.Block{bot.Section(text), bot.Actions("approved-"+v,
			bot.Button("Start", bot.ActionID(kit.ActionStart, v), v, bot.StylePrimary))},
	}
}
