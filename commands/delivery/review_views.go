package delivery

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

// criteriaWords is how a review's success-criteria answer reads.
var criteriaWords = map[string]string{
	string(release.CriteriaYes):    ":white_check_mark: met its success criteria",
	string(release.CriteriaPartly): ":large_yellow_circle: partly met its success criteria",
	string(release.CriteriaNo):     ":x: did not meet its success criteria",
}

// ReviewLines is a review as lines of mrkdwn: the verdict, what went
// well and wrong, the follow-up actions.
func ReviewLines(rv *storage.Review) []string {
	state := "draft"
	if rv.Final {
		state = "final"
	}
	lines := []string{fmt.Sprintf("*Post-release review* (%s, by %s): %s", state, bot.Mention(rv.AuthorID), criteriaWords[rv.Criteria])}
	if rv.WentWell != "" {
		lines = append(lines, "*What went well*", bot.Escape(rv.WentWell))
	}
	if rv.WentWrong != "" {
		lines = append(lines, "*What went wrong*", bot.Escape(rv.WentWrong))
	}
	if len(rv.Actions) > 0 {
		lines = append(lines, "*Follow-up actions*")
		for _, a := range rv.Actions {
			lines = append(lines, ActionLine(&a))
		}
	}
	return lines
}

// ActionLine is one follow-up action: what, who, when, done or not.
func ActionLine(a *storage.ReviewAction) string {
	mark := "•"
	if a.DoneAt != nil {
		mark = ":white_check_mark:"
	}
	return fmt.Sprintf("%s %s — %s, due %s", mark, bot.Escape(a.Text), bot.Mention(a.OwnerID), a.DueOn)
}

// ReviewMessage is the review as posted in the release's thread.
func ReviewMessage(r *storage.Release, rv *storage.Review) bot.Message {
	return bot.Message{Text: "Post-release review of " + kit.PlainName(r), Blocks: kit.PackLines(ReviewLines(rv), bot.MaxMessageBlocks)}
}

// DoneButton closes a follow-up action.
func DoneButton(a *storage.ReviewAction) *slack.ButtonBlockElement {
	id := strconv.FormatInt(a.ID, 10)
	return bot.Button("Done", bot.ActionID(ActionActionDone, id), id, bot.StylePrimary)
}

// ActionDueMessage reminds an action's owner on its due date.
func ActionDueMessage(r *storage.Release, a *storage.ReviewAction) bot.Message {
	text := fmt.Sprintf(":alarm_clock: Your follow-up action from the review of %s is due today: %s", kit.Name(r), bot.Escape(a.Text))
	return bot.Message{Text: "Follow-up action due today: " + a.Text, Blocks: []slack.Block{bot.SectionWithButton(text, DoneButton(a))}}
}

// ReviewReminderMessage asks the owner for a required review.
func ReviewReminderMessage(r *storage.Release) bot.Message {
	text := fmt.Sprintf(":memo: %s (%s) needs a post-release review and has none yet. What went well, what went wrong, what will you do about it?", kit.Name(r), release.Status(r.Status).Label())
	return bot.Message{Text: "Review needed for " + kit.PlainName(r), Blocks: []slack.Block{
		bot.SectionWithButton(text, WriteReviewButton(r.ID)),
	}}
}

// WriteReviewButton opens the review form of a release.
func WriteReviewButton(releaseID int64) *slack.ButtonBlockElement {
	return bot.Button("Write review", ActionWriteReview, strconv.FormatInt(releaseID, 10), bot.StyleDefault)
}

// OpenActionsNote is what the planner of a service's next release reads
// about its open follow-up actions, so it starts from what earlier
// reviews learned; empty when there are none.
func OpenActionsNote(service string, actions []storage.ReviewAction) string {
	if len(actions) == 0 {
		return ""
	}
	lines := []string{fmt.Sprintf(":memo: %s has %d open follow-up action%s from earlier reviews:", bot.Escape(service), len(actions), kit.Plural(len(actions)))}
	for i := range actions {
		if i == maxNotedActions {
			lines = append(lines, fmt.Sprintf("…and %d more: `/release actions %s`", len(actions)-maxNotedActions, service))
			break
		}
		lines = append(lines, ActionLine(&actions[i]))
	}
	return strings.Join(lines, "\n")
}

// maxNotedActions is how many open actions the planner's note lists.
const maxNotedActions = 5
