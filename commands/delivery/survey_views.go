package delivery

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Action routes of the survey's and the review's buttons.
const (
	ActionSurveyScore    = "survey.score"
	ActionSurveyAdoption = "survey.adoption"
	ActionSurveyComment  = "survey.comment"
	ActionSurveyFollowUp = "survey.followup"
	ActionWriteReview    = "review.write"
	ActionActionDone     = "review.action_done"
)

// SurveyValue is a survey button's value: the survey and the answer.
func SurveyValue(surveyID int64, answer string) string {
	return strconv.FormatInt(surveyID, 10) + ":" + answer
}

// SurveyQuestion is the survey's first question about r.
func SurveyQuestion(r *storage.Release) string {
	return fmt.Sprintf("How satisfied are you with %s (%s %s)?", r.HumanID(), r.Service, r.Version)
}

// SurveyMessage is the survey about r: the two questions with their
// buttons and the comment button while it is open, and the answer of the
// person it was sent to (nil in a channel, or before they answered).
func SurveyMessage(r *storage.Release, s *storage.Survey, open bool, resp *storage.SurveyResponse, lead string) bot.Message {
	q := SurveyQuestion(r)
	text := q
	if lead != "" {
		text = lead + " " + q
	}
	blocks := []slack.Block{bot.Section(fmt.Sprintf("%s*%s*", prefix(lead), bot.Escape(q)))}
	if open {
		v := func(a string) string { return SurveyValue(s.ID, a) }
		scores := make([]slack.BlockElement, 0, 5)
		for i := 1; i <= 5; i++ {
			n := strconv.Itoa(i)
			scores = append(scores, bot.Button(n, bot.ActionID(ActionSurveyScore, n), v(n), bot.StyleDefault))
		}
		blocks = append(blocks, bot.Actions("survey-score", scores...),
			bot.Section("*Are you using what this release delivered?*"),
			bot.Actions("survey-adoption", adoptionButtons(ActionSurveyAdoption, s.ID)...),
			bot.Actions("survey-comment", bot.Button("Add a comment", ActionSurveyComment, v("comment"), bot.StyleDefault)),
			bot.Context(fmt.Sprintf("1 = very unhappy, 5 = very happy. You may change your answer until %s.", bot.Date(s.ClosesAt, "{date_short_pretty} at {time}"))))
	} else {
		blocks = append(blocks, bot.Context("This survey is closed. Thank you."))
	}
	if resp != nil {
		blocks = append(blocks, bot.Context("Your answer: "+AnswerText(resp)))
	}
	return bot.Message{Text: text, Blocks: blocks}
}

func prefix(lead string) string {
	if lead == "" {
		return ""
	}
	return lead + " "
}

func adoptionButtons(route string, surveyID int64) []slack.BlockElement {
	out := make([]slack.BlockElement, 0, len(release.Adoptions))
	for _, a := range release.Adoptions {
		out = append(out, bot.Button(a.Label(), bot.ActionID(route, string(a)), SurveyValue(surveyID, string(a)), bot.StyleDefault))
	}
	return out
}

// AnswerText is a person's answer in a few words.
func AnswerText(resp *storage.SurveyResponse) string {
	var parts []string
	if resp.Score > 0 {
		parts = append(parts, fmt.Sprintf("%d/5", resp.Score))
	}
	if resp.Adoption != "" {
		parts = append(parts, "using it: "+release.Adoption(resp.Adoption).Label())
	}
	if resp.FollowUp != "" {
		parts = append(parts, "asked again: "+release.Adoption(resp.FollowUp).Label())
	}
	if resp.Comment != "" {
		parts = append(parts, "a comment")
	}
	if len(parts) == 0 {
		return "nothing yet"
	}
	return strings.Join(parts, " · ")
}

// FollowUpMessage asks someone who answered "not yet" again.
func FollowUpMessage(r *storage.Release, s *storage.Survey) bot.Message {
	q := fmt.Sprintf("A while ago you were not yet using what %s (%s %s) delivered. Are you using it now?", r.HumanID(), r.Service, r.Version)
	return bot.Message{Text: q, Blocks: []slack.Block{
		bot.Section(bot.Escape(q)),
		bot.Actions("survey-followup", adoptionButtons(ActionSurveyFollowUp, s.ID)...),
	}}
}

// SurveySummary is the closed survey's results: responses of invited,
// average and distribution, adoption answers and the comments, with
// names unless anonymous.
func SurveySummary(r *storage.Release, invited int, answers []storage.SurveyResponse, anonymous bool) bot.Message {
	var dist [6]int
	sum, scored := 0, 0
	adoption := map[string]int{}
	var comments []string
	for _, a := range answers {
		if a.Score > 0 {
			dist[a.Score]++
			sum += a.Score
			scored++
		}
		if a.Adoption != "" {
			adoption[a.Adoption]++
		}
		if a.Comment != "" {
			c := "> " + strings.ReplaceAll(bot.Escape(a.Comment), "\n", "\n> ")
			if !anonymous {
				c = bot.Mention(a.UserID) + ":\n" + c
			}
			comments = append(comments, c)
		}
	}
	avg, plainAvg := "no scores", "no scores"
	if scored > 0 {
		mean := float64(sum) / float64(scored)
		avg, plainAvg = fmt.Sprintf("average *%.1f*/5", mean), fmt.Sprintf("average %.1f/5", mean)
	}
	head := fmt.Sprintf(":bar_chart: Survey of %s closed: %d of %d invited answered, %s.", kit.Name(r), len(answers), invited, avg)
	var d []string
	for i := 5; i >= 1; i-- {
		d = append(d, fmt.Sprintf("%d: %d", i, dist[i]))
	}
	var ad []string
	for _, a := range release.Adoptions {
		ad = append(ad, fmt.Sprintf("%s: %d", a.Label(), adoption[string(a)]))
	}
	sort.Strings(comments)
	lines := []string{head, "Scores — " + strings.Join(d, " · "), "Using it — " + strings.Join(ad, " · ")}
	if len(comments) > 0 {
		lines = append(lines, "*Comments*")
		lines = append(lines, comments...)
	}
	return bot.Message{Text: fmt.Sprintf("Survey of %s closed: %d of %d answered, %s.", kit.PlainName(r), len(answers), invited, plainAvg),
		Blocks: kit.PackLines(lines, bot.MaxMessageBlocks)}
}
