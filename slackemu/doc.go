// Package slackemu is an in-process Slack for end-to-end tests of the
// release bot: the real bot (a slack-go Web API client plus a socketmode
// client) talks to it over HTTP and websockets exactly as it talks to Slack,
// while the test plays the users and inspects what they would see.
//
// Why an emulator rather than mocks: the bugs that hurt a Slack bot in
// production are protocol bugs (an ack after 3 s, a trigger_id used too late,
// a button label over 75 characters, a reconnect that loses acks). Mocking
// slack-go hides all of them; this server enforces them and records every
// violation in ProtocolErrors, which a test asserts is empty at the end.
//
// # What is emulated
//
//   - Web API (POST /api/<method>, form or JSON, token in the Authorization
//     header or the token field): auth.test, chat.postMessage,
//     chat.postEphemeral, chat.update, chat.delete, chat.getPermalink,
//     conversations.open, conversations.info, conversations.history and
//     conversations.replies (message metadata shown with
//     include_all_metadata), users.conversations, users.info, users.list,
//     usergroups.list, usergroups.users.list, views.open, views.push, views.update,
//     views.publish and apps.connections.open, with Slack's error codes.
//   - Socket Mode: single-use tickets, hello, websocket pings, envelopes
//     spread round-robin over up to 10 connections, acks accepted on any
//     connection, disconnect messages, dropped connections, and redelivery of
//     events that were not acked in time.
//   - Interactivity: slash commands, buttons and selects in messages, modals
//     (open, push, update, submit with errors/update/push/clear, close),
//     App Home, trigger_id expiry and reuse, response_url with its use limit.
//   - Block Kit validation with Slack's limits (invalid_blocks with
//     json-pointer paths), and optional rate limits and injected faults:
//     failing or slow calls (SetFault), answers held back after the call took
//     effect (Fault.Hold, with InFlight to see them), and a bot token the
//     workspace rejects (RejectBotToken).
//
// # Usage
//
//	s := slackemu.New(slackemu.Config{Logf: t.Logf})
//	t.Cleanup(s.Close)
//	s.AddUser(slackemu.User{ID: "U1", Name: "ana"})
//	s.AddChannel(slackemu.Channel{ID: "C1", Name: "releases", Members: []string{"UBOT", "U1"}})
//
//	api := slack.New(slackemu.BotToken, slack.OptionAPIURL(s.APIURL()),
//		slack.OptionAppLevelToken(slackemu.AppToken))
//	go runBot(ctx, socketmode.New(api)) // the code under test
//
//	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//	defer cancel()
//	res, err := s.As("U1").Command(ctx, "C1", "/release new api 1.2.3")
//	// res.Reply is the ephemeral answer from the ack payload.
//	err = s.WaitFor(ctx, func() bool { return len(s.Messages("C1")) == 1 })
//	_, err = s.As("U1").Click(ctx, s.Messages("C1")[0], "Approve")
//	if errs := s.ProtocolErrors(); len(errs) > 0 {
//		t.Fatalf("protocol errors: %v", errs)
//	}
//
// Tests never sleep: WaitFor wakes on every state change, and timeouts are
// tested by shortening AckTimeout or TriggerTTL in Config.
//
// # Not emulated
//
// Message events for user posts (use SendEvent to deliver any event), files,
// reactions, attachments beyond counting as message content, multi-person
// DMs, Enterprise Grid, HTTP-mode Events API request signing, and Slack's
// markdown rendering (texts are compared as sent).
package slackemu
