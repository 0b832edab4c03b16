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
