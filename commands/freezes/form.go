package freezes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
)

// CallbackFreeze is the freeze form's callback id.
const CallbackFreeze = "freeze.form"

// openForm opens the freeze form: start and end pickers (in the admin's
// own zone, as Slack shows them), the environment and the reason. It is
// what `/release freeze add` without arguments does.
func (s *Service) openForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	env := kit.EnvironmentSelect(s.Config.Environments)
	next := s.Now().Add(24 * time.Hour).Truncate(time.Hour)
	start, end := slack.NewDateTimePickerBlockElement("v"), slack.NewDateTimePickerBlockElement("v")
	start.InitialDateTime, end.InitialDateTime = next.Unix(), next.Add(24*time.Hour).Unix()
	reason := slack.NewPlainTextInputBlockElement(bot.PlainText("Holiday freeze", 150), "v")
	reason.MaxLength = 500
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackFreeze,
		Title: bot.PlainText("Add a freeze", bot.MaxModalTitle), Submit: bot.PlainText("Add", bot.MaxModalTitle), Close: bot.PlainText("Cancel", bot.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("start", bot.PlainText("Start", 2000), bot.PlainText("In your own time zone.", 2000), start),
			slack.NewInputBlock("end", bot.PlainText("End", 2000), nil, end),
			slack.NewInputBlock("env", bot.PlainText("Environment", 2000), nil, env),
			slack.NewInputBlock("reason", bot.PlainText("Reason", 2000), bot.PlainText("People whose releases are refused read it.", 2000), reason),
		}},
	}
	if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open freeze form: %w", err)
	}
	return nil, nil
}

// SubmitForm adds the freeze the form describes, with the typed command's
// checks; a refusal stays in the form.
func (s *Service) SubmitForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return &bot.Response{Errors: map[string]string{"reason": "Only admins can add freeze windows."}}, nil
	}
	val := func(block string) slack.BlockAction { return req.View.State.Values[block]["v"] }
	startTS, endTS := val("start").SelectedDateTime, val("end").SelectedDateTime
	if startTS <= 0 || endTS <= 0 {
		return &bot.Response{Errors: map[string]string{"start": "Choose when the freeze starts and ends."}}, nil
	}
	env := val("env").SelectedOption.Value
	if env == kit.AllEnvironments {
		env = ""
	}
	f, err := s.checkFreeze(s.Dir.Location(ctx, req.UserID), req.UserID, env, strings.TrimSpace(val("reason").Value),
		time.Unix(startTS, 0).UTC(), time.Unix(endTS, 0).UTC())
	if msg, refused := bot.UserMessage(err); refused {
		field := "end"
		if strings.Contains(msg, "reason") {
			field = "reason"
		}
		return &bot.Response{Errors: map[string]string{field: msg}}, nil
	}
	if err != nil {
		return nil, err
	}
	resp, err := s.add(ctx, req.UserID, f)
	if err != nil || resp == nil {
		return resp, err
	}
	return &bot.Response{Text: resp.Text}, nil
}
