package slackemu

import (
	"testing"

	"github.com/slack-go/slack"
)

// Metadata posted with a message comes back from conversations.history
// only with include_all_metadata; oldest, limit and the cursor page through
// the channel newest first; thread replies stay out of the channel's
// history and are read with conversations.replies.
func TestHistoryShowsMetadataOnRequest(t *testing.T) {
	s := newServer(t, Config{})
	api := newAPI(s)
	ctx := testCtx(t)
	meta := slack.SlackMetadata{EventType: "releasebot_outbox", EventPayload: map[string]any{"outbox_id": 42}}
	_, first, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("first", false))
	if err != nil {
		t.Fatal(err)
	}
	var tss []string
	for _, text := range []string{"second", "third", "fourth"} {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false), slack.MsgOptionMetadata(meta))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("a reply", false), slack.MsgOptionTS(first), slack.MsgOptionMetadata(meta)); err != nil {
		t.Fatal(err)
	}

	plain, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Messages) != 4 || plain.Messages[0].Text != "fourth" || plain.Messages[3].Text != "first" {
		t.Fatalf("history = %+v, want the 4 top-level messages newest first", plain.Messages)
	}
	if plain.Messages[0].Metadata.EventType != "" {
		t.Fatalf("metadata shown without include_all_metadata: %+v", plain.Messages[0].Metadata)
	}

	// After first (exclusive), two a page.
	var got []slack.Message
	cursor, pages := "", 0
	for {
		resp, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: "C1", Oldest: first, Limit: 2, Cursor: cursor, IncludeAllMetadata: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, resp.Messages...)
		if cursor = resp.ResponseMetaData.NextCursor; cursor == "" {
			if resp.HasMore {
				t.Fatal("has_more without a cursor")
			}
			break
		}
	}
	if pages != 2 || len(got) != 3 || got[0].Timestamp != tss[2] || got[2].Timestamp != tss[0] {
		t.Fatalf("%d pages: %+v, want second..fourth newest first in 2 pages", pages, got)
	}
	for _, m := range got {
		if m.Metadata.EventType != "releasebot_outbox" || m.Metadata.EventPayload["outbox_id"] != float64(42) {
			t.Fatalf("%s: metadata %+v", m.Text, m.Metadata)
		}
	}

	replies, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: "C1", Timestamp: first, IncludeAllMetadata: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 || replies[0].Text != "first" || replies[1].Text != "a reply" || replies[1].Metadata.EventType != "releasebot_outbox" {
		t.Fatalf("replies = %+v, want the parent then the reply with its metadata", replies)
	}
	_, _, _, err = api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.000001"})
	if slackErr(err) != "thread_not_found" {
		t.Fatalf("replies of no message: %v", err)
	}

	// Malformed metadata is the bot's fault.
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{}))
	if slackErr(err) != "invalid_metadata_format" {
		t.Fatalf("empty metadata: %v", err)
	}
	expectProtocolErrors(t, s, "invalid_metadata_format")
}

// A bot token reads only conversations the bot is in, like Slack: a public
// channel it posts in without having joined answers not_in_channel, a
// private one or an unknown id channel_not_found. A DM opened by posting to
// a user id is listed by users.conversations and readable.
func TestHistoryNeedsMembership(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "C2", Name: "general", Members: []string{"U1"}})
	s.AddChannel(Channel{ID: "G1", Name: "secret", Private: true, Members: []string{"U1"}})
	api := newAPI(s)
	ctx := testCtx(t)
	for ch, want := range map[string]string{"C2": "not_in_channel", "G1": "channel_not_found", "C404": "channel_not_found"} {
		_, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch})
		if slackErr(err) != want {
			t.Errorf("history of %s: %v, want %s", ch, err, want)
		}
	}

	ims, _, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: []string{"im"}})
	if err != nil || len(ims) != 0 {
		t.Fatalf("IMs before any DM: %+v %v", ims, err)
	}
	dm, ts, err := api.PostMessageContext(ctx, "U2", slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatal(err)
	}
	s.IMChannel("U1") // a second DM, to page through
	var found []slack.Channel
	cursor := ""
	for {
		page, next, err := api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{Types: []string{"im"}, Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(found) != 2 {
		t.Fatalf("IMs = %+v, want 2", found)
	}
	var im string
	for _, c := range found {
		if c.IsIM && c.User == "U2" {
			im = c.ID
		}
	}
	if im != dm {
		t.Fatalf("the DM with U2 is listed as %q, posted in %q", im, dm)
	}
	resp, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: im})
	if err != nil || len(resp.Messages) != 1 || resp.Messages[0].Timestamp != ts {
		t.Fatalf("DM history: %+v %v", resp, err)
	}
	expectProtocolErrors(t, s)
}
