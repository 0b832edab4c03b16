package slackemu

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func pt(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func opt(text, value string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, pt(text), nil)
}

// releaseModal is the modal the test bot opens for "/release new".
func releaseModal() slack.ModalViewRequest {
	service := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Pick a service"), "service_select", opt("api", "api"), opt("web", "web"))
	version := slack.NewPlainTextInputBlockElement(pt("1.2.3"), "version_input")
	approvers := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, pt("Who approves"), "approvers_select")
	date := slack.NewDatePickerBlockElement("date_pick")
	date.InitialDate = "2024-05-01"
	checks := slack.NewCheckboxGroupsBlockElement("checks", opt("Tests passed", "tests"), opt("Docs updated", "docs"))
	count := slack.NewNumberInputBlockElement(pt("n"), "count", false)
	when := slack.NewDateTimePickerBlockElement("when")
	channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, pt("Channel"), "channel_select")
	tm := slack.NewTimePickerBlockElement("time_pick")
	optional := func(b *slack.InputBlock) *slack.InputBlock { b.Optional = true; return b }
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           pt("New release"),
		Submit:          pt("Create"),
		Close:           pt("Cancel"),
		CallbackID:      "new_release",
		PrivateMetadata: "C1",
		NotifyOnClose:   true,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("service_block", pt("Service"), nil, service),
			slack.NewInputBlock("version_block", pt("Version"), pt("Semantic version"), version),
			optional(slack.NewInputBlock("approvers_block", pt("Approvers"), nil, approvers)),
			slack.NewInputBlock("date_block", pt("Date"), nil, date),
			optional(slack.NewInputBlock("checks_block", pt("Checks"), nil, checks)),
			optional(slack.NewInputBlock("count_block", pt("Count"), nil, count)),
			optional(slack.NewInputBlock("when_block", pt("When"), nil, when)),
			optional(slack.NewInputBlock("channel_block", pt("Channel"), nil, channel)),
			optional(slack.NewInputBlock("time_block", pt("Time"), nil, tm)),
		}},
	}
}

func confirmModal(title string) *slack.ModalViewRequest {
	return &slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  pt(title),
		Submit: pt("Confirm"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Ship *web* 1.2.3?", false, false), nil,
				slack.NewAccessory(slack.NewButtonBlockElement("help", "help", pt("Help")))),
		}},
	}
}

type modalBot struct {
	responses   chan any // ack payload for the next view_submission
	submissions chan slack.InteractionCallback
	actions     chan slack.InteractionCallback
	closed      chan slack.InteractionCallback
	openErrs    chan error
}

func startModalBot(t *testing.T, s *Server) *modalBot {
	mb := &modalBot{
		responses:   make(chan any, 10),
		submissions: make(chan slack.InteractionCallback, 10),
		actions:     make(chan slack.InteractionCallback, 10),
		closed:      make(chan slack.InteractionCallback, 10),
		openErrs:    make(chan error, 10),
	}
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			b.ack(t, evt)
			_, err := b.api.OpenView(cmd.TriggerID, releaseModal())
			mb.openErrs <- err
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			switch cb.Type {
			case slack.InteractionTypeViewSubmission:
				mb.submissions <- cb
				select {
				case resp := <-mb.responses:
					b.ack(t, evt, resp)
				default:
					b.ack(t, evt)
				}
			case slack.InteractionTypeBlockActions:
				b.ack(t, evt)
				if cb.ActionCallback.BlockActions[0].ActionID == "help" {
					_, err := b.api.PushView(cb.TriggerID, *confirmModal("Help"))
					mb.openErrs <- err
				}
				mb.actions <- cb
			case slack.InteractionTypeViewClosed:
				b.ack(t, evt)
				mb.closed <- cb
			}
		}
	})
	return mb
}

func TestModalSubmitFlow(t *testing.T) {
	s := newServer(t, Config{})
	mb := startModalBot(t, s)
	ana := s.As("U1")
	ctx := testCtx(t)
	if _, err := ana.Command(ctx, "C1", "/release new"); err != nil {
		t.Fatal(err)
	}
	if err := <-mb.openErrs; err != nil {
		t.Fatalf("views.open: %v", err)
	}
	v, ok := ana.Modal()
	if !ok || v.Title != "New release" || v.CallbackID != "new_release" || v.PrivateMetadata != "C1" || v.Submit != "Create" || !v.NotifyOnClose {
		t.Fatalf("modal = %+v, %v", v, ok)
	}
	if _, ok := s.As("U2").Modal(); ok {
		t.Error("the modal opened for U2 too")
	}
	inputs := v.Inputs()
	if len(inputs) != 9 || inputs[0].Label != "Service" || inputs[0].ElementType != "static_select" || inputs[3].InitialValue != "2024-05-01" || !inputs[2].Optional {
		t.Errorf("inputs = %+v", inputs)
	}
	if !strings.Contains(v.Content(), "Semantic version") {
		t.Errorf("content = %q", v.Content())
	}

	// Slack's client refuses to submit with a required field empty.
	if _, err := ana.Submit(ctx, map[string]string{"Service": "api"}); err == nil || !strings.Contains(err.Error(), `"Version" is empty`) {
		t.Fatalf("submit without version: %v", err)
	}
	if _, err := ana.Submit(ctx, map[string]string{"Service": "db", "Version": "1"}); err == nil || !strings.Contains(err.Error(), `no option "db"`) {
		t.Fatalf("submit with unknown option: %v", err)
	}
	if len(mb.submissions) != 0 {
		t.Fatal("an invalid form was sent")
	}

	mb.responses <- slack.NewErrorsViewSubmissionResponse(map[string]string{"version_block": "1.2.3 already exists"})
	res, err := ana.Submit(ctx, map[string]string{
		"Service": "web", "Version": "1.2.3", "Approvers": "U1, U2", "Checks": "Tests passed,docs",
		"Count": "3", "When": "2024-05-01T10:00:00Z", "Channel": "C1", "Time": "09:30",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed || res.Errors["version_block"] != "1.2.3 already exists" || res.View == nil || res.View.Errors["version_block"] == "" {
		t.Fatalf("errors response: %+v", res)
	}
	cb := <-mb.submissions
	vals := cb.View.State.Values
	if cb.View.ID != v.ID || cb.View.CallbackID != "new_release" || cb.View.PrivateMetadata != "C1" || cb.User.ID != "U1" || cb.TriggerID == "" || cb.View.Hash == "" ||
		vals["service_block"]["service_select"].SelectedOption.Value != "web" ||
		vals["version_block"]["version_input"].Value != "1.2.3" ||
		!slices.Equal(vals["approvers_block"]["approvers_select"].SelectedUsers, []string{"U1", "U2"}) ||
		vals["date_block"]["date_pick"].SelectedDate != "2024-05-01" ||
		len(vals["checks_block"]["checks"].SelectedOptions) != 2 ||
		vals["count_block"]["count"].Value != "3" ||
		vals["when_block"]["when"].SelectedDateTime != 1714557600 ||
		vals["channel_block"]["channel_select"].SelectedConversation != "C1" ||
		vals["time_block"]["time_pick"].SelectedTime != "09:30" {
		t.Errorf("submission = %+v", cb.View.State.Values)
	}

	mb.responses <- slack.NewUpdateViewSubmissionResponse(confirmModal("Confirm release"))
	res, err = ana.Submit(ctx, map[string]string{"Service": "web", "Version": "1.2.4"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Closed || res.View == nil || res.View.Title != "Confirm release" || res.View.ID != v.ID || len(res.Errors) != 0 {
		t.Fatalf("update response: %+v", res)
	}
	<-mb.submissions

	// A button in the modal: the bot pushes a view with the new trigger.
	if _, err := ana.ClickInModal(ctx, "Help"); err != nil {
		t.Fatal(err)
	}
	if err := <-mb.openErrs; err != nil {
		t.Fatalf("views.push: %v", err)
	}
	act := <-mb.actions
	if act.Container.Type != "view" || act.Container.ViewID != v.ID || act.View.ID != v.ID || act.ResponseURL != "" || act.Channel.ID != "" {
		t.Errorf("block_actions in a modal = %+v", act)
	}
	if n := len(ana.Modals()); n != 2 {
		t.Fatalf("%d modals after push, want 2", n)
	}

	mb.responses <- slack.NewPushViewSubmissionResponse(confirmModal("Pushed"))
	if res, err = ana.Submit(ctx, nil); err != nil || len(ana.Modals()) != 3 || res.View.Title != "Pushed" {
		t.Fatalf("push response: %+v, %v, %d modals", res, err, len(ana.Modals()))
	}
	<-mb.submissions
	if ms := ana.Modals(); ms[2].Hash == "" || ms[0].ID != v.ID {
		t.Errorf("stack = %+v", ms)
	}

	// Empty ack closes only the submitted (top) view.
	if res, err = ana.Submit(ctx, nil); err != nil || !res.Closed || len(ana.Modals()) != 2 {
		t.Fatalf("empty ack: %+v, %v", res, err)
	}
	<-mb.submissions

	mb.responses <- slack.NewClearViewSubmissionResponse()
	if res, err = ana.Submit(ctx, nil); err != nil || !res.Closed || res.View != nil || len(ana.Modals()) != 0 {
		t.Fatalf("clear: %+v, %v", res, err)
	}
	expectProtocolErrors(t, s)
}

func TestModalErrorsOnNonInputAndClose(t *testing.T) {
	s := newServer(t, Config{})
	mb := startModalBot(t, s)
	ana := s.As("U1")
	ctx := testCtx(t)
	if _, err := ana.Command(ctx, "C1", "/release new"); err != nil {
		t.Fatal(err)
	}
	if err := <-mb.openErrs; err != nil {
		t.Fatal(err)
	}
	mb.responses <- slack.NewErrorsViewSubmissionResponse(map[string]string{"no_such_block": "bad"})
	res, err := ana.Submit(ctx, map[string]string{"Service": "api", "Version": "2.0.0"})
	if err != nil || res.Closed || len(res.Errors) != 0 {
		t.Fatalf("submit = %+v, %v", res, err)
	}
	<-mb.submissions
	expectProtocolErrors(t, s, `names block_id "no_such_block"`)

	v, _ := ana.Modal()
	if err := ana.CloseModal(ctx); err != nil {
		t.Fatal(err)
	}
	cb := <-mb.closed
	if cb.View.ID != v.ID || cb.User.ID != "U1" || cb.IsCleared {
		t.Errorf("view_closed = %+v", cb)
	}
	if _, ok := ana.Modal(); ok {
		t.Error("modal still open")
	}
	if err := ana.CloseModal(ctx); err == nil {
		t.Error("closing with no modal open succeeded")
	}
}

func TestTriggerIDs(t *testing.T) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
		want []string // errors of: first use, second use, bogus trigger
	}{
		{"fresh", 0, []string{"", "exchanged_trigger_id", "invalid_trigger_id"}},
		{"expired", time.Nanosecond, []string{"expired_trigger_id", "expired_trigger_id", "invalid_trigger_id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, Config{TriggerTTL: c.ttl})
			triggers := make(chan string, 1)
			startBot(t, s, func(b *bot, evt socketmode.Event) {
				if evt.Type == socketmode.EventTypeSlashCommand {
					b.ack(t, evt)
					triggers <- evt.Data.(slack.SlashCommand).TriggerID
				}
			})
			if _, err := s.As("U2").Command(testCtx(t), "C1", "/release new"); err != nil {
				t.Fatal(err)
			}
			trigger := <-triggers
			api := newAPI(s)
			var got []string
			for _, tr := range []string{trigger, trigger, "123.456.bogus"} {
				_, err := api.OpenView(tr, *confirmModal("Hi"))
				got = append(got, slackErr(err))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("views.open errors = %q, want %q", got, c.want)
			}
			_, open := s.As("U2").Modal()
			if open != (c.want[0] == "") {
				t.Errorf("U2 modal open = %v", open)
			}
			expectProtocolErrors(t, s)
		})
	}
}

func TestViewsUpdateHashAndExternalID(t *testing.T) {
	s := newServer(t, Config{})
	triggers := make(chan string, 1)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt)
			triggers <- evt.Data.(slack.SlashCommand).TriggerID
		}
	})
	if _, err := s.As("U1").Command(testCtx(t), "C1", "/release new"); err != nil {
		t.Fatal(err)
	}
	api := newAPI(s)
	mv := confirmModal("One")
	mv.ExternalID = "release-42"
	resp, err := api.OpenView(<-triggers, *mv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateView(*confirmModal("Two"), "", "stale.hash", resp.ID); slackErr(err) != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	upd, err := api.UpdateView(*confirmModal("Two"), "", resp.Hash, resp.ID)
	if err != nil || upd.ID != resp.ID || upd.Hash == resp.Hash || upd.Title.Text != "Two" {
		t.Fatalf("views.update = %+v, %v", upd, err)
	}
	three := confirmModal("Three")
	three.ExternalID = "release-42"
	if _, err := api.UpdateView(*three, "release-42", "", ""); err != nil {
		t.Fatalf("update by external_id: %v", err)
	}
	if v, _ := s.As("U1").Modal(); v.Title != "Three" {
		t.Errorf("modal title = %q", v.Title)
	}
	if _, err := api.UpdateView(*confirmModal("x"), "", "", "V404"); slackErr(err) != "not_found" {
		t.Errorf("unknown view: %v", err)
	}
	expectProtocolErrors(t, s)
}

// clickBot posts messages with buttons and answers clicks through the
// response_url.
func startClickBot(t *testing.T, s *Server) chan slack.InteractionCallback {
	clicks := make(chan slack.InteractionCallback, 10)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeInteractive {
			return
		}
		cb := evt.Data.(slack.InteractionCallback)
		b.ack(t, evt)
		var opts []slack.MsgOption
		switch cb.ActionCallback.BlockActions[0].ActionID {
		case "act_approve":
			opts = []slack.MsgOption{slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Approved by "+cb.User.Name, false),
				slack.MsgOptionBlocks(buttonsMessage("Approved", "Deploy")...)}
		case "act_deploy":
			opts = []slack.MsgOption{slack.MsgOptionResponseURL(cb.ResponseURL, slack.ResponseTypeInChannel), slack.MsgOptionText("Deploying web 1.2.3", false)}
		case "act_confirm":
			opts = []slack.MsgOption{slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Confirmed", false),
				slack.MsgOptionBlocks(buttonsMessage("Confirmed", "Undo")...)}
		case "act_undo":
			opts = []slack.MsgOption{slack.MsgOptionDeleteOriginal(cb.ResponseURL)}
		}
		if opts != nil {
			if _, _, _, err := b.api.SendMessage("", opts...); err != nil {
				t.Errorf("response_url: %v", err)
			}
		}
		clicks <- cb
	})
	return clicks
}

func TestClickMessageAndResponseURL(t *testing.T) {
	s := newServer(t, Config{})
	clicks := startClickBot(t, s)
	api := newAPI(s)
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("Release web 1.2.3?", false), slack.MsgOptionBlocks(buttonsMessage("Release *web* 1.2.3?", "Approve", "Reject")...))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	ana := s.As("U1")
	old := s.Messages("C1")[0]
	if _, err := ana.Click(ctx, old, "Approve"); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	a := cb.ActionCallback.BlockActions[0]
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U1" || cb.User.Name != "ana" || cb.Team.ID != "T0EMULATE" ||
		cb.APIAppID != "A0EMULATE" || cb.Token != VerificationToken || cb.TriggerID == "" || cb.Channel.ID != "C1" || cb.Channel.Name != "releases" ||
		cb.Container.Type != "message" || cb.Container.MessageTs != ts || cb.Container.ChannelID != "C1" || cb.Container.IsEphemeral ||
		cb.Message.Timestamp != ts || cb.Message.BotID != BotID || len(cb.Message.Blocks.BlockSet) != 2 || cb.Message.Text != "Release web 1.2.3?" ||
		a.ActionID != "act_approve" || a.BlockID != "actions" || a.Value != "v_approve" || a.Text.Text != "Approve" || a.Type != "button" || a.ActionTs == "" {
		t.Errorf("block_actions = %+v\naction = %+v", cb, a)
	}
	if m, _ := s.Message("C1", ts); m.Text != "Approved by ana" || len(m.Buttons()) != 1 {
		t.Fatalf("after replace_original: %+v", m)
	}
	if _, err := ana.Click(ctx, old, "Approve"); err == nil || !strings.Contains(err.Error(), `no button labelled "Approve"`) {
		t.Errorf("clicking a button that is gone: %v", err)
	}
	// Click uses the current message, not the test's stale copy.
	if _, err := ana.Click(ctx, old, "Deploy"); err != nil {
		t.Fatal(err)
	}
	<-clicks
	if msgs := s.Messages("C1"); len(msgs) != 2 || msgs[1].Text != "Deploying web 1.2.3" {
		t.Errorf("in_channel response: %+v", msgs)
	}
	if _, _, err := api.DeleteMessage("C1", ts); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Click(ctx, old, "Deploy"); err == nil || !strings.Contains(err.Error(), "deleted") {
		t.Errorf("clicking a deleted message: %v", err)
	}
	expectProtocolErrors(t, s)
}

func TestClickEphemeral(t *testing.T) {
	s := newServer(t, Config{})
	clicks := startClickBot(t, s)
	api := newAPI(s)
	ts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("Confirm?", false), slack.MsgOptionBlocks(buttonsMessage("Confirm?", "Confirm")...))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	m := s.As("U1").Ephemerals("C1")[0]
	if _, err := s.As("U2").Click(ctx, m, "Confirm"); err == nil {
		t.Error("U2 clicked U1's ephemeral message")
	}
	if _, err := s.As("U1").Click(ctx, m, "Confirm"); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	if !cb.Container.IsEphemeral || cb.Container.MessageTs != ts || cb.Message.Timestamp != "" || cb.ResponseURL == "" {
		t.Errorf("ephemeral block_actions = %+v", cb)
	}
	eph := s.As("U1").Ephemerals("C1")
	if len(eph) != 1 || eph[0].Text != "Confirmed" || eph[0].TS != ts {
		t.Fatalf("after replace_original: %+v", eph)
	}
	if _, err := s.As("U1").Click(ctx, eph[0], "Undo"); err != nil {
		t.Fatal(err)
	}
	<-clicks
	if eph := s.As("U1").Ephemerals("C1"); len(eph) != 0 {
		t.Errorf("after delete_original: %+v", eph)
	}
	expectProtocolErrors(t, s)
}

func TestSelect(t *testing.T) {
	s := newServer(t, Config{})
	picks := make(chan slack.BlockAction, 1)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeInteractive {
			b.ack(t, evt)
			picks <- *evt.Data.(slack.InteractionCallback).ActionCallback.BlockActions[0]
		}
	})
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, pt("Pick a service"), "svc", opt("API server", "api"), opt("Web app", "web"))
	_, _, err := newAPI(s).PostMessage("C1", slack.MsgOptionText("pick", false), slack.MsgOptionBlocks(slack.NewActionBlock("pick", sel)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.As("U1").Select(testCtx(t), s.Messages("C1")[0], "Pick a service", "Web app"); err != nil {
		t.Fatal(err)
	}
	a := <-picks
	if a.Type != "static_select" || a.ActionID != "svc" || a.BlockID != "pick" || a.SelectedOption.Value != "web" {
		t.Errorf("action = %+v", a)
	}
}

func TestAppHome(t *testing.T) {
	s := newServer(t, Config{})
	opened := make(chan *slackevents.AppHomeOpenedEvent, 1)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeEventsAPI:
			b.ack(t, evt)
			ev := evt.Data.(slackevents.EventsAPIEvent)
			opened <- ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		case socketmode.EventTypeInteractive:
			b.ack(t, evt)
			cb := evt.Data.(slack.InteractionCallback)
			home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
				slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Refreshed: 2 releases", false, false), nil, nil),
			}}}
			if _, err := b.api.UpdateView(slack.ModalViewRequest{Type: slack.VTHomeTab, Blocks: home.Blocks}, "", cb.View.Hash, cb.Container.ViewID); err != nil {
				t.Errorf("views.update of home: %v", err)
			}
		}
	})
	api := newAPI(s)
	ctx := testCtx(t)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewHeaderBlock(pt("Releases")),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "No release today", false, false), nil,
			slack.NewAccessory(slack.NewButtonBlockElement("refresh", "", pt("Refresh")))),
	}}}
	pub, err := api.PublishView("U1", home, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishView("U1", home, "stale"); slackErr(err) != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	if _, err := api.PublishView("U1", home, pub.Hash); err != nil {
		t.Errorf("publish with the current hash: %v", err)
	}

	ack, err := s.As("U1").OpenHome(ctx)
	if err != nil || ack.Late {
		t.Fatalf("OpenHome = %+v, %v", ack, err)
	}
	ev := <-opened
	if ev.User != "U1" || ev.Tab != "home" || ev.Channel != s.IMChannel("U1") || ev.View == nil || ev.View.ID != pub.ID || ev.View.CallbackID != "home" {
		t.Errorf("app_home_opened = %+v", ev)
	}
	if v, ok := s.As("U1").Home(); !ok || !strings.Contains(v.Content(), "No release today") {
		t.Errorf("home = %+v", v)
	}
	if _, err := s.As("U1").ClickInHome(ctx, "Refresh"); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitFor(ctx, func() bool {
		v, _ := s.As("U1").Home()
		return strings.Contains(v.Content(), "Refreshed: 2 releases")
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.As("U2").Home(); ok {
		t.Error("U2 has a home view")
	}
	expectProtocolErrors(t, s)
}

func TestResponseURLLimits(t *testing.T) {
	s := newServer(t, Config{})
	urls := make(chan string, 2)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt, map[string]any{"text": "working"})
			urls <- evt.Data.(slack.SlashCommand).ResponseURL
		}
	})
	ctx := testCtx(t)
	if _, err := s.As("U1").Command(ctx, "C1", "/release status"); err != nil {
		t.Fatal(err)
	}
	u := <-urls
	// replace_original on a command's response_url replaces its last response.
	if status, body, _ := postJSON(t, s, u, "", map[string]any{"text": "step 1", "replace_original": true}); status != 200 || body["ok"] != true {
		t.Fatalf("replace: %d %v", status, body)
	}
	if e := s.As("U1").Ephemerals("C1"); len(e) != 1 || e[0].Text != "step 1" {
		t.Fatalf("ephemerals = %+v", e)
	}
	for i := range 4 {
		if status, body, _ := postJSON(t, s, u, "", map[string]any{"text": "more", "replace_original": "false"}); status != 200 || body["ok"] != true {
			t.Fatalf("use %d: %d %v", i+2, status, body)
		}
	}
	status, body, _ := postJSON(t, s, u, "", map[string]any{"text": "sixth"})
	if status != http.StatusNotFound || body["error"] != "used_url" {
		t.Errorf("sixth use: %d %v", status, body)
	}
	if n := len(s.As("U1").Ephemerals("C1")); n != 5 {
		t.Errorf("%d ephemerals, want 5", n)
	}
	if c := s.Calls("response_url"); len(c) != 6 || c[5].HTTPStatus != 404 || c[0].Params["replace_original"] != "true" {
		t.Errorf("response_url calls = %+v", c)
	}
	expectProtocolErrors(t, s, "used more than 5 times")
}

func TestResponseURLExpiry(t *testing.T) {
	s := newServer(t, Config{ResponseURLTTL: time.Nanosecond})
	urls := make(chan string, 1)
	startBot(t, s, func(b *bot, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			b.ack(t, evt)
			urls <- evt.Data.(slack.SlashCommand).ResponseURL
		}
	})
	if _, err := s.As("U1").Command(testCtx(t), "C1", "/release status"); err != nil {
		t.Fatal(err)
	}
	status, body, _ := postJSON(t, s, <-urls, "", map[string]any{"text": "late"})
	if status != http.StatusNotFound || body["error"] != "expired_url" {
		t.Errorf("expired: %d %v", status, body)
	}
	expectProtocolErrors(t, s, "expired")
}

func TestWaitFor(t *testing.T) {
	s := newServer(t, Config{})
	ctx := testCtx(t)
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		first := true
		done <- s.WaitFor(ctx, func() bool {
			if first {
				first = false
				close(started)
			}
			return len(s.Messages("C1")) == 1
		})
	}()
	<-started
	if _, _, err := newAPI(s).PostMessage("C1", slack.MsgOptionText("wake up", false)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.WaitFor(cctx, func() bool { return false })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "condition still false") {
		t.Errorf("WaitFor with a cancelled context: %v", err)
	}
}
