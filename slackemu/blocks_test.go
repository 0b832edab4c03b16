package slackemu

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func txt(typ, s string) map[string]any { return map[string]any{"type": typ, "text": s} }
func plain(s string) map[string]any    { return txt("plain_text", s) }
func mrkdwn(s string) map[string]any   { return txt("mrkdwn", s) }

func section(s string) map[string]any { return map[string]any{"type": "section", "text": mrkdwn(s)} }

func button(label, actionID string) map[string]any {
	return map[string]any{"type": "button", "text": plain(label), "action_id": actionID}
}

func actions(elems ...any) map[string]any {
	return map[string]any{"type": "actions", "elements": elems}
}

func option(text, value string) map[string]any {
	return map[string]any{"text": plain(text), "value": value}
}

func repeat(n int, f func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func modal(blocks ...any) map[string]any {
	return map[string]any{"type": "modal", "title": plain("Release"), "submit": plain("Go"), "blocks": blocks}
}

func input(label, actionID string) map[string]any {
	return map[string]any{"type": "input", "label": plain(label), "element": map[string]any{"type": "plain_text_input", "action_id": actionID}}
}

// TestBlockKitLimits posts each surface through the Web API and checks the
// answer: invalid_blocks (messages) or invalid_arguments (views) with the
// offending JSON pointer, or ok.
func TestBlockKitLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	selectWith := func(opts ...any) map[string]any {
		return map[string]any{"type": "static_select", "action_id": "sel", "placeholder": plain("Pick"), "options": opts}
	}
	cases := []struct {
		name    string
		method  string // chat.postMessage (default), views.open, views.publish
		payload any    // blocks, or the view
		wantErr string // "" for ok
		wantMsg string // substring of a response_metadata message
	}{
		{name: "valid message", payload: []any{
			map[string]any{"type": "header", "text": plain(long(150))},
			map[string]any{"type": "section", "text": mrkdwn(long(3000)), "fields": repeat(10, func(int) any { return mrkdwn(long(2000)) }),
				"accessory": map[string]any{"type": "button", "text": plain(long(75)), "action_id": long(255), "value": long(2000)}},
			map[string]any{"type": "divider", "block_id": long(255)},
			map[string]any{"type": "context", "elements": repeat(10, func(int) any { return mrkdwn("c") })},
			actions(repeat(25, func(i int) any { return button("b", fmt.Sprint("a", i)) })...),
			actions(selectWith(repeat(100, func(i int) any { return option(long(75), fmt.Sprint(i, long(140))) })...)),
			map[string]any{"type": "image", "image_url": "https://example.com/x.png", "alt_text": "x"},
			map[string]any{"type": "rich_text", "elements": []any{map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": "hi"}}}}},
			map[string]any{"type": "section", "text": mrkdwn("x"), "unknown_field": true},
		}},
		{name: "51 blocks", payload: repeat(51, func(int) any { return section("x") }), wantErr: "invalid_blocks", wantMsg: "no more than 50 items [json-pointer:/blocks]"},
		{name: "section text 3001", payload: []any{section(long(3001))}, wantErr: "invalid_blocks", wantMsg: "less than 3001 characters [json-pointer:/blocks/0/text/text]"},
		{name: "11 fields", payload: []any{map[string]any{"type": "section", "fields": repeat(11, func(int) any { return mrkdwn("f") })}}, wantErr: "invalid_blocks", wantMsg: "[json-pointer:/blocks/0/fields]"},
		{name: "field 2001", payload: []any{map[string]any{"type": "section", "fields": []any{mrkdwn(long(2001))}}}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/fields/0/text"},
		{name: "section without text", payload: []any{map[string]any{"type": "section"}}, wantErr: "invalid_blocks", wantMsg: "either text or fields"},
		{name: "empty text", payload: []any{section("")}, wantErr: "invalid_blocks", wantMsg: "more than 0 characters"},
		{name: "header 151", payload: []any{map[string]any{"type": "header", "text": plain(long(151))}}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/text/text"},
		{name: "header mrkdwn", payload: []any{map[string]any{"type": "header", "text": mrkdwn("x")}}, wantErr: "invalid_blocks", wantMsg: "must be plain_text [json-pointer:/blocks/0/text/type]"},
		{name: "button text 76", payload: []any{actions(button(long(76), "a"))}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/elements/0/text/text"},
		{name: "button value 2001", payload: []any{actions(map[string]any{"type": "button", "text": plain("b"), "action_id": "a", "value": long(2001)})}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/elements/0/value"},
		{name: "action_id 256", payload: []any{actions(button("b", long(256)))}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/elements/0/action_id"},
		{name: "block_id 256", payload: []any{map[string]any{"type": "divider", "block_id": long(256)}}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/block_id"},
		{name: "button without action_id", payload: []any{actions(map[string]any{"type": "button", "text": plain("b")})}, wantErr: "invalid_blocks", wantMsg: "missing required field: action_id"},
		{name: "button without text", payload: []any{actions(map[string]any{"type": "button", "action_id": "a"})}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/elements/0/text"},
		{name: "button style", payload: []any{actions(map[string]any{"type": "button", "text": plain("b"), "action_id": "a", "style": "green"})}, wantErr: "invalid_blocks", wantMsg: "/style"},
		{name: "26 elements", payload: []any{actions(repeat(26, func(i int) any { return button("b", fmt.Sprint(i)) })...)}, wantErr: "invalid_blocks", wantMsg: "no more than 25 items"},
		{name: "11 context elements", payload: []any{map[string]any{"type": "context", "elements": repeat(11, func(int) any { return mrkdwn("c") })}}, wantErr: "invalid_blocks", wantMsg: "no more than 10 items"},
		{name: "101 options", payload: []any{actions(selectWith(repeat(101, func(i int) any { return option("o", fmt.Sprint(i)) })...))}, wantErr: "invalid_blocks", wantMsg: "no more than 100 items"},
		{name: "option text 76", payload: []any{actions(selectWith(option(long(76), "v")))}, wantErr: "invalid_blocks", wantMsg: "/options/0/text/text"},
		{name: "option value 151", payload: []any{actions(selectWith(option("o", long(151))))}, wantErr: "invalid_blocks", wantMsg: "/options/0/value"},
		{name: "initial option not an option", payload: []any{actions(func() map[string]any {
			sel := selectWith(option("a", "a"))
			sel["initial_option"] = option("b", "b")
			return sel
		}())}, wantErr: "invalid_blocks", wantMsg: "initial_option"},
		{name: "duplicate block_id", payload: []any{
			map[string]any{"type": "divider", "block_id": "x"}, map[string]any{"type": "divider", "block_id": "x"},
		}, wantErr: "invalid_blocks", wantMsg: "must be unique [json-pointer:/blocks/1/block_id]"},
		{name: "duplicate action_id", payload: []any{actions(button("a", "same"), button("b", "same"))}, wantErr: "invalid_blocks", wantMsg: "unique within a block"},
		{name: "same action_id in two blocks", payload: []any{actions(button("a", "same")), actions(button("b", "same"))}},
		{name: "unknown block type", payload: []any{map[string]any{"type": "carousel"}}, wantErr: "invalid_blocks", wantMsg: `unsupported block type "carousel"`},
		{name: "unknown element type", payload: []any{actions(map[string]any{"type": "slider", "action_id": "s"})}, wantErr: "invalid_blocks", wantMsg: `element type "slider"`},
		{name: "input without label", payload: []any{map[string]any{"type": "input", "element": map[string]any{"type": "plain_text_input"}}}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/label"},
		{name: "input without element", payload: []any{map[string]any{"type": "input", "label": plain("l")}}, wantErr: "invalid_blocks", wantMsg: "/blocks/0/element"},
		{name: "image without alt_text", payload: []any{map[string]any{"type": "image", "image_url": "https://x"}}, wantErr: "invalid_blocks", wantMsg: "alt_text"},
		{name: "bad datepicker", payload: []any{actions(map[string]any{"type": "datepicker", "action_id": "d", "initial_date": "1/2/2024"})}, wantErr: "invalid_blocks", wantMsg: "YYYY-MM-DD"},
		{name: "blocks not JSON", payload: "[{", wantErr: "invalid_blocks", wantMsg: "not valid JSON"},

		{name: "valid modal", method: "views.open", payload: modal(input("Version", "v")), wantErr: "invalid_trigger_id"},
		{name: "modal title 25", method: "views.open", payload: map[string]any{"type": "modal", "title": plain(long(25)), "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/title/text"},
		{name: "modal submit 25", method: "views.open", payload: map[string]any{"type": "modal", "title": plain("t"), "submit": plain(long(25)), "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/submit/text"},
		{name: "modal close 25", method: "views.open", payload: map[string]any{"type": "modal", "title": plain("t"), "close": plain(long(25)), "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/close/text"},
		{name: "modal title mrkdwn", method: "views.open", payload: map[string]any{"type": "modal", "title": mrkdwn("t"), "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/title/type"},
		{name: "modal without title", method: "views.open", payload: map[string]any{"type": "modal", "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/title"},
		{name: "private_metadata 3001", method: "views.open", payload: func() map[string]any {
			m := modal()
			m["private_metadata"] = long(3001)
			return m
		}(), wantErr: "invalid_arguments", wantMsg: "/view/private_metadata"},
		{name: "callback_id 256", method: "views.open", payload: func() map[string]any {
			m := modal()
			m["callback_id"] = long(256)
			return m
		}(), wantErr: "invalid_arguments", wantMsg: "/view/callback_id"},
		{name: "101 modal blocks", method: "views.open", payload: modal(repeat(101, func(int) any { return section("x") })...), wantErr: "invalid_arguments", wantMsg: "no more than 100 items [json-pointer:/view/blocks]"},
		{name: "100 modal blocks", method: "views.open", payload: modal(repeat(100, func(int) any { return section("x") })...), wantErr: "invalid_trigger_id"},
		{name: "input without submit", method: "views.open", payload: map[string]any{"type": "modal", "title": plain("t"), "blocks": []any{input("Version", "v")}}, wantErr: "invalid_arguments", wantMsg: "submit is required"},
		{name: "modal type home", method: "views.open", payload: map[string]any{"type": "home", "blocks": []any{}}, wantErr: "invalid_arguments", wantMsg: "/view/type"},
		{name: "home 101 blocks", method: "views.publish", payload: map[string]any{"type": "home", "blocks": repeat(101, func(int) any { return section("x") })}, wantErr: "invalid_arguments", wantMsg: "no more than 100 items"},
		{name: "home ok", method: "views.publish", payload: map[string]any{"type": "home", "blocks": repeat(100, func(int) any { return section("x") })}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, Config{})
			raw, ok := c.payload.(string)
			if !ok {
				b, err := json.Marshal(c.payload)
				if err != nil {
					t.Fatal(err)
				}
				raw = string(b)
			}
			form := url.Values{}
			switch c.method {
			case "views.open":
				form.Set("trigger_id", "1.2.invalid")
				form.Set("view", raw)
			case "views.publish":
				form.Set("user_id", "U1")
				form.Set("view", raw)
			default:
				c.method = "chat.postMessage"
				form.Set("channel", "C1")
				form.Set("text", "fallback")
				form.Set("blocks", raw)
			}
			_, body, _ := postRaw(t, s, c.method, BotToken, form)
			gotErr, _ := body["error"].(string)
			if gotErr != c.wantErr {
				t.Fatalf("error = %q, want %q (%v)", gotErr, c.wantErr, body)
			}
			if c.wantMsg != "" {
				md, _ := body["response_metadata"].(map[string]any)
				msgs := fmt.Sprint(md["messages"])
				if !strings.Contains(msgs, c.wantMsg) {
					t.Errorf("messages %s do not contain %q", msgs, c.wantMsg)
				}
			}
			switch c.wantErr {
			case "", "invalid_trigger_id":
				expectProtocolErrors(t, s)
			default:
				expectProtocolErrors(t, s, c.wantErr)
			}
		})
	}
}

func TestContentAndButtons(t *testing.T) {
	blocks, errs := checkMessageBlocks([]byte(`[
		{"type":"header","text":{"type":"plain_text","text":"Release api 1.2.3"}},
		{"type":"section","text":{"type":"mrkdwn","text":"*Owner:* <@U1>"},"fields":[{"type":"mrkdwn","text":"Window: Tue"}],
		 "accessory":{"type":"button","text":{"type":"plain_text","text":"Details"},"action_id":"details","url":"https://x"}},
		{"type":"context","elements":[{"type":"mrkdwn","text":"requested by ana"},{"type":"image","image_url":"https://x","alt_text":"a"}]},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Approve"},"action_id":"approve","value":"r1","style":"primary"},
		                              {"type":"button","text":{"type":"plain_text","text":"Reject"},"value":"r1","style":"danger","action_id":"reject"}]},
		{"type":"rich_text","elements":[{"type":"rich_text_list","style":"bullet","elements":[
			{"type":"rich_text_section","elements":[{"type":"text","text":"step "},{"type":"user","user_id":"U2"}]},
			{"type":"rich_text_section","elements":[{"type":"link","url":"https://ci"}]}]}]}
	]`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := Message{Text: "fallback", Blocks: blocks}
	want := "fallback\nRelease api 1.2.3\n*Owner:* <@U1>\nWindow: Tue\nDetails\nrequested by ana\nApprove\nReject\nstep <@U2>\nhttps://ci"
	if got := m.Content(); got != want {
		t.Errorf("Content() =\n%s\nwant\n%s", got, want)
	}
	b := m.Buttons()
	if len(b) != 3 || b[1].Label != "Approve" || b[1].ActionID != "approve" || b[1].Value != "r1" || b[1].Style != "primary" ||
		b[0].URL != "https://x" || b[1].BlockID == "" || b[1].BlockID != b[2].BlockID || b[0].BlockID == b[1].BlockID {
		t.Errorf("Buttons() = %+v", b)
	}
}
