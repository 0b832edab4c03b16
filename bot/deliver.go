package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
)

// deliver shows resp to the user: in the ack if it has not gone yet,
// otherwise through response_url, views.update or an ephemeral message.
func (l *Listener) deliver(ctx context.Context, j *job, resp *Response, handlerErr error) {
	ctx = context.WithoutCancel(ctx)
	switch j.req.Kind {
	case KindCommand:
		if resp == nil {
			l.ack(j, nil)
			return
		}
		if l.ack(j, commandPayload(resp)) {
			return
		}
		l.respond(ctx, j, resp)
	case KindSubmission:
		l.deliverSubmission(ctx, j, resp, handlerErr)
	case KindAction:
		l.deliverAction(ctx, j, resp)
	default:
		l.ack(j, nil)
	}
}

func (l *Listener) deliverAction(ctx context.Context, j *job, resp *Response) {
	if resp == nil {
		return
	}
	if resp.View != nil && j.req.View != nil && resp.ViewAction == string(slack.RAUpdate) {
		if err := l.o.API.UpdateView(ctx, j.req.View.ID, j.req.View.Hash, *resp.View); err != nil {
			l.log.Warn("update view", "envelope_id", j.envelope, "err", err)
		}
	}
	if resp.Text == "" && len(resp.Blocks) == 0 && !resp.DeleteOriginal {
		return
	}
	if j.req.ResponseURL != "" {
		l.respond(ctx, j, resp)
		return
	}
	l.notice(ctx, j, resp.NoticeChannel, resp)
}

func (l *Listener) deliverSubmission(ctx context.Context, j *job, resp *Response, handlerErr error) {
	failed := handlerErr != nil && !isUserError(handlerErr)
	var payload any
	if p := l.submissionPayload(j, resp, failed); p != nil {
		payload = p
	}
	inTime := l.ack(j, payload)
	if resp == nil {
		return
	}
	switch {
	case failed && payload != nil && inTime:
		return // the apology is shown in the modal
	case !inTime && len(resp.Errors) > 0:
		// The modal closed before the answer was ready: say what was wrong.
		var text strings.Builder
		text.WriteString("I couldn't save your form:")
		for _, msg := range resp.Errors {
			text.WriteString("\n• " + msg)
		}
		text.WriteString("\nPlease open it again and correct it.")
		l.notice(ctx, j, resp.NoticeChannel, &Response{Text: text.String()})
		return
	}
	if resp.Text != "" || len(resp.Blocks) > 0 {
		l.notice(ctx, j, resp.NoticeChannel, resp)
	}
}

// submissionPayload is the ack of a view submission: field errors keep the
// modal open, update and push replace or stack a view, clear closes every
// modal of the stack, and nil closes this one. A failed handler's apology
// is shown on the form's first input, so the user sees nothing was saved.
func (l *Listener) submissionPayload(j *job, resp *Response, failed bool) *slack.ViewSubmissionResponse {
	switch {
	case resp == nil:
		return nil
	case failed:
		if block := firstInputBlock(j.req.View); block != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{block: Unmarkdown(resp.Text)})
		}
		return nil
	case len(resp.Errors) > 0:
		// Field errors are plain text on Slack's side.
		plain := make(map[string]string, len(resp.Errors))
		for block, msg := range resp.Errors {
			plain[block] = Unmarkdown(msg)
		}
		return slack.NewErrorsViewSubmissionResponse(plain)
	}
	switch slack.ViewResponseAction(resp.ViewAction) {
	case "":
		return nil
	case slack.RAClear:
		return slack.NewClearViewSubmissionResponse()
	case slack.RAUpdate:
		if resp.View != nil {
			return slack.NewUpdateViewSubmissionResponse(resp.View)
		}
	case slack.RAPush:
		if resp.View != nil {
			return slack.NewPushViewSubmissionResponse(resp.View)
		}
	}
	l.log.Error("a submission handler asked for a view action the transport cannot send; the modal closes",
		"envelope_id", j.envelope, "route", routeOf(j.req), "view_action", resp.ViewAction, "has_view", resp.View != nil)
	return nil
}

func isUserError(err error) bool {
	_, ok := UserMessage(err)
	return ok
}

// notice shows resp ephemerally in channel, or in the user's DM.
func (l *Listener) notice(ctx context.Context, j *job, channel string, resp *Response) {
	msg := Message{Text: resp.Text, Blocks: resp.Blocks}
	var err error
	if channel != "" {
		err = l.o.API.PostEphemeral(ctx, channel, j.req.UserID, msg)
		if err == nil {
			return
		}
		l.log.Info("ephemeral notice failed; sending it by DM", "envelope_id", j.envelope, "err", err)
	}
	if _, _, err = l.o.API.PostMessage(ctx, j.req.UserID, "", msg); err != nil {
		l.log.Error("notice lost", "envelope_id", j.envelope, "err", err)
	}
}

func (l *Listener) respond(ctx context.Context, j *job, resp *Response) {
	if j.req.ResponseURL == "" {
		l.notice(ctx, j, j.req.ChannelID, resp)
		return
	}
	m := ResponseURLMessage{Text: resp.Text, Blocks: resp.Blocks, ReplaceOriginal: resp.ReplaceOriginal, DeleteOriginal: resp.DeleteOriginal, ResponseType: slack.ResponseTypeEphemeral}
	if resp.InChannel {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	if err := l.o.API.Respond(ctx, j.req.ResponseURL, m); err != nil {
		l.log.Warn("response_url failed; sending the answer another way", "envelope_id", j.envelope, "err", err)
		l.notice(ctx, j, j.req.ChannelID, resp)
	}
}

// commandAck is the ack payload of a slash command: the answer itself.
type commandAck struct {
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
	ResponseType string        `json:"response_type"`
}

// commandPayload is resp as a slash command's ack payload, or nil (an
// empty ack) when there is nothing to show.
func commandPayload(resp *Response) any {
	if resp == nil || (resp.Text == "" && len(resp.Blocks) == 0) {
		return nil
	}
	p := commandAck{Text: Truncate(resp.Text, MaxMessageText), Blocks: resp.Blocks, ResponseType: slack.ResponseTypeEphemeral}
	if resp.InChannel {
		p.ResponseType = slack.ResponseTypeInChannel
	}
	return p
}

func firstInputBlock(v *slack.View) string {
	if v == nil {
		return ""
	}
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok && in.BlockID != "" {
			return in.BlockID
		}
	}
	return ""
}
