package reviews

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// CallbackReview is the review form's callback id.
const CallbackReview = "review.save"

// actionRows is how many follow-up actions the form offers.
const actionRows = 3

// maxText and maxAction bound what people type.
const (
	maxText   = 3000
	maxAction = 500
)

var criteriaOptions = []struct{ value, label string }{
	{string(release.CriteriaYes), "Yes"}, {string(release.CriteriaPartly), "Partly"}, {string(release.CriteriaNo), "No"},
}

// reviewModal is the review form of r, filled with rv when it exists.
func reviewModal(r *storage.Release, rv *storage.Review, channel string) slack.ModalViewRequest {
	opts := make([]*slack.OptionBlockObject, 0, len(criteriaOptions))
	var initial *slack.OptionBlockObject
	for _, o := range criteriaOptions {
		opt := slack.NewOptionBlockObject(o.value, bot.PlainText(o.label, bot.MaxOptionText), nil)
		opts = append(opts, opt)
		if rv != nil && rv.Criteria == o.value {
			initial = opt
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, bot.PlainText("Choose", 75), "criteria", opts...)
	sel.InitialOption = initial
	blocks := []slack.Block{
		bot.Section(fmt.Sprintf("Post-release review of %s (%s). Saved, it is posted in the release thread; you can change it until you mark it final.", kit.Name(r), release.Status(r.Status).Label())),
		slack.NewInputBlock("criteria", bot.PlainText("Met its success criteria?", 2000), nil, sel),
		textInput("went_well", "What went well", field(rv, func(v *storage.Review) string { return v.WentWell })),
		textInput("went_wrong", "What went wrong", field(rv, func(v *storage.Review) string { return v.WentWrong })),
	}
	var actions []storage.ReviewAction
	if rv != nil {
		for _, a := range rv.Actions {
			if a.DoneAt == nil {
				actions = append(actions, a)
			}
		}
	}
	for i := 1; i <= actionRows; i++ {
		var a *storage.ReviewAction
		if i <= len(actions) {
			a = &actions[i-1]
		}
		blocks = append(blocks, actionInputs(i, a)...)
	}
	final := slack.NewCheckboxGroupsBlockElement("final", slack.NewOptionBlockObject("final", bot.PlainText("Mark final: no more changes", bot.MaxOptionText), nil))
	fb := slack.NewInputBlock("final", bot.PlainText("Final", 2000), nil, final)
	fb.Optional = true
	blocks = append(blocks, fb)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackReview,
		Title:           bot.PlainText("Review "+r.HumanID(), bot.MaxModalTitle),
		Submit:          bot.PlainText("Save", bot.MaxModalTitle),
		Close:           bot.PlainText("Cancel", bot.MaxModalTitle),
		PrivateMetadata: kit.RowMetadata(r.ID, channel),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func field(rv *storage.Review, get func(*storage.Review) string) string {
	if rv == nil {
		return ""
	}
	return get(rv)
}

func textInput(id, label, initial string) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(nil, id)
	el.Multiline = true
	el.MaxLength = maxText
	el.InitialValue = initial
	b := slack.NewInputBlock(id, bot.PlainText(label, 2000), nil, el)
	b.Optional = true
	return b
}

// actionInputs are the three fields of follow-up action i: what, who,
// when.
func actionInputs(i int, a *storage.ReviewAction) []slack.Block {
	n := strconv.Itoa(i)
	text := slack.NewPlainTextInputBlockElement(nil, "text")
	text.MaxLength = maxAction
	owner := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, bot.PlainText("Owner", 75), "owner")
	due := slack.NewDatePickerBlockElement("due")
	if a != nil {
		text.InitialValue, owner.InitialUser, due.InitialDate = a.Text, a.OwnerID, a.DueOn
	}
	out := []slack.Block{
		slack.NewInputBlock("action"+n, bot.PlainText("Follow-up action "+n, 2000), nil, text),
		slack.NewInputBlock("owner"+n, bot.PlainText("Owner of action "+n, 2000), nil, owner),
		slack.NewInputBlock("due"+n, bot.PlainText("Due date of action "+n, 2000), nil, due),
	}
	for _, b := range out {
		b.(*slack.InputBlock).Optional = true
	}
	return out
}

// reviewForm is a submitted review form, validated.
type reviewForm struct {
	criteria  release.Criteria
	wentWell  string
	wentWrong string
	final     bool
	actions   []storage.ReviewAction
}

// readReviewModal reads and checks the form; field errors keep it open.
func readReviewModal(v *slack.View, r *storage.Release, today string) (reviewForm, map[string]string) {
	vals := v.State.Values
	errs := map[string]string{}
	var f reviewForm
	c, err := release.ParseCriteria(vals["criteria"]["criteria"].SelectedOption.Value)
	if err != nil {
		errs["criteria"] = "Choose yes, partly or no."
	}
	f.criteria = c
	f.wentWell = strings.TrimSpace(vals["went_well"]["went_well"].Value)
	f.wentWrong = strings.TrimSpace(vals["went_wrong"]["went_wrong"].Value)
	f.final = len(vals["final"]["final"].SelectedOptions) > 0
	for i := 1; i <= actionRows; i++ {
		n := strconv.Itoa(i)
		text := strings.TrimSpace(vals["action"+n]["text"].Value)
		owner := vals["owner"+n]["owner"].SelectedUser
		due := vals["due"+n]["due"].SelectedDate
		if text == "" && owner == "" && due == "" {
			continue
		}
		switch {
		case text == "":
			errs["action"+n] = "Say what is to be done, or clear the owner and due date."
		case owner == "":
			errs["owner"+n] = "Every action needs an owner."
		case due == "":
			errs["due"+n] = "Every action needs a due date."
		case due < today:
			errs["due"+n] = "The due date has passed; pick today or later."
		default:
			f.actions = append(f.actions, storage.ReviewAction{Service: r.Service, Text: text, OwnerID: owner, DueOn: due})
		}
	}
	return f, errs
}

// dayIn is t's calendar day in loc.
func dayIn(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }
