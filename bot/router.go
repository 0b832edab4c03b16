package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Kind is what sort of user action an envelope carries.
type Kind string

// The kinds of request a handler may receive.
const (
	KindCommand    Kind = "slash_command"
	KindAction     Kind = "block_actions"
	KindSubmission Kind = "view_submission"
	KindViewClosed Kind = "view_closed"
	KindEvent      Kind = "event"
)

// EnvelopeType is the Socket Mode envelope type that carries requests of
// this kind, the "type" label of the transport's metrics.
func (k Kind) EnvelopeType() string {
	switch k {
	case KindCommand:
		return "slash_commands"
	case KindAction, KindSubmission, KindViewClosed:
		return "interactive"
	case KindEvent:
		return "events_api"
	}
	return "unknown"
}

// Request is a parsed envelope, the only thing handlers see.
type Request struct {
	Kind         Kind
	EnvelopeID   string
	RetryAttempt int
	Received     time.Time
	// DeliveryKey identifies the user action across redeliveries of its
	// envelope: the trigger id of a command or click, the event id of an
	// event. Dedup records it.
	DeliveryKey string

	UserID    string
	UserName  string
	TeamID    string
	ChannelID string
	TriggerID string
	// ResponseURL answers a slash command or a click on a message.
	ResponseURL string

	// Slash commands: Command is "/release", Route the matched subcommand
	// ("freeze add") and Args the text after it.
	Command string
	Route   string
	Args    string
	Text    string // the whole text after the command

	// Clicks: the action and where it happened.
	Action      *slack.BlockAction
	MessageTS   string
	Message     *slack.Message
	IsEphemeral bool

	// Modals (submissions, closes, clicks inside a view).
	View *slack.View

	// Events API: the inner event type and value.
	EventType string
	Event     any
}

// ActionValue is the clicked element's value.
func (r *Request) ActionValue() string {
	if r.Action == nil {
		return ""
	}
	if r.Action.Value != "" {
		return r.Action.Value
	}
	return r.Action.SelectedOption.Value
}

// Response is what a handler wants the user to see. The transport decides
// how it travels: in the ack when there is still time, otherwise through the
// response_url, chat.postEphemeral or views.update.
type Response struct {
	Text   string
	Blocks []slack.Block
	// InChannel shows a command's answer to the whole channel.
	InChannel bool
	// ReplaceOriginal replaces the clicked message; DeleteOriginal removes it.
	ReplaceOriginal bool
	DeleteOriginal  bool

	// Modal answers to a view submission.
	Errors     map[string]string       // block_id → message; keeps the modal open
	ViewAction string                  // "update", "push" or "clear"
	View       *slack.ModalViewRequest // for update and push

	// NoticeChannel is where a submission's Text is shown afterwards as an
	// ephemeral message (the channel the modal was opened from); empty
	// means the user's DM with the bot.
	NoticeChannel string
}

// Reply is a Response with just text.
func Reply(format string, args ...any) *Response {
	return &Response{Text: fmt.Sprintf(format, args...)}
}

// UserError is a refusal the user should read as is: bad input, a missing
// permission, a release in the wrong state. Nothing is retried. It often
// quotes what the user typed, so the log has its length at info level and
// its text only at debug.
type UserError struct{ Message string }

func (e *UserError) Error() string { return e.Message }

// Userf makes a *UserError.
func Userf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// UserMessage returns the user-facing text of err when it is a *UserError.
func UserMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Message, true
	}
	return "", false
}

// Handler serves one kind of request.
type Handler func(ctx context.Context, req *Request) (*Response, error)

// Subcommand is one entry of the /release grammar; the help text is built
// from these entries, so it cannot drift from what is routed.
type Subcommand struct {
	// Name is one or two words: "list", "freeze add".
	Name string
	// Usage is the argument synopsis shown after the name.
	Usage string
	// Summary is the one-line description in the help.
	Summary string
	// Section, when set, lists the subcommand under that heading after
	// the others in the help (e.g. "Admins").
	Section string
	// ReadOnly marks a subcommand that changes nothing: it keeps no
	// delivery record, and a redelivery answers again.
	ReadOnly bool
	Handler  Handler
}

// Router maps requests to handlers: subcommands by name, clicks by the part
// of the action_id before '#', modals by callback_id, events by type.
type Router struct {
	command     string
	subcommands []Subcommand
	byName      map[string]Subcommand
	actions     map[string]Handler
	submissions map[string]Handler
	closes      map[string]Handler
	events      map[string]Handler
}

// NewRouter makes a router for the slash command (e.g. "/release").
func NewRouter(command string) *Router {
	return &Router{
		command:     command,
		byName:      map[string]Subcommand{},
		actions:     map[string]Handler{},
		submissions: map[string]Handler{},
		closes:      map[string]Handler{},
		events:      map[string]Handler{},
	}
}

// Command is the slash command the router serves.
func (r *Router) Command() string { return r.command }

// HandleCommand registers a subcommand. A name registered twice panics at
// start-up rather than misrouting later.
func (r *Router) HandleCommand(s Subcommand) {
	s.Name = strings.ToLower(strings.TrimSpace(s.Name))
	if s.Name == "" || len(strings.Fields(s.Name)) > 2 || s.Handler == nil {
		panic(fmt.Sprintf("bot: bad subcommand %q", s.Name))
	}
	if _, dup := r.byName[s.Name]; dup {
		panic(fmt.Sprintf("bot: subcommand %q registered twice", s.Name))
	}
	r.byName[s.Name] = s
	r.subcommands = append(r.subcommands, s)
}

// HandleAction registers the handler for action ids "route" and "route#…".
func (r *Router) HandleAction(route string, h Handler) { register(r.actions, "action", route, h) }

// HandleSubmission registers a modal's submit handler by callback_id.
func (r *Router) HandleSubmission(callbackID string, h Handler) {
	register(r.submissions, "view_submission", callbackID, h)
}

// HandleViewClosed registers a modal's close handler by callback_id.
func (r *Router) HandleViewClosed(callbackID string, h Handler) {
	register(r.closes, "view_closed", callbackID, h)
}

// HandleEvent registers an Events API handler by event type.
func (r *Router) HandleEvent(eventType string, h Handler) { register(r.events, "event", eventType, h) }

func register(m map[string]Handler, what, key string, h Handler) {
	if key == "" || h == nil || strings.Contains(key, "#") {
		panic(fmt.Sprintf("bot: bad %s route %q", what, key))
	}
	if _, dup := m[key]; dup {
		panic(fmt.Sprintf("bot: %s route %q registered twice", what, key))
	}
	m[key] = h
}

// ActionRoutes lists the registered action routes, for tests that check
// every button a surface carries is routed.
func (r *Router) ActionRoutes() []string {
	out := make([]string, 0, len(r.actions))
	for k := range r.actions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ActionID builds an action_id for route; suffix keeps ids unique when one
// block holds several buttons of the same route.
func ActionID(route, suffix string) string {
	if suffix == "" {
		return route
	}
	return route + "#" + suffix
}

func actionRoute(actionID string) string {
	route, _, _ := strings.Cut(actionID, "#")
	return route
}

// ErrNoRoute means nothing is registered for the request; the transport
// answers politely and logs it.
var ErrNoRoute = errors.New("no handler for this request")

// Dispatch finds the handler for req and fills req.Route/Args for commands.
func (r *Router) Dispatch(ctx context.Context, req *Request) (*Response, error) {
	switch req.Kind {
	case KindCommand:
		return r.dispatchCommand(ctx, req)
	case KindAction:
		if req.Action == nil {
			return nil, ErrNoRoute
		}
		if h, ok := r.actions[actionRoute(req.Action.ActionID)]; ok {
			return h(ctx, req)
		}
	case KindSubmission:
		if req.View != nil {
			if h, ok := r.submissions[req.View.CallbackID]; ok {
				return h(ctx, req)
			}
		}
	case KindViewClosed:
		if req.View != nil {
			if h, ok := r.closes[req.View.CallbackID]; ok {
				return h(ctx, req)
			}
		}
		// Closing a modal nobody listens for is normal.
		return nil, nil
	case KindEvent:
		if h, ok := r.events[req.EventType]; ok {
			return h(ctx, req)
		}
		return nil, nil
	}
	return nil, ErrNoRoute
}

func (r *Router) dispatchCommand(ctx context.Context, req *Request) (*Response, error) {
	if !strings.EqualFold(req.Command, r.command) {
		return Reply("I only answer %s; %s is not mine.", r.command, req.Command), nil
	}
	words := strings.Fields(req.Text)
	if len(words) == 0 || strings.EqualFold(words[0], "help") {
		return r.Help(""), nil
	}
	// Two-word subcommands ("freeze add") win over one-word ones.
	for n := min(2, len(words)); n >= 1; n-- {
		name := strings.ToLower(strings.Join(words[:n], " "))
		if s, ok := r.byName[name]; ok {
			req.Route = name
			req.Args = strings.TrimSpace(afterWords(req.Text, n))
			return s.Handler(ctx, req)
		}
	}
	return r.suggest(words), nil
}

// afterWords returns text without its first n whitespace-separated words,
// keeping the rest (quotes and spacing) intact.
func afterWords(text string, n int) string {
	rest := strings.TrimLeft(text, " \t\n")
	for i := 0; i < n; i++ {
		end := strings.IndexAny(rest, " \t\n")
		if end < 0 {
			return ""
		}
		rest = strings.TrimLeft(rest[end:], " \t\n")
	}
	return rest
}

// Help lists every subcommand with its usage. unknown, when set, is the word
// the user typed that matched nothing.
func (r *Router) Help(unknown string) *Response {
	var lines []string
	sections := map[string][]string{}
	var order []string
	for _, s := range r.subcommands {
		usage := r.command + " " + s.Name
		if s.Usage != "" {
			usage += " " + s.Usage
		}
		line := fmt.Sprintf("`%s`\n        %s", usage, s.Summary)
		if s.Section == "" {
			lines = append(lines, line)
			continue
		}
		if _, seen := sections[s.Section]; !seen {
			order = append(order, s.Section)
		}
		sections[s.Section] = append(sections[s.Section], line)
	}
	for _, name := range order {
		lines = append(lines, "*"+name+"*")
		lines = append(lines, sections[name]...)
	}
	intro := fmt.Sprintf("*%s* plans releases, collects approvals and keeps stakeholders informed. Commands:", r.command)
	if unknown != "" {
		intro = fmt.Sprintf("I don't know `%s`. Here is what %s understands:", Escape(unknown), r.command)
	}
	text := intro + "\n" + strings.Join(lines, "\n")
	return &Response{Text: text, Blocks: helpBlocks(intro, lines)}
}

// helpBlocks splits the help into sections below Slack's 3000-character limit.
func helpBlocks(intro string, lines []string) []slack.Block {
	blocks := []slack.Block{Section(intro)}
	var chunk strings.Builder
	flush := func() {
		if chunk.Len() > 0 {
			blocks = append(blocks, Section(chunk.String()))
			chunk.Reset()
		}
	}
	for _, l := range lines {
		if chunk.Len()+len(l)+1 > MaxSectionText {
			flush()
		}
		if chunk.Len() > 0 {
			chunk.WriteString("\n")
		}
		chunk.WriteString(l)
	}
	flush()
	return blocks
}
