package bot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func echo(name string) Handler {
	return func(_ context.Context, r *Request) (*Response, error) {
		return Reply("%s|%s|%s", name, r.Route, r.Args), nil
	}
}

func testRouter() *Router {
	r := NewRouter("/release")
	r.HandleCommand(Subcommand{Name: "new", Usage: "<service>", Summary: "Plan.", Handler: echo("new")})
	r.HandleCommand(Subcommand{Name: "freeze add", Usage: "<from> <to>", Summary: "Freeze.", Handler: echo("freeze add")})
	r.HandleCommand(Subcommand{Name: "freeze list", Summary: "Freezes.", Handler: echo("freeze list")})
	r.HandleAction("approval.approve", echo("approve"))
	r.HandleSubmission("release.new", echo("submit"))
	r.HandleEvent("app_home_opened", echo("home"))
	return r
}

func TestDispatchCommands(t *testing.T) {
	r := testRouter()
	cases := []struct{ text, want string }{
		{"new api  1.2 title=\"a  b\"", "new|new|api  1.2 title=\"a  b\""},
		{"NEW api", "new|new|api"},
		{"freeze add 2026-01-01 10:00", "freeze add|freeze add|2026-01-01 10:00"},
		{"  freeze   list  ", "freeze list|freeze list|"},
	}
	for _, c := range cases {
		resp, err := r.Dispatch(context.Background(), &Request{Kind: KindCommand, Command: "/release", Text: c.text})
		if err != nil || resp.Text != c.want {
			t.Errorf("%q → %q, %v; want %q", c.text, resp.Text, err, c.want)
		}
	}
}

// Help is built from the table, so every registered subcommand is in it.
func TestHelpListsEverySubcommand(t *testing.T) {
	r := testRouter()
	for _, text := range []string{"", "help", "freeze", "nonsense words"} {
		resp, err := r.Dispatch(context.Background(), &Request{Kind: KindCommand, Command: "/release", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"`/release new <service>`", "`/release freeze add <from> <to>`", "`/release freeze list`", "Plan.", "Freezes."} {
			if !strings.Contains(resp.Text, want) {
				t.Errorf("help for %q lacks %q:\n%s", text, want, resp.Text)
			}
		}
		if text == "nonsense words" && !strings.Contains(resp.Text, "I don't know `nonsense`") {
			t.Errorf("unknown word not named:\n%s", resp.Text)
		}
	}
}

func TestHelpStaysInsideBlockLimits(t *testing.T) {
	r := NewRouter("/release")
	for i := range 60 {
		r.HandleCommand(Subcommand{Name: "cmd" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)), Usage: strings.Repeat("<arg> ", 12), Summary: strings.Repeat("word ", 20), Handler: echo("x")})
	}
	resp := r.Help("")
	if len(resp.Blocks) > MaxMessageBlocks {
		t.Fatalf("%d blocks", len(resp.Blocks))
	}
	for _, b := range resp.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && len([]rune(s.Text.Text)) > MaxSectionText {
			t.Fatalf("section of %d characters", len([]rune(s.Text.Text)))
		}
	}
}

func TestDispatchOtherKinds(t *testing.T) {
	r := testRouter()
	ctx := context.Background()
	resp, err := r.Dispatch(ctx, &Request{Kind: KindAction, Action: &slack.BlockAction{ActionID: "approval.approve#42"}})
	if err != nil || !strings.HasPrefix(resp.Text, "approve|") {
		t.Fatalf("action with suffix: %v %v", resp, err)
	}
	if _, err := r.Dispatch(ctx, &Request{Kind: KindAction, Action: &slack.BlockAction{ActionID: "approval.approvex"}}); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("prefix must match up to '#': %v", err)
	}
	resp, err = r.Dispatch(ctx, &Request{Kind: KindSubmission, View: &slack.View{CallbackID: "release.new"}})
	if err != nil || !strings.HasPrefix(resp.Text, "submit|") {
		t.Fatalf("submission: %v %v", resp, err)
	}
	if _, err := r.Dispatch(ctx, &Request{Kind: KindSubmission, View: &slack.View{CallbackID: "other"}}); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("unknown submission: %v", err)
	}
	if resp, err := r.Dispatch(ctx, &Request{Kind: KindEvent, EventType: "member_joined_channel"}); resp != nil || err != nil {
		t.Fatalf("unknown events are ignored: %v %v", resp, err)
	}
	if resp, err := r.Dispatch(ctx, &Request{Kind: KindCommand, Command: "/deploy", Text: "x"}); err != nil || !strings.Contains(resp.Text, "I only answer /release") {
		t.Fatalf("other command: %v %v", resp, err)
	}
}

func TestDuplicateRoutesPanicAtStartup(t *testing.T) {
	for name, register := range map[string]func(r *Router){
		"subcommand": func(r *Router) { r.HandleCommand(Subcommand{Name: "new", Handler: echo("x")}) },
		"action":     func(r *Router) { r.HandleAction("approval.approve", echo("x")) },
		"submission": func(r *Router) { r.HandleSubmission("release.new", echo("x")) },
		"event":      func(r *Router) { r.HandleEvent("app_home_opened", echo("x")) },
		"hash":       func(r *Router) { r.HandleAction("a#b", echo("x")) },
		"three words": func(r *Router) {
			r.HandleCommand(Subcommand{Name: "a b c", Handler: echo("x")})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registering it did not panic", name)
				}
			}()
			register(testRouter())
		}()
	}
}
