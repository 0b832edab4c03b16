package planning

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
)

// Modal callbacks.
const (
	CallbackNew  = "release.new"
	CallbackEdit = "release.edit"
)

// modalState travels in the modal's private_metadata: where it was opened
// and, for edits, which version of which release it shows.
type modalState struct {
	Channel   string `json:"c,omitempty"`
	ReleaseID int64  `json:"r,omitempty"`
	Revision  int64  `json:"v,omitempty"`
}

func (m modalState) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeModalState(s string) (modalState, error) {
	var m modalState
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return m, fmt.Errorf("release form metadata %q: %w", s, err)
	}
	return m, nil
}

// releaseModal is the form for planning or editing a release, filled with p.
func releaseModal(callbackID, title, submit string, st modalState, p plan, envs []string, now time.Time) slack.ModalViewRequest {
	text := func(blockID, label, placeholder, initial string, optional, multiline bool, maxLen int, hint string) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(bot.PlainText(placeholder, 150), "v")
		el.InitialValue = initial
		el.Multiline = multiline
		el.MaxLength = maxLen
		var h *slack.TextBlockObject
		if hint != "" {
			h = bot.PlainText(hint, 2000)
		}
		b := slack.NewInputBlock(blockID, bot.PlainText(label, 2000), h, el)
		b.Optional = optional
		return b
	}
	envOptions := make([]*slack.OptionBlockObject, 0, len(envs))
	var envInitial *slack.OptionBlockObject
	for _, e := range envs {
		o := slack.NewOptionBlockObject(e, bot.PlainText(e, bot.MaxOptionText), nil)
		envOptions = append(envOptions, o)
		if e == p.Environment {
			envInitial = o
		}
	}
	envSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, bot.PlainText("Environment", 150), "v", envOptions...)
	envSelect.InitialOption = envInitial

	radio := func(values []string, initial string) *slack.RadioButtonsBlockElement {
		opts := make([]*slack.OptionBlockObject, len(values))
		var init *slack.OptionBlockObject
		for i, v := range values {
			opts[i] = slack.NewOptionBlockObject(v, bot.PlainText(kit.Capitalize(v), bot.MaxOptionText), nil)
			if v == initial {
				init = opts[i]
			}
		}
		el := slack.NewRadioButtonsBlockElement("v", opts...)
		el.InitialOption = init
		return el
	}
	types := make([]string, len(release.Types))
	for i, t := range release.Types {
		types[i] = string(t)
	}
	risks := make([]string, len(release.Risks))
	for i, r := range release.Risks {
		risks[i] = string(r)
	}

	start := slack.NewDateTimePickerBlockElement("v")
	if !p.Start.IsZero() {
		start.InitialDateTime = p.Start.Unix()
	} else {
		start.InitialDateTime = now.Add(24 * time.Hour).Truncate(time.Hour).Unix()
	}
	owner := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, bot.PlainText("Owner", 150), "v")
	owner.InitialUser = p.Owner

	blocks := []slack.Block{
		text("service", "Service", "billing-api", p.Service, false, false, 64, "Lower-case letters, digits, '.', '_' or '-'."),
		text("version", "Version", "2.3.0", p.Version, false, false, 64, ""),
		slack.NewInputBlock("env", bot.PlainText("Environment", 2000), nil, envSelect),
		slack.NewInputBlock("type", bot.PlainText("Change type", 2000), bot.PlainText("Standard: pre-approved routine change. Normal: needs approval. Emergency: urgent, approved fast, reviewed afterwards.", 2000), radio(types, string(p.Type))),
		slack.NewInputBlock("risk", bot.PlainText("Risk", 2000), nil, radio(risks, string(p.Risk))),
		text("template", "Standard template", "billing-routine", p.Template, true, false, 64, "Standard changes only: the pre-approved template it follows (/release standard list)."),
		slack.NewInputBlock("start", bot.PlainText("Start", 2000), bot.PlainText("In your own time zone.", 2000), start),
		text("duration", "Duration", "1h30m", release.FormatDuration(p.Duration), false, false, 10, "Like 45m, 2h or 1h30m."),
		slack.NewInputBlock("owner", bot.PlainText("Owner", 2000), nil, owner),
		text("components", "Components", "api@2.3.0,worker@1.4.1", componentsText(p.Components), true, false, 1000, "The configuration items this release changes, as name@version."),
		text("title", "Title", "What is this release about?", p.Title, true, false, maxTitle, ""),
		text("impact", "Impact", "Who notices, and how?", p.Impact, true, true, maxImpact, ""),
		text("rollback", "Rollback plan", "How do we undo it?", p.Rollback, true, true, maxRollback, ""),
		text("reason", "Freeze reason", "Only for emergencies during a freeze", p.Reason, true, false, kit.MaxReason, "Needed only to plan an emergency release into a freeze window."),
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackID, PrivateMetadata: st.encode(),
		Title:  bot.PlainText(title, bot.MaxModalTitle),
		Submit: bot.PlainText(submit, bot.MaxModalTitle),
		Close:  bot.PlainText("Cancel", bot.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// readModal reads and validates a submitted release form.
func readModal(v *slack.View, pc parseContext) (plan, fieldErrors) {
	var fe fieldErrors
	val := func(block string) slack.BlockAction { return v.State.Values[block]["v"] }
	p := plan{
		Service:     strings.ToLower(strings.TrimSpace(val("service").Value)),
		Version:     strings.TrimSpace(val("version").Value),
		Environment: val("env").SelectedOption.Value,
		Owner:       val("owner").SelectedUser,
		Title:       strings.TrimSpace(val("title").Value),
		Impact:      strings.TrimSpace(val("impact").Value),
		Rollback:    strings.TrimSpace(val("rollback").Value),
		Reason:      strings.TrimSpace(val("reason").Value),
		Template:    strings.ToLower(strings.TrimSpace(val("template").Value)),
	}
	if t, err := release.ParseType(val("type").SelectedOption.Value); err != nil {
		fe.add("type", "Choose a change type.")
	} else {
		p.Type = t
	}
	if r, err := release.ParseRisk(val("risk").SelectedOption.Value); err != nil {
		fe.add("risk", "Choose a risk level.")
	} else {
		p.Risk = r
	}
	if ts := val("start").SelectedDateTime; ts > 0 {
		p.Start = time.Unix(ts, 0).UTC()
	} else {
		fe.add("start", "Choose when the release starts.")
	}
	if d, err := release.ParseDuration(val("duration").Value); err != nil {
		fe.add("duration", "%s.", kit.Capitalize(err.Error()))
	} else {
		p.Duration = d
	}
	if p.Owner == "" {
		fe.add("owner", "Choose who owns the release.")
	}
	if comps, err := parseComponents(val("components").Value); err != nil {
		fe.add("components", "%s", err)
	} else {
		p.Components = comps
	}
	return p, append(fe, p.validate(pc)...)
}
