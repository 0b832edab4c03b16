package slackemu

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// slackErr returns the Slack error code of a slack-go error.
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestAuthTestAndTokens(t *testing.T) {
	s := newServer(t, Config{})
	api := newAPI(s)
	resp, err := api.AuthTest()
	if err != nil {
		t.Fatal(err)
	}
	if resp.UserID != "UBOT" || resp.TeamID != "T0EMULATE" || resp.BotID != BotID || resp.User != "releasebot" {
		t.Errorf("auth.test = %+v", resp)
	}
	cases := []struct {
		method, token, want string
	}{
		{"auth.test", "", "not_authed"},
		{"auth.test", "xoxb-wrong", "invalid_auth"},
		{"auth.test", AppToken, "not_allowed_token_type"},
		{"apps.connections.open", BotToken, "not_allowed_token_type"},
		{"apps.connections.open", "xapp-wrong", "invalid_auth"},
		{"chat.frobnicate", BotToken, "unknown_method"},
	}
	for _, c := range cases {
		status, body, _ := postRaw(t, s, c.method, c.token, nil)
		if status != 200 || body["ok"] != false || body["error"] != c.want {
			t.Errorf("%s with %q: HTTP %d %v, want %s", c.method, c.token, status, body, c.want)
		}
	}
	// The token may also come as a form field.
	if _, body, _ := postRaw(t, s, "auth.test", "", url.Values{"token": {BotToken}}); body["ok"] != true {
		t.Errorf("token field: %v", body)
	}
	calls := s.Calls("auth.test")
	if len(calls) != 5 || calls[1].Error != "not_authed" || calls[1].HTTPStatus != 200 {
		t.Errorf("auth.test calls = %+v", calls)
	}
	expectProtocolErrors(t, s, "not_authed", "invalid_auth", "not_allowed_token_type", "unknown_method")
}

func TestPostMessageChannelsAndThreads(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "C2", Name: "general"})
	s.AddChannel(Channel{ID: "G1", Name: "secret", Private: true, Members: []string{"U1"}})
	s.AddChannel(Channel{ID: "G2", Name: "bot-secret", Private: true, Members: []string{"UBOT", "U1"}})
	s.AddChannel(Channel{ID: "C3", Name: "old", Archived: true})
	s.AddUser(User{ID: "U9", Name: "gone", Deleted: true})
	api := newAPI(s)

	for _, c := range []struct{ channel, want string }{
		{"C2", ""}, {"#general", ""}, {"G2", ""}, {"U1", ""},
		{"G1", "not_in_channel"}, {"C3", "is_archived"}, {"C404", "channel_not_found"},
		{"U9", "user_disabled"}, {"UBOT", "cannot_dm_bot"},
	} {
		_, _, err := api.PostMessage(c.channel, slack.MsgOptionText("hi", false))
		if got := slackErr(err); got != c.want {
			t.Errorf("post to %s: error %q, want %q", c.channel, got, c.want)
		}
	}
	if dms := s.As("U1").DMs(); len(dms) != 1 || dms[0].Channel != s.IMChannel("U1") || !strings.HasPrefix(dms[0].Channel, "D") {
		t.Errorf("DMs = %+v", dms)
	}
	if got := s.Messages("C2"); len(got) != 2 {
		t.Errorf("C2 has %d messages, want 2 (by id and by name)", len(got))
	}

	_, parent, err := api.PostMessage("C1", slack.MsgOptionText("release 1.2.3", false))
	if err != nil {
		t.Fatal(err)
	}
	_, reply, err := api.PostMessage("C1", slack.MsgOptionText("step 1 done", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	// A reply to a reply lands in the parent's thread.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("step 2 done", false), slack.MsgOptionTS(reply), slack.MsgOptionBroadcast()); err != nil {
		t.Fatal(err)
	}
	top := s.Messages("C1")
	if len(top) != 2 || top[0].ReplyCount != 2 || top[1].Text != "step 2 done" {
		t.Errorf("top-level = %+v", top)
	}
	if r := s.Replies("C1", parent); len(r) != 2 || r[0].ThreadTS != parent || r[1].ThreadTS != parent {
		t.Errorf("replies = %+v", r)
	}

	_, _, err = api.PostMessage("C1")
	if slackErr(err) != "no_text" {
		t.Errorf("empty message: %v", err)
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText(strings.Repeat("x", 40001), false))
	if slackErr(err) != "msg_too_long" {
		t.Errorf("long message: %v", err)
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001"))
	if err != nil {
		t.Errorf("reply to an unknown thread: %v", err)
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionBlocks(buttonsMessage("no fallback", "Go")...))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 1 || !strings.Contains(w[0], "no text fallback") {
		t.Errorf("warnings = %q", w)
	}
	expectProtocolErrors(t, s, "no_text", "msg_too_long", "matches no message")
}

func TestEphemeralUpdateDeletePermalink(t *testing.T) {
	s := newServer(t, Config{})
	s.AddUser(User{ID: "U3", Name: "cy"})
	api := newAPI(s)

	if _, err := api.PostEphemeral("C1", "U3", slack.MsgOptionText("psst", false)); slackErr(err) != "user_not_in_channel" {
		t.Errorf("ephemeral to non-member: %v", err)
	}
	if _, err := api.PostEphemeral("C1", "U404", slack.MsgOptionText("psst", false)); slackErr(err) != "user_not_found" {
		t.Errorf("ephemeral to unknown user: %v", err)
	}
	ts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("psst", false))
	if err != nil || ts == "" {
		t.Fatalf("postEphemeral: %q %v", ts, err)
	}
	if e := s.As("U1").Ephemerals("C1"); len(e) != 1 || e[0].TS != ts || e[0].Text != "psst" {
		t.Errorf("ephemerals = %+v", e)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Errorf("chat.update of an ephemeral: %v", err)
	}

	_, msgTS, err := api.PostMessage("C1", slack.MsgOptionText("draft", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", msgTS, slack.MsgOptionText("final", false)); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message("C1", msgTS); m.Text != "final" || !m.Edited {
		t.Errorf("updated = %+v", m)
	}
	userMsg := s.As("U1").Post("C1", "hello bot", "")
	if _, _, _, err := api.UpdateMessage("C1", userMsg.TS, slack.MsgOptionText("x", false)); slackErr(err) != "cant_update_message" {
		t.Errorf("update someone else's message: %v", err)
	}
	if _, _, err := api.DeleteMessage("C1", userMsg.TS); slackErr(err) != "cant_delete_message" {
		t.Errorf("delete someone else's message: %v", err)
	}
	if _, _, _, err := api.UpdateMessage("C1", "123.456", slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Errorf("update unknown: %v", err)
	}

	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: msgTS})
	if err != nil || link != "https://emulator.slack.com/archives/C1/p"+strings.ReplaceAll(msgTS, ".", "") {
		t.Errorf("permalink = %q, %v", link, err)
	}
	_, replyTS, _ := api.PostMessage("C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(msgTS))
	link, _ = api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: replyTS})
	if !strings.HasSuffix(link, "?thread_ts="+msgTS+"&cid=C1") {
		t.Errorf("reply permalink = %q", link)
	}

	if _, _, err := api.DeleteMessage("C1", msgTS); err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Messages("C1") {
		if m.TS == msgTS {
			t.Error("deleted message still listed")
		}
	}
	if m, ok := s.Message("C1", msgTS); !ok || !m.Deleted {
		t.Errorf("Message(deleted) = %+v, %v", m, ok)
	}
	if _, _, err := api.DeleteMessage("C1", msgTS); slackErr(err) != "message_not_found" {
		t.Errorf("delete twice: %v", err)
	}
	expectProtocolErrors(t, s)
}

func TestConversationsUsersAndGroups(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "G1", Name: "secret", Private: true, Members: []string{"U1"}})
	s.AddUser(User{ID: "U9", Name: "gone", Deleted: true})
	s.AddUserGroup(UserGroup{ID: "S1", Handle: "cab", Users: []string{"U1"}})
	api := newAPI(s)
	ctx := context.Background()

	ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != s.IMChannel("U1") {
		t.Fatalf("conversations.open = %+v, %v", ch, err)
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U9"}}); slackErr(err) != "user_disabled" {
		t.Errorf("open with deactivated user: %v", err)
	}
	if _, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U404"}}); slackErr(err) != "user_not_found" {
		t.Errorf("open with unknown user: %v", err)
	}

	info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C1"})
	if err != nil || info.Name != "releases" || !info.IsChannel || info.IsPrivate || !info.IsMember || info.IsArchived {
		t.Errorf("conversations.info C1 = %+v, %v", info, err)
	}
	im, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: ch.ID})
	if err != nil || !im.IsIM || im.User != "U1" {
		t.Errorf("conversations.info IM = %+v, %v", im, err)
	}
	if _, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "G1"}); slackErr(err) != "channel_not_found" {
		t.Errorf("private channel without the bot: %v", err)
	}

	u, err := api.GetUserInfo("U1")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	abbr, offset := time.Now().In(berlin).Zone()
	if u.Name != "ana" || u.RealName != "Ana Lima" || u.TZ != "Europe/Berlin" || u.TZOffset != offset || u.TZLabel != abbr ||
		u.Profile.RealName != "Ana Lima" || u.Profile.DisplayName != "ana" || u.IsBot || u.Deleted {
		t.Errorf("users.info = %+v", u)
	}
	if bot, err := api.GetUserInfo("UBOT"); err != nil || !bot.IsBot {
		t.Errorf("users.info bot = %+v, %v", bot, err)
	}
	if gone, err := api.GetUserInfo("U9"); err != nil || !gone.Deleted {
		t.Errorf("users.info deleted = %+v, %v", gone, err)
	}
	if _, err := api.GetUserInfo("U404"); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}

	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(2))
	var ids []string
	for {
		p, err = p.Next(ctx)
		if p.Done(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Users {
			ids = append(ids, m.ID)
		}
	}
	if strings.Join(ids, ",") != "UBOT,U1,U2,U9" {
		t.Errorf("users.list = %v", ids)
	}
	if len(s.Calls("users.list")) != 2 {
		t.Errorf("users.list calls = %d, want 2 pages", len(s.Calls("users.list")))
	}

	members, err := api.GetUserGroupMembers("S1")
	if err != nil || strings.Join(members, ",") != "U1" {
		t.Errorf("usergroups.users.list = %v, %v", members, err)
	}
	s.SetUserGroupUsers("S1", []string{"U1", "U2"})
	if members, _ = api.GetUserGroupMembers("S1"); len(members) != 2 {
		t.Errorf("after SetUserGroupUsers: %v", members)
	}
	if _, err := api.GetUserGroupMembers("S404"); slackErr(err) != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
	expectProtocolErrors(t, s)
}

func TestJSONBodiesAndCallRecords(t *testing.T) {
	s := newServer(t, Config{})
	status, body, _ := postJSON(t, s, s.APIURL()+"chat.postMessage", BotToken, map[string]any{
		"channel": "C1",
		"text":    "json",
		"blocks":  []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*json* body"}}},
	})
	if status != 200 || body["ok"] != true {
		t.Fatalf("JSON post: %d %v", status, body)
	}
	msgs := s.Messages("C1")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content(), "*json* body") {
		t.Fatalf("messages = %+v", msgs)
	}
	c := s.Calls("chat.postMessage")[0]
	if c.Params["channel"] != "C1" || !strings.HasPrefix(c.Params["blocks"], "[") || c.HTTPStatus != 200 || c.Error != "" || c.At.IsZero() {
		t.Errorf("call = %+v", c)
	}
	expectProtocolErrors(t, s)
}
