package bot

import (
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// parse builds a Request, with the key that identifies the user action
// inside the envelope across redeliveries.
func parse(evt socketmode.Event) (*Request, error) {
	envelope := evt.Request.EnvelopeID
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return nil, errors.New("slash command payload of unexpected shape")
		}
		if cmd.UserID == "" {
			return nil, errors.New("slash command without a user")
		}
		return &Request{
			Kind: KindCommand, UserID: cmd.UserID, UserName: cmd.UserName, TeamID: cmd.TeamID,
			ChannelID: cmd.ChannelID, TriggerID: cmd.TriggerID, ResponseURL: cmd.ResponseURL,
			Command: cmd.Command, Text: cmd.Text, DeliveryKey: dedupKey("cmd", cmd.TriggerID, envelope),
		}, nil
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return nil, errors.New("interaction payload of unexpected shape")
		}
		return parseInteraction(cb, envelope)
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			return nil, errors.New("events payload of unexpected shape")
		}
		req := &Request{Kind: KindEvent, TeamID: ev.TeamID, EventType: ev.InnerEvent.Type, Event: ev.InnerEvent.Data}
		if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok {
			req.UserID, req.ChannelID = home.User, home.Channel
		}
		eventID := ""
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
			eventID = cb.EventID
		}
		req.DeliveryKey = dedupKey("evt", eventID, envelope)
		return req, nil
	}
	return nil, fmt.Errorf("envelope type %s not handled", evt.Type)
}

func parseInteraction(cb slack.InteractionCallback, envelope string) (*Request, error) {
	if cb.User.ID == "" {
		return nil, errors.New("interaction without a user")
	}
	req := &Request{
		UserID: cb.User.ID, UserName: cb.User.Name, TeamID: cb.Team.ID,
		ChannelID: cb.Channel.ID, TriggerID: cb.TriggerID, ResponseURL: cb.ResponseURL,
	}
	if req.ChannelID == "" {
		req.ChannelID = cb.Container.ChannelID
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			return nil, errors.New("block_actions without an action")
		}
		req.Kind = KindAction
		req.Action = cb.ActionCallback.BlockActions[0]
		req.MessageTS = cb.Container.MessageTs
		req.IsEphemeral = cb.Container.IsEphemeral
		if cb.Container.Type == "view" || cb.View.ID != "" {
			view := cb.View
			req.View = &view
		}
		if cb.Message.Timestamp != "" {
			msg := cb.Message
			req.Message = &msg
		}
		req.DeliveryKey = dedupKey("act", cb.TriggerID+"/"+req.Action.ActionTs, envelope)
		return req, nil
	case slack.InteractionTypeViewSubmission:
		view := cb.View
		req.Kind, req.View = KindSubmission, &view
		req.DeliveryKey = dedupKey("sub", cb.TriggerID, envelope)
		return req, nil
	case slack.InteractionTypeViewClosed:
		view := cb.View
		req.Kind, req.View = KindViewClosed, &view
		req.DeliveryKey = dedupKey("cls", view.ID, envelope)
		return req, nil
	}
	return nil, fmt.Errorf("interaction type %q not handled", cb.Type)
}

func dedupKey(prefix, natural, envelope string) string {
	if natural == "" || natural == "/" {
		return "env:" + envelope
	}
	return prefix + ":" + natural
}
