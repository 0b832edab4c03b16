package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Actor is a user acting in Slack's client: running slash commands, clicking
// buttons, filling in modals. Its methods build the payloads exactly as Slack
// does, deliver them over Socket Mode and wait for the bot's ack.
type Actor struct {
	s    *Server
	user string
}

// As returns an actor for a user added with AddUser.
func (s *Server) As(userID string) *Actor { return &Actor{s: s, user: userID} }

// ID is the actor's user id.
func (a *Actor) ID() string { return a.user }

func (a *Actor) userLocked() (*User, error) {
	u, ok := a.s.users[a.user]
	if !ok {
		return nil, fmt.Errorf("slackemu: unknown user %q (AddUser first)", a.user)
	}
	if u.Deleted {
		return nil, fmt.Errorf("slackemu: user %q is deactivated", a.user)
	}
	return u, nil
}

// CommandResult is the outcome of a slash command.
type CommandResult struct {
	Ack Ack
	// TimedOut is set when the bot did not ack within AckTimeout: the user
	// saw `/cmd failed with the error "operation_timeout"`.
	TimedOut bool
	// Reply is the message made from the ack payload (ephemeral, or a channel
	// message for response_type "in_channel"); nil when the ack had none.
	Reply *Message
}

// Command runs a slash command such as "/release new api 1.2.3" in channel
// (a channel id or the bot's IM with this user). Text is passed through
// verbatim, so with escaping on a test writes "<@U123|ana>" itself. It waits
// for the ack up to AckTimeout.
func (a *Actor) Command(ctx context.Context, channel, line string) (CommandResult, error) {
	s := a.s
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "/") {
		return CommandResult{}, fmt.Errorf("slackemu: %q is not a slash command", line)
	}
	command, text, _ := strings.Cut(line, " ")
	text = strings.TrimSpace(text)

	s.mu.Lock()
	u, err := a.userLocked()
	if err != nil {
		s.mu.Unlock()
		return CommandResult{}, err
	}
	c := s.channels[channel]
	if c == nil || (c.im && c.imUser != a.user) {
		s.mu.Unlock()
		return CommandResult{}, fmt.Errorf("slackemu: %s cannot run a command in unknown channel %q", a.user, channel)
	}
	ru := s.newResponseURLLocked(a.user, c.ID, "", true)
	payload := map[string]any{
		"token":                 VerificationToken,
		"team_id":               s.cfg.TeamID,
		"team_domain":           TeamDomain,
		"channel_id":            c.ID,
		"channel_name":          c.displayName(),
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               command,
		"text":                  text,
		"api_app_id":            s.cfg.AppID,
		"is_enterprise_install": "false",
		"response_url":          ru.url,
		"trigger_id":            s.newTriggerLocked(u.ID),
	}
	s.mu.Unlock()

	env, err := s.newEnvelope("slash_commands", payload, 0)
	if err != nil {
		return CommandResult{}, err
	}
	env.onAck = func(ack Ack, late bool) {
		ca, errs := parseCommandAck(ack.Payload)
		for _, e := range errs {
			s.protocolErrorLocked("slash command %s: ack payload: %s", command, e)
		}
		if late || ca == nil {
			return
		}
		rec := s.postReplyLocked(c.ID, a.user, ca.content, ca.responseType == "in_channel", "")
		ru.sourceTS = rec.TS
		env.outcome = rec
	}
	env.onTimeout = func() {
		s.addMessageLocked(Message{Channel: c.ID, User: SlackbotID, Ephemeral: true, VisibleTo: a.user,
			Text: fmt.Sprintf("%s failed with the error \"operation_timeout\"", command)})
	}
	if err := s.deliver(ctx, env, 0); err != nil {
		return CommandResult{}, err
	}
	ack, err := s.awaitAck(ctx, env, s.cfg.AckTimeout)
	res := CommandResult{Ack: ack}
	if errors.Is(err, ErrAckTimeout) {
		res.TimedOut = true
		return res, nil
	}
	if err != nil {
		return res, err
	}
	s.mu.Lock()
	if rec, ok := env.outcome.(*msgRecord); ok {
		m := s.copyLocked(rec)
		res.Reply = &m
	}
	s.mu.Unlock()
	return res, nil
}

// Ephemerals returns the ephemeral messages this user sees in channel (ack
// payloads, response_url posts, chat.postEphemeral, Slack's own notices),
// oldest first.
func (a *Actor) Ephemerals(channel string) []Message {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.s.ephemeralsLocked(channel, a.user)
}

// DMs returns the top-level messages of the bot's IM with this user.
func (a *Actor) DMs() []Message {
	a.s.mu.Lock()
	id, ok := a.s.ims[a.user]
	a.s.mu.Unlock()
	if !ok {
		return nil
	}
	return a.s.Messages(id)
}

// sendInteraction delivers an interactive payload and waits for the ack up to
// AckTimeout (ErrAckTimeout after that: Slack shows the user an error).
func (a *Actor) sendInteraction(ctx context.Context, payload map[string]any, onAck func(Ack, bool)) (*envelope, Ack, error) {
	env, err := a.s.newEnvelope("interactive", payload, 0)
	if err != nil {
		return nil, Ack{}, err
	}
	env.onAck = onAck
	if err := a.s.deliver(ctx, env, 0); err != nil {
		return env, Ack{}, err
	}
	ack, err := a.s.awaitAck(ctx, env, a.s.cfg.AckTimeout)
	return env, ack, err
}

// actionTargetLocked finds the current version of a message the user can act on.
func (a *Actor) actionTargetLocked(m Message) (*msgRecord, error) {
	if _, err := a.userLocked(); err != nil {
		return nil, err
	}
	rec := a.s.findMessageLocked(m.Channel, m.TS)
	switch {
	case rec == nil:
		return nil, fmt.Errorf("slackemu: message %s in %s not found", m.TS, m.Channel)
	case rec.Deleted:
		return nil, fmt.Errorf("slackemu: message %s in %s was deleted", m.TS, m.Channel)
	case !rec.visibleTo(a.user):
		return nil, fmt.Errorf("slackemu: message %s in %s is ephemeral for %s, %s cannot see it", m.TS, m.Channel, rec.VisibleTo, a.user)
	}
	return rec, nil
}

// messageActionPayloadLocked builds a block_actions payload for an action in
// a message. Slack leaves "message" out for ephemeral messages (it does not
// store them), so a bot must not rely on it there.
func (s *Server) messageActionPayloadLocked(user string, rec *msgRecord, action map[string]any) map[string]any {
	c := s.channels[rec.Channel]
	name := ""
	if c != nil {
		name = c.displayName()
	}
	ru := s.newResponseURLLocked(user, rec.Channel, rec.TS, false)
	container := map[string]any{"type": "message", "message_ts": rec.TS, "channel_id": rec.Channel, "is_ephemeral": rec.Ephemeral}
	if rec.ThreadTS != "" && rec.ThreadTS != rec.TS {
		container["thread_ts"] = rec.ThreadTS
	}
	p := map[string]any{
		"type":                  "block_actions",
		"user":                  s.payloadUserLocked(user),
		"api_app_id":            s.cfg.AppID,
		"token":                 VerificationToken,
		"container":             container,
		"trigger_id":            s.newTriggerLocked(user),
		"team":                  s.payloadTeam(),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": rec.Channel, "name": name},
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          ru.url,
		"actions":               []any{action},
	}
	if !rec.Ephemeral {
		p["message"] = s.messageJSONLocked(rec)
	}
	return p
}

// viewActionPayloadLocked builds a block_actions payload for an action in a
// modal or App Home: no channel, message or response_url.
func (s *Server) viewActionPayloadLocked(user string, vs *viewState, action map[string]any) map[string]any {
	return map[string]any{
		"type":                  "block_actions",
		"user":                  s.payloadUserLocked(user),
		"api_app_id":            s.cfg.AppID,
		"token":                 VerificationToken,
		"container":             map[string]any{"type": "view", "view_id": vs.id},
		"trigger_id":            s.newTriggerLocked(user),
		"team":                  s.payloadTeam(),
		"enterprise":            nil,
		"is_enterprise_install": false,
		"view":                  s.viewPayloadLocked(vs, nil),
		"actions":               []any{action},
	}
}

func (s *Server) buttonActionLocked(b Button, el map[string]any) map[string]any {
	act := map[string]any{
		"action_id": b.ActionID,
		"block_id":  b.BlockID,
		"text":      el["text"],
		"type":      "button",
		"action_ts": s.nextTSLocked(),
	}
	if b.Value != "" {
		act["value"] = b.Value
	}
	if b.Style != "" {
		act["style"] = b.Style
	}
	if b.URL != "" {
		act["url"] = b.URL
	}
	return act
}

// Click presses the button labelled label in message m, using the message's
// current state on the server (the bot may have updated it since the test
// fetched m). It works on ephemeral messages too. It errors if the message
// was deleted or has no single button with that label.
func (a *Actor) Click(ctx context.Context, m Message, label string) (Ack, error) {
	s := a.s
	s.mu.Lock()
	rec, err := a.actionTargetLocked(m)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	b, el, err := findButton(rec.Blocks, label)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackemu: message %s: %w", m.TS, err)
	}
	payload := s.messageActionPayloadLocked(a.user, rec, s.buttonActionLocked(b, el))
	s.mu.Unlock()
	_, ack, err := a.sendInteraction(ctx, payload, nil)
	return ack, err
}

// Select picks option (by text or value) in a static_select or overflow menu
// of message m, found by its placeholder text, block_id or action_id.
func (a *Actor) Select(ctx context.Context, m Message, placeholderOrBlock string, option string) (Ack, error) {
	s := a.s
	s.mu.Lock()
	rec, err := a.actionTargetLocked(m)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	var matches []map[string]any
	var blockIDs []string
	for _, b := range decodeBlocks(rec.Blocks) {
		var candidates []any
		switch getStr(b, "type") {
		case "section":
			candidates = []any{b["accessory"]}
		case "actions":
			candidates = getArr(b, "elements")
		}
		for _, c := range candidates {
			el, ok := c.(map[string]any)
			if !ok || (getStr(el, "type") != "static_select" && getStr(el, "type") != "overflow") {
				continue
			}
			if textOf(el["placeholder"]) == placeholderOrBlock || getStr(b, "block_id") == placeholderOrBlock || getStr(el, "action_id") == placeholderOrBlock {
				matches = append(matches, el)
				blockIDs = append(blockIDs, getStr(b, "block_id"))
			}
		}
	}
	if len(matches) != 1 {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackemu: message %s: %d select menus match %q, want 1", m.TS, len(matches), placeholderOrBlock)
	}
	el := matches[0]
	opt, err := findOption(el, option)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	act := map[string]any{
		"type":            getStr(el, "type"),
		"action_id":       getStr(el, "action_id"),
		"block_id":        blockIDs[0],
		"selected_option": opt,
		"action_ts":       s.nextTSLocked(),
	}
	if p, ok := el["placeholder"]; ok {
		act["placeholder"] = p
	}
	payload := s.messageActionPayloadLocked(a.user, rec, act)
	s.mu.Unlock()
	_, ack, err := a.sendInteraction(ctx, payload, nil)
	return ack, err
}

// elementOptions lists an element's options, flattening option groups.
func elementOptions(el map[string]any) []map[string]any {
	var out []map[string]any
	add := func(list []any) {
		for _, o := range list {
			if om, ok := o.(map[string]any); ok {
				out = append(out, om)
			}
		}
	}
	add(getArr(el, "options"))
	for _, g := range getArr(el, "option_groups") {
		if gm, ok := g.(map[string]any); ok {
			add(getArr(gm, "options"))
		}
	}
	return out
}

// findOption finds an option by its text or value.
func findOption(el map[string]any, want string) (map[string]any, error) {
	var texts []string
	for _, o := range elementOptions(el) {
		if textOf(o["text"]) == want || getStr(o, "value") == want {
			return maps.Clone(o), nil
		}
		texts = append(texts, strconv.Quote(textOf(o["text"])))
	}
	return nil, fmt.Errorf("slackemu: no option %q (options: %s)", want, strings.Join(texts, ", "))
}

// Modal returns the top of this user's modal stack.
func (a *Actor) Modal() (View, bool) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	vs := a.s.topModalLocked(a.user)
	if vs == nil {
		return View{}, false
	}
	return vs.public(), true
}

// Modals returns this user's modal stack, bottom first.
func (a *Actor) Modals() []View {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	var out []View
	for _, id := range a.s.modals[a.user] {
		out = append(out, a.s.views[id].public())
	}
	return out
}

// Home returns the App Home view published for this user.
func (a *Actor) Home() (View, bool) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	vs, ok := a.s.views[a.s.homes[a.user]]
	if !ok {
		return View{}, false
	}
	return vs.public(), true
}

// ClickInModal presses a button in the top modal.
func (a *Actor) ClickInModal(ctx context.Context, label string) (Ack, error) {
	return a.clickInView(ctx, label, func() *viewState { return a.s.topModalLocked(a.user) }, "no modal is open")
}

// ClickInHome presses a button in the user's App Home.
func (a *Actor) ClickInHome(ctx context.Context, label string) (Ack, error) {
	return a.clickInView(ctx, label, func() *viewState { return a.s.views[a.s.homes[a.user]] }, "no App Home is published")
}

func (a *Actor) clickInView(ctx context.Context, label string, pick func() *viewState, missing string) (Ack, error) {
	s := a.s
	s.mu.Lock()
	if _, err := a.userLocked(); err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	vs := pick()
	if vs == nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackemu: %s for %s", missing, a.user)
	}
	blocks, _ := json.Marshal(getArr(vs.def, "blocks"))
	b, el, err := findButton(blocks, label)
	if err != nil {
		s.mu.Unlock()
		return Ack{}, fmt.Errorf("slackemu: view %s: %w", vs.id, err)
	}
	payload := s.viewActionPayloadLocked(a.user, vs, s.buttonActionLocked(b, el))
	s.mu.Unlock()
	_, ack, err := a.sendInteraction(ctx, payload, nil)
	return ack, err
}

// SubmitResult is the outcome of submitting a modal.
type SubmitResult struct {
	Ack Ack
	// Closed reports that the submitted view is no longer open.
	Closed bool
	// Errors are the field errors the bot answered (response_action "errors").
	Errors map[string]string
	// View is the top of the modal stack afterwards (nil when none is open).
	View *View
}

// Submit fills the input blocks of the top modal, found by label (or
// block_id, or action_id), keeps the initial values of the others, and sends
// view_submission. Values are strings converted by element type:
// plain_text/number/email/url inputs take the string; static_select and
// radio_buttons an option text or value; multi_static_select and checkboxes
// comma-separated texts or values; users_select a user id,
// multi_users_select comma-separated ids; conversations_select and
// channels_select a channel id; datepicker "YYYY-MM-DD"; timepicker "HH:MM";
// datetimepicker unix seconds or RFC 3339. Like Slack's client, it refuses
// (without sending anything) when a required input is empty or a value is
// invalid. The ack is applied as Slack does: an empty ack closes the view,
// "errors" keeps it open with field errors, "update" replaces it, "push"
// pushes a new view, "clear" closes the whole stack.
func (a *Actor) Submit(ctx context.Context, values map[string]string) (SubmitResult, error) {
	s := a.s
	s.mu.Lock()
	u, err := a.userLocked()
	if err != nil {
		s.mu.Unlock()
		return SubmitResult{}, err
	}
	vs := s.topModalLocked(a.user)
	if vs == nil {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("slackemu: no modal is open for %s", a.user)
	}
	if textOf(vs.def["submit"]) == "" {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("slackemu: view %s has no submit button", vs.id)
	}
	state, err := s.submissionStateLocked(vs, values)
	if err != nil {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("slackemu: cannot submit view %s: %w", vs.id, err)
	}
	viewID := vs.id
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  s.payloadTeam(),
		"user":                  s.payloadUserLocked(u.ID),
		"api_app_id":            s.cfg.AppID,
		"token":                 VerificationToken,
		"trigger_id":            s.newTriggerLocked(u.ID),
		"view":                  s.viewPayloadLocked(vs, state),
		"response_urls":         []any{},
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	s.mu.Unlock()

	_, ack, err := a.sendInteraction(ctx, payload, func(ack Ack, late bool) {
		va, errs := parseViewSubmissionAck(ack.Payload)
		for _, e := range errs {
			s.protocolErrorLocked("view_submission of %s: ack payload: %s", viewID, e)
		}
		if late || va == nil {
			return
		}
		s.applyViewSubmissionLocked(a.user, viewID, va)
	})
	res := SubmitResult{Ack: ack}
	s.mu.Lock()
	defer s.mu.Unlock()
	res.Closed = !slices.Contains(s.modals[a.user], viewID)
	if v, ok := s.views[viewID]; ok && !res.Closed {
		res.Errors = maps.Clone(v.errors)
	}
	if top := s.topModalLocked(a.user); top != nil {
		v := top.public()
		res.View = &v
	}
	return res, err
}

// applyViewSubmissionLocked applies a view_submission ack like Slack.
func (s *Server) applyViewSubmissionLocked(user, viewID string, va *viewSubmissionAck) {
	stack := s.modals[user]
	idx := slices.Index(stack, viewID)
	if idx < 0 {
		return // closed meanwhile
	}
	vs := s.views[viewID]
	switch va.action {
	case "":
		s.closeModalsLocked(user, idx)
	case "clear":
		s.closeModalsLocked(user, 0)
	case "errors":
		inputs := map[string]bool{}
		for _, b := range getArr(vs.def, "blocks") {
			if bm, ok := b.(map[string]any); ok && getStr(bm, "type") == "input" {
				inputs[getStr(bm, "block_id")] = true
			}
		}
		for _, k := range slices.Sorted(maps.Keys(va.errors)) {
			if !inputs[k] {
				s.protocolErrorLocked("view_submission of %s: response_action errors names block_id %q, which is not an input block of the view (Slack rejects the response)", viewID, k)
				return
			}
		}
		vs.errors = va.errors
		s.changedLocked()
	case "update":
		s.replaceViewDefLocked(vs, va.view)
	case "push":
		if len(stack) >= 3 {
			s.protocolErrorLocked("view_submission of %s: response_action push over the limit of 3 stacked views", viewID)
			return
		}
		nv := s.newViewLocked(va.view, user, stack[0], stack[len(stack)-1])
		s.modals[user] = append(slices.Clone(stack), nv.id)
	}
}

// submissionStateLocked builds state.values for a submission.
func (s *Server) submissionStateLocked(vs *viewState, values map[string]string) (map[string]any, error) {
	type input struct {
		block, el map[string]any
		label     string
	}
	var inputs []input
	for _, b := range getArr(vs.def, "blocks") {
		bm, ok := b.(map[string]any)
		if ok && getStr(bm, "type") == "input" {
			inputs = append(inputs, input{block: bm, el: getObj(bm, "element"), label: textOf(bm["label"])})
		}
	}
	provided := map[int]string{}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		found := -1
		for _, match := range []func(input) bool{
			func(in input) bool { return in.label == key },
			func(in input) bool { return getStr(in.block, "block_id") == key },
			func(in input) bool { return getStr(in.el, "action_id") == key },
		} {
			for i, in := range inputs {
				if match(in) {
					if found >= 0 && found != i {
						return nil, fmt.Errorf("%q matches several inputs", key)
					}
					found = i
				}
			}
			if found >= 0 {
				break
			}
		}
		if found < 0 {
			var labels []string
			for _, in := range inputs {
				labels = append(labels, strconv.Quote(in.label))
			}
			return nil, fmt.Errorf("no input labelled %q (inputs: %s)", key, strings.Join(labels, ", "))
		}
		provided[found] = values[key]
	}
	state := map[string]any{}
	for i, in := range inputs {
		var st map[string]any
		if v, ok := provided[i]; ok {
			var err error
			if st, err = s.elementStateLocked(in.el, v); err != nil {
				return nil, fmt.Errorf("input %q: %w", in.label, err)
			}
		} else {
			st = initialElementState(in.el)
		}
		if !getBool(in.block, "optional") && stateIsEmpty(st) {
			return nil, fmt.Errorf("required input %q is empty (Slack's client does not let the user submit)", in.label)
		}
		state[getStr(in.block, "block_id")] = map[string]any{getStr(in.el, "action_id"): st}
	}
	return state, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// elementStateLocked converts a test's string into an element's state,
// checking what Slack's client checks.
func (s *Server) elementStateLocked(el map[string]any, v string) (map[string]any, error) {
	typ := getStr(el, "type")
	st := map[string]any{"type": typ}
	if v == "" {
		return initialElementStateCleared(el), nil
	}
	channelOK := func(id string) error {
		if _, ok := s.channels[id]; !ok {
			return fmt.Errorf("unknown conversation %q", id)
		}
		return nil
	}
	userOK := func(id string) error {
		if u, ok := s.users[id]; !ok || u.Deleted {
			return fmt.Errorf("unknown or deactivated user %q", id)
		}
		return nil
	}
	switch typ {
	case "plain_text_input":
		n := int64(runeLen(v))
		if minLen, ok := el["min_length"].(json.Number); ok {
			if m, _ := minLen.Int64(); n < m {
				return nil, fmt.Errorf("%q is shorter than min_length %d", v, m)
			}
		}
		if maxLen, ok := el["max_length"].(json.Number); ok {
			if m, _ := maxLen.Int64(); n > m {
				return nil, fmt.Errorf("%q is longer than max_length %d", v, m)
			}
		}
		st["value"] = v
	case "number_input":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		if !getBool(el, "is_decimal_allowed") {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return nil, fmt.Errorf("%q is not a whole number", v)
			}
		}
		if mv, err := strconv.ParseFloat(getStr(el, "min_value"), 64); err == nil && f < mv {
			return nil, fmt.Errorf("%s is below min_value %s", v, getStr(el, "min_value"))
		}
		if mv, err := strconv.ParseFloat(getStr(el, "max_value"), 64); err == nil && f > mv {
			return nil, fmt.Errorf("%s is above max_value %s", v, getStr(el, "max_value"))
		}
		st["value"] = v
	case "email_text_input":
		if at := strings.Index(v, "@"); at <= 0 || at == len(v)-1 {
			return nil, fmt.Errorf("%q is not an email address", v)
		}
		st["value"] = v
	case "url_text_input":
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("%q is not a URL", v)
		}
		st["value"] = v
	case "static_select", "radio_buttons":
		opt, err := findOption(el, v)
		if err != nil {
			return nil, err
		}
		st["selected_option"] = opt
	case "external_select":
		st["selected_option"] = map[string]any{"text": map[string]any{"type": "plain_text", "text": v}, "value": v}
	case "multi_static_select", "checkboxes":
		var opts []any
		for _, p := range splitList(v) {
			opt, err := findOption(el, p)
			if err != nil {
				return nil, err
			}
			opts = append(opts, opt)
		}
		st["selected_options"] = opts
	case "multi_external_select":
		var opts []any
		for _, p := range splitList(v) {
			opts = append(opts, map[string]any{"text": map[string]any{"type": "plain_text", "text": p}, "value": p})
		}
		st["selected_options"] = opts
	case "users_select":
		if err := userOK(v); err != nil {
			return nil, err
		}
		st["selected_user"] = v
	case "multi_users_select":
		ids := splitList(v)
		for _, id := range ids {
			if err := userOK(id); err != nil {
				return nil, err
			}
		}
		st["selected_users"] = ids
	case "conversations_select", "channels_select":
		if err := channelOK(v); err != nil {
			return nil, err
		}
		key := map[string]string{"conversations_select": "selected_conversation", "channels_select": "selected_channel"}[typ]
		st[key] = v
	case "multi_conversations_select", "multi_channels_select":
		ids := splitList(v)
		for _, id := range ids {
			if err := channelOK(id); err != nil {
				return nil, err
			}
		}
		key := map[string]string{"multi_conversations_select": "selected_conversations", "multi_channels_select": "selected_channels"}[typ]
		st[key] = ids
	case "datepicker":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return nil, fmt.Errorf("%q is not a YYYY-MM-DD date", v)
		}
		st["selected_date"] = v
	case "timepicker":
		if !timeRe.MatchString(v) {
			return nil, fmt.Errorf("%q is not an HH:MM time", v)
		}
		st["selected_time"] = v
	case "datetimepicker":
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			st["selected_date_time"] = n
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			st["selected_date_time"] = t.Unix()
		} else {
			return nil, fmt.Errorf("%q is neither unix seconds nor RFC 3339", v)
		}
	case "rich_text_input":
		st["rich_text_value"] = map[string]any{"type": "rich_text", "elements": []any{
			map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": v}}},
		}}
	default:
		return nil, fmt.Errorf("filling %s elements is not emulated", typ)
	}
	return st, nil
}

// initialElementStateCleared is the state of an element the user emptied.
func initialElementStateCleared(el map[string]any) map[string]any {
	cleared := maps.Clone(el)
	for _, k := range []string{"initial_value", "initial_option", "initial_options", "initial_user", "initial_users",
		"initial_conversation", "initial_conversations", "initial_channel", "initial_channels", "initial_date",
		"initial_time", "initial_date_time"} {
		delete(cleared, k)
	}
	return initialElementState(cleared)
}

// CloseModal presses Close on the top modal. The view (or the whole stack
// with clear_on_close) closes; view_closed is sent only when the view set
// notify_on_close, and then CloseModal waits for its ack.
func (a *Actor) CloseModal(ctx context.Context) error {
	s := a.s
	s.mu.Lock()
	u, err := a.userLocked()
	if err != nil {
		s.mu.Unlock()
		return err
	}
	vs := s.topModalLocked(a.user)
	if vs == nil {
		s.mu.Unlock()
		return fmt.Errorf("slackemu: no modal is open for %s", a.user)
	}
	notify, clear := getBool(vs.def, "notify_on_close"), getBool(vs.def, "clear_on_close")
	payload := map[string]any{
		"type":                  "view_closed",
		"team":                  s.payloadTeam(),
		"user":                  s.payloadUserLocked(u.ID),
		"api_app_id":            s.cfg.AppID,
		"token":                 VerificationToken,
		"view":                  s.viewPayloadLocked(vs, nil),
		"is_cleared":            clear,
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	if clear {
		s.closeModalsLocked(a.user, 0)
	} else {
		s.closeModalsLocked(a.user, len(s.modals[a.user])-1)
	}
	s.mu.Unlock()
	if !notify {
		return nil
	}
	_, _, err = a.sendInteraction(ctx, payload, nil)
	return err
}

// OpenHome opens the App Home tab: an events_api envelope with an
// app_home_opened event (including the published view, if any), redelivered
// like any event if not acked.
func (a *Actor) OpenHome(ctx context.Context) (Ack, error) {
	s := a.s
	s.mu.Lock()
	if _, err := a.userLocked(); err != nil {
		s.mu.Unlock()
		return Ack{}, err
	}
	ev := map[string]any{
		"type":     "app_home_opened",
		"user":     a.user,
		"channel":  s.imChannelLocked(a.user).ID,
		"tab":      "home",
		"event_ts": s.nextTSLocked(),
	}
	if vs, ok := s.views[s.homes[a.user]]; ok {
		ev["view"] = s.viewPayloadLocked(vs, nil)
	}
	s.mu.Unlock()
	return s.SendEvent(ctx, ev)
}
