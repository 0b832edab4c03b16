package slackemu

import (
	"context"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// A rejected bot token fails every bot-token method, auth.test included,
// with the code given, without counting as the bot's protocol error; Socket
// Mode (the app token) keeps working; accepting it again restores all.
func TestRejectedBotToken(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "C1", Name: "releases", Members: []string{"UBOT"}})
	api := newAPI(s)
	s.RejectBotToken("token_revoked")
	if _, err := api.AuthTest(); slackErr(err) != "token_revoked" {
		t.Fatalf("auth.test: %v", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); slackErr(err) != "token_revoked" {
		t.Fatalf("chat.postMessage: %v", err)
	}
	if _, body, _ := postRaw(t, s, "apps.connections.open", AppToken, nil); body["ok"] != true {
		t.Fatalf("apps.connections.open with the app token: %v", body)
	}
	if n := len(s.Messages("C1")); n != 0 {
		t.Fatalf("%d messages posted with a rejected token", n)
	}
	s.AcceptBotToken()
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("auth.test after AcceptBotToken: %v", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("chat.postMessage after AcceptBotToken: %v", err)
	}
	expectProtocolErrors(t, s)
}

// Hold posts the message at once and holds the answer back; InFlight
// counts the request until the answer is written.
func TestHeldAnswers(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "C1", Name: "releases", Members: []string{"UBOT"}})
	api := newAPI(s)
	s.SetFault("chat.postMessage", Fault{Hold: time.Minute, Times: 1})
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() {
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("held", false))
		done <- err
	}()
	if err := s.WaitFor(testCtx(t), func() bool { return len(s.Messages("C1")) == 1 && s.InFlight("chat.postMessage") == 1 }); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("the answer came before the hold ended: %v", err)
	default:
	}
	cancel() // the bot gives up: Slack has posted it anyway
	if err := <-done; err == nil {
		t.Fatal("a cancelled call succeeded")
	}
	if err := s.WaitFor(testCtx(t), func() bool { return s.InFlight("") == 0 }); err != nil {
		t.Fatal(err)
	}
	if calls := s.Calls("chat.postMessage"); len(calls) != 1 || calls[0].Error != "" {
		t.Fatalf("calls: %+v", calls)
	}
}
