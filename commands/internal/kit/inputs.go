package kit

import (
	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
)

// Input is a modal's input block: its block id is the field a refusal
// names, a hint is shown under it when not empty.
func Input(block, label, hint string, el slack.BlockElement, optional bool) *slack.InputBlock {
	var h *slack.TextBlockObject
	if hint != "" {
		h = bot.PlainText(hint, 2000)
	}
	b := slack.NewInputBlock(block, bot.PlainText(label, 2000), h, el)
	b.Optional = optional
	return b
}

// AllEnvironments is the environment choice that means every one (a static
// option's value cannot be empty).
const AllEnvironments = "all"

// EnvironmentSelect is a form's environment choice: every environment, or
// one of envs; it starts on every one.
func EnvironmentSelect(envs []string) *slack.SelectBlockElement {
	opts := []*slack.OptionBlockObject{slack.NewOptionBlockObject(AllEnvironments, bot.PlainText("All environments", bot.MaxOptionText), nil)}
	for _, e := range envs {
		opts = append(opts, slack.NewOptionBlockObject(e, bot.PlainText(e, bot.MaxOptionText), nil))
	}
	env := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, bot.PlainText("Environment", 150), "v", opts...)
	env.InitialOption = opts[0]
	return env
}
