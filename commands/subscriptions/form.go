package subscriptions

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
)

// CallbackSubscribe is the subscription form's callback id.
const CallbackSubscribe = "subscribe.form"

// openForm opens the subscription form: a service, an environment, a
// channel picker (empty means by DM) and the level. It is what
// `/release subscribe` without arguments does.
func (s *Service) openForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	env := kit.EnvironmentSelect(s.Config.Environments)
	channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, bot.PlainText("By DM to me", 150), "v")
	if !strings.HasPrefix(req.ChannelID, "D") {
		channel.InitialConversation = req.ChannelID
	}
	levels := make([]*slack.OptionBlockObject, len(delivery.Levels))
	for i, l := range delivery.Levels {
		levels[i] = slack.NewOptionBlockObject(l, bot.PlainText(l, bot.MaxOptionText), bot.PlainText(levelWords(l), bot.MaxOptionText))
	}
	level := slack.NewRadioButtonsBlockElement("v", levels...)
	level.InitialOption = levels[0]
	service := slack.NewPlainTextInputBlockElement(bot.PlainText("billing, or all", 150), "v")
	service.MaxLength = 64
	channelBlock := slack.NewInputBlock("channel", bot.PlainText("Channel", 2000), bot.PlainText("Leave it empty to hear by DM.", 2000), channel)
	channelBlock.Optional = true
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackSubscribe,
		Title: bot.PlainText("Subscribe", bot.MaxModalTitle), Submit: bot.PlainText("Subscribe", bot.MaxModalTitle), Close: bot.PlainText("Cancel", bot.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("service", bot.PlainText("Service", 2000), nil, service),
			slack.NewInputBlock("env", bot.PlainText("Environment", 2000), nil, env),
			channelBlock,
			slack.NewInputBlock("level", bot.PlainText("Level", 2000), nil, level),
		}},
	}
	if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open subscription form: %w", err)
	}
	return nil, nil
}

// SubmitForm subscribes as the form says, through the same checks as the
// typed command; a refusal stays in the form, on the service field.
func (s *Service) SubmitForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	val := func(block string) slack.BlockAction { return req.View.State.Values[block]["v"] }
	line := strings.TrimSpace(val("service").Value)
	if strings.ContainsAny(line, " \t\n=") || line == "" {
		return &bot.Response{Errors: map[string]string{"service": "Name one service, like billing, or all."}}, nil
	}
	if env := val("env").SelectedOption.Value; env != "" && env != kit.AllEnvironments {
		line += " env=" + env
	}
	typed := *req
	if ch := val("channel").SelectedConversation; ch != "" {
		typed.ChannelID = ch
		line += " here"
	} else {
		line += " me"
	}
	if l := val("level").SelectedOption.Value; l != "" {
		line += " level=" + l
	}
	typed.Args = line
	resp, err := s.Subscribe(ctx, &typed)
	if msg, refused := bot.UserMessage(err); refused {
		return &bot.Response{Errors: map[string]string{"service": msg}}, nil
	}
	if err != nil || resp == nil {
		return resp, err
	}
	return &bot.Response{Text: resp.Text}, nil
}
