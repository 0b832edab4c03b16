package kit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// MaxNamed bounds how many people a progress line names in each of its
// lists (decided, waiting): a round with many approvers must still fit a
// section (3000 characters) without cutting a mention in half.
const MaxNamed = 10

// MaxReason bounds every reason or note people type (a rejection, a
// cancellation, a freeze, an emergency override).
const MaxReason = 500

// MaxConflictLines bounds the conflicts or affected releases a reply
// lists, so that a busy day cannot push it past Slack's message limits.
const MaxConflictLines = 10

// PolicyActor is the audit actor of decisions made by policy, not a person.
const PolicyActor = "policy"

// Action routes of the approval buttons, shown by several capabilities.
const (
	ActionApprove = "approval.approve"
	ActionReject  = "approval.reject"
)

// Action routes of buttons that run a command on the release id in their
// value: the owner's rejection DM offers Edit and Resubmit, reminders Show.
const (
	ActionEdit     = "release.edit"
	ActionResubmit = "release.resubmit"
	ActionShow     = "release.show"
)

// ReleaseButton is a button that runs the command of actionID on r.
func ReleaseButton(label, actionID string, r *storage.Release) *slack.ButtonBlockElement {
	return bot.Button(label, actionID, r.HumanID(), bot.StyleDefault)
}

// ClickArgs makes a click on a ReleaseButton read like the command typed
// with the release id.
func ClickArgs(req *bot.Request) *bot.Request {
	clicked := *req
	clicked.Args = req.ActionValue()
	return &clicked
}

// PackLines fills sections with lines up to Slack's limits, at most
// maxBlocks sections; lines that do not fit are counted in a last line.
func PackLines(lines []string, maxBlocks int) []slack.Block {
	var blocks []slack.Block
	var cur strings.Builder
	for i, l := range lines {
		if cur.Len() > 0 && cur.Len()+len(l)+1 > bot.MaxSectionText-100 {
			if len(blocks)+1 >= maxBlocks {
				fmt.Fprintf(&cur, "\n…and %d more.", len(lines)-i)
				break
			}
			blocks = append(blocks, bot.Section(cur.String()))
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		blocks = append(blocks, bot.Section(cur.String()))
	}
	return blocks
}

// BoundedList joins at most limit items and counts the rest.
func BoundedList(items []string, limit int, more string) string {
	if len(items) <= limit {
		return strings.Join(items, ", ")
	}
	if more == "" {
		more = " more"
	}
	return fmt.Sprintf("%s and %d%s", strings.Join(items[:limit], ", "), len(items)-limit, more)
}

// Mentions turns user ids into mentions.
func Mentions(users []string) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = bot.Mention(u)
	}
	return out
}

// JoinMentions is Mentions joined with commas.
func JoinMentions(users []string) string { return strings.Join(Mentions(users), ", ") }

// Plural is "s" unless n is 1.
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Capitalize upper-cases the first letter of an ASCII sentence.
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

// OrAll names an environment, or all of them for "".
func OrAll(env string) string {
	if env == "" {
		return "all environments"
	}
	return env
}

// Votes are a round's decisions as the release rules read them.
func Votes(round *storage.ApprovalRound) []release.Vote {
	out := make([]release.Vote, len(round.Decisions))
	for i, d := range round.Decisions {
		out[i] = release.Vote{Approver: d.ApproverID, Decision: release.Decision(d.Decision), At: d.DecidedAt}
	}
	return out
}

// RoundCurrent reports whether a stored round still decides the release.
func RoundCurrent(round *storage.ApprovalRound, r *storage.Release) bool {
	return release.RoundCurrent(round.Status == storage.RoundOpen, round.Revision, r.Revision, release.Status(r.Status))
}

// ProgressText is "1 of 2 approvals: @ana ✅, waiting for @ben".
func ProgressText(round *storage.ApprovalRound) string {
	approvals, _ := release.Tally(Votes(round))
	decided := map[string]string{}
	for _, d := range round.Decisions {
		decided[d.ApproverID] = d.Decision
	}
	var parts, waiting []string
	for _, a := range round.Approvers {
		switch decided[a.UserID] {
		case "approve":
			parts = append(parts, bot.Mention(a.UserID)+" :white_check_mark:")
		case "reject":
			parts = append(parts, bot.Mention(a.UserID)+" :no_entry:")
		default:
			waiting = append(waiting, bot.Mention(a.UserID))
		}
	}
	noun := "approvals"
	if round.Needed == 1 {
		noun = "approval"
	}
	text := fmt.Sprintf("%d of %d %s", approvals, round.Needed, noun)
	if len(parts) > 0 {
		text += ": " + BoundedList(parts, MaxNamed, "")
	}
	if len(waiting) > 0 && round.Status == storage.RoundOpen {
		if len(parts) > 0 {
			text += ", "
		} else {
			text += ": "
		}
		text += "waiting for " + BoundedList(waiting, MaxNamed, " others")
	}
	return text
}

// DecisionButtons are the Approve/Reject pair for a round.
func DecisionButtons(roundID int64, suffix string) *slack.ActionBlock {
	v := strconv.FormatInt(roundID, 10)
	return bot.Actions("decide-"+v+suffix,
		bot.Button("Approve", bot.ActionID(ActionApprove, v), v, bot.StylePrimary),
		bot.Button("Reject", bot.ActionID(ActionReject, v), v, bot.StyleDanger),
	)
}

// ListDecisionButtons are the Approve/Reject pair of one release in a list
// of several (/release approvals, the App Home): the labels name the
// release, so every button says what it decides.
func ListDecisionButtons(roundID int64, r *storage.Release) *slack.ActionBlock {
	v := strconv.FormatInt(roundID, 10)
	return bot.Actions("decide-"+v,
		bot.Button("Approve "+r.HumanID(), bot.ActionID(ActionApprove, v), v, bot.StylePrimary),
		bot.Button("Reject "+r.HumanID(), bot.ActionID(ActionReject, v), v, bot.StyleDanger),
	)
}

// mentionPattern is a person or channel mentioned in typed text, as Slack
// sends it: <@U123|ana>, <#C123|general>.
var mentionPattern = regexp.MustCompile(`<([@#][UWC][A-Z0-9]+)(?:\|[^<>]*)?>`)

// EscapeNote makes a typed note safe for mrkdwn and keeps the people and
// channels it mentions as mentions, so "ask @ben" pings ben rather than
// showing his id.
func EscapeNote(note string) string {
	var b strings.Builder
	last := 0
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(note, -1) {
		b.WriteString(bot.Escape(note[last:m[0]]))
		b.WriteString("<" + note[m[2]:m[3]] + ">")
		last = m[1]
	}
	b.WriteString(bot.Escape(note[last:]))
	return b.String()
}
