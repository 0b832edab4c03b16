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

// approvalSummary says what happens next with approval.
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
