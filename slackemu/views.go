package slackemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// View is a modal or App Home view as the user sees it.
type View struct {
	ID, Type, CallbackID, Title, PrivateMetadata, Hash, ExternalID string
	Blocks                                                         json.RawMessage
	// Errors are the field errors shown after a "response_action":"errors"
	// ack, by block_id.
	Errors        map[string]string
	NotifyOnClose bool
	Submit, Close string // button labels ("" when absent)
}

// Input is an input block of a view.
type Input struct {
	BlockID, ActionID, Label, ElementType string
	Optional                              bool
	// InitialValue renders the element's initial state as a string in the
	// format Actor.Submit accepts (option texts, comma-separated lists, …).
	InitialValue string
}

// Content returns the view's human-readable text: title, block texts, field
// errors and button labels, one per line.
func (v View) Content() string {
	parts := []string{}
	if v.Title != "" {
		parts = append(parts, v.Title)
	}
	parts = append(parts, blocksTexts(v.Blocks)...)
	for _, k := range slices.Sorted(maps.Keys(v.Errors)) {
		parts = append(parts, v.Errors[k])
	}
	for _, s := range []string{v.Submit, v.Close} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// Buttons returns the buttons in the view's blocks.
func (v View) Buttons() []Button { return blocksButtons(v.Blocks) }

// Inputs returns the view's input blocks in order.
func (v View) Inputs() []Input {
	var out []Input
	for _, b := range decodeBlocks(v.Blocks) {
		if getStr(b, "type") != "input" {
			continue
		}
		el := getObj(b, "element")
		out = append(out, Input{
			BlockID:      getStr(b, "block_id"),
			ActionID:     getStr(el, "action_id"),
			Label:        textOf(b["label"]),
			ElementType:  getStr(el, "type"),
			Optional:     getBool(b, "optional"),
			InitialValue: initialValueString(el),
		})
	}
	return out
}

func initialValueString(el map[string]any) string {
	optionTexts := func(list []any) string {
		var texts []string
		for _, o := range list {
			om, _ := o.(map[string]any)
			texts = append(texts, textOf(om["text"]))
		}
		return strings.Join(texts, ",")
	}
	strList := func(list []any) string {
		var out []string
		for _, x := range list {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return strings.Join(out, ",")
	}
	switch getStr(el, "type") {
	case "plain_text_input", "number_input", "email_text_input", "url_text_input":
		return getStr(el, "initial_value")
	case "static_select", "external_select", "radio_buttons":
		return textOf(getObj(el, "initial_option")["text"])
	case "multi_static_select", "multi_external_select", "checkboxes":
		return optionTexts(getArr(el, "initial_options"))
	case "users_select":
		return getStr(el, "initial_user")
	case "multi_users_select":
		return strList(getArr(el, "initial_users"))
	case "conversations_select":
		return getStr(el, "initial_conversation")
	case "multi_conversations_select":
		return strList(getArr(el, "initial_conversations"))
	case "channels_select":
		return getStr(el, "initial_channel")
	case "multi_channels_select":
		return strList(getArr(el, "initial_channels"))
	case "datepicker":
		return getStr(el, "initial_date")
	case "timepicker":
		return getStr(el, "initial_time")
	case "datetimepicker":
		if n, ok := el["initial_date_time"].(json.Number); ok {
			return n.String()
		}
	}
	return ""
}

// viewState is a stored view.
type viewState struct {
	id, typ, user, hash, rootID, previousID string
	def                                     map[string]any // normalized view as sent by the bot
	errors                                  map[string]string
}

func newViewHash() string { return fmt.Sprintf("%d.%s", time.Now().Unix(), randHex(4)) }

// public returns the View users see.
func (vs *viewState) public() View {
	blocks, _ := json.Marshal(getArr(vs.def, "blocks"))
	return View{
		ID:              vs.id,
		Type:            vs.typ,
		CallbackID:      getStr(vs.def, "callback_id"),
		Title:           textOf(vs.def["title"]),
		PrivateMetadata: getStr(vs.def, "private_metadata"),
		Hash:            vs.hash,
		ExternalID:      getStr(vs.def, "external_id"),
		Blocks:          blocks,
		Errors:          maps.Clone(vs.errors),
		NotifyOnClose:   getBool(vs.def, "notify_on_close"),
		Submit:          textOf(vs.def["submit"]),
		Close:           textOf(vs.def["close"]),
	}
}

// viewPayloadLocked renders the view as views.* answers and payloads carry it,
// with the given state values (nil: the initial state).
func (s *Server) viewPayloadLocked(vs *viewState, values map[string]any) map[string]any {
	if values == nil {
		values = initialStateValues(getArr(vs.def, "blocks"))
	}
	out := map[string]any{
		"title":            nil,
		"close":            nil,
		"submit":           nil,
		"private_metadata": "",
		"callback_id":      "",
		"external_id":      "",
		"clear_on_close":   false,
		"notify_on_close":  false,
	}
	maps.Copy(out, vs.def)
	var prev any
	if vs.previousID != "" {
		prev = vs.previousID
	}
	maps.Copy(out, map[string]any{
		"id":                    vs.id,
		"team_id":               s.cfg.TeamID,
		"type":                  vs.typ,
		"state":                 map[string]any{"values": values},
		"hash":                  vs.hash,
		"root_view_id":          vs.rootID,
		"previous_view_id":      prev,
		"app_id":                s.cfg.AppID,
		"bot_id":                BotID,
		"app_installed_team_id": s.cfg.TeamID,
	})
	return out
}

// initialStateValues is the state of a view's input blocks before the user
// touches them.
func initialStateValues(blocks []any) map[string]any {
	values := map[string]any{}
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		if getStr(bm, "type") != "input" {
			continue
		}
		el := getObj(bm, "element")
		values[getStr(bm, "block_id")] = map[string]any{getStr(el, "action_id"): initialElementState(el)}
	}
	return values
}

// initialElementState renders an element's initial value as Slack's state
// does (null or empty when unset).
func initialElementState(el map[string]any) map[string]any {
	typ := getStr(el, "type")
	st := map[string]any{"type": typ}
	orNil := func(k string) any {
		if v, ok := el[k]; ok && v != nil && v != "" {
			return v
		}
		return nil
	}
	orEmpty := func(k string) any {
		if v, ok := el[k].([]any); ok {
			return v
		}
		return []any{}
	}
	switch typ {
	case "plain_text_input", "number_input", "email_text_input", "url_text_input":
		st["value"] = orNil("initial_value")
	case "static_select", "external_select", "radio_buttons":
		st["selected_option"] = orNil("initial_option")
	case "multi_static_select", "multi_external_select", "checkboxes":
		st["selected_options"] = orEmpty("initial_options")
	case "users_select":
		st["selected_user"] = orNil("initial_user")
	case "multi_users_select":
		st["selected_users"] = orEmpty("initial_users")
	case "conversations_select":
		st["selected_conversation"] = orNil("initial_conversation")
	case "multi_conversations_select":
		st["selected_conversations"] = orEmpty("initial_conversations")
	case "channels_select":
		st["selected_channel"] = orNil("initial_channel")
	case "multi_channels_select":
		st["selected_channels"] = orEmpty("initial_channels")
	case "datepicker":
		st["selected_date"] = orNil("initial_date")
	case "timepicker":
		st["selected_time"] = orNil("initial_time")
	case "datetimepicker":
		st["selected_date_time"] = orNil("initial_date_time")
	case "rich_text_input":
		st["rich_text_value"] = orNil("initial_value")
	}
	return st
}

// stateIsEmpty reports whether an element state holds no value.
func stateIsEmpty(st map[string]any) bool {
	for k, v := range st {
		if k == "type" {
			continue
		}
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				return false
			}
		case []any:
			if len(x) > 0 {
				return false
			}
		case []string:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// trigger is a trigger_id: single use, valid TriggerTTL, bound to the user
// whose action created it.
type trigger struct {
	user   string
	issued time.Time
	used   bool
}

func (s *Server) newTriggerLocked(user string) string {
	id := fmt.Sprintf("%d.%d.%s", time.Now().UnixMilli()%10_000_000, time.Now().Unix()%1_000_000, randHex(16))
	s.triggers[id] = &trigger{user: user, issued: time.Now()}
	return id
}

// exchangeTriggerLocked consumes a trigger_id, answering Slack's errors.
func (s *Server) exchangeTriggerLocked(id string) (*trigger, string) {
	t, ok := s.triggers[id]
	switch {
	case !ok:
		return nil, "invalid_trigger_id"
	case t.used:
		return nil, "exchanged_trigger_id"
	case time.Since(t.issued) > s.cfg.TriggerTTL:
		return nil, "expired_trigger_id"
	}
	t.used = true
	return t, ""
}

// newViewLocked stores a new view.
func (s *Server) newViewLocked(def map[string]any, user, rootID, previousID string) *viewState {
	vs := &viewState{id: randID("V", 10), typ: getStr(def, "type"), user: user, hash: newViewHash(), def: def, previousID: previousID}
	vs.rootID = rootID
	if rootID == "" {
		vs.rootID = vs.id
	}
	if ext := getStr(def, "external_id"); ext != "" {
		s.externalIDs[ext] = vs.id
	}
	s.views[vs.id] = vs
	s.changedLocked()
	return vs
}

// externalIDTakenLocked reports whether ext belongs to another view.
func (s *Server) externalIDTakenLocked(def map[string]any, self string) bool {
	ext := getStr(def, "external_id")
	if ext == "" {
		return false
	}
	id, ok := s.externalIDs[ext]
	if !ok {
		return false
	}
	if _, live := s.views[id]; !live {
		return false
	}
	return id != self
}

// removeViewLocked forgets a view (closed modal).
func (s *Server) removeViewLocked(id string) {
	if vs, ok := s.views[id]; ok {
		if ext := getStr(vs.def, "external_id"); ext != "" && s.externalIDs[ext] == id {
			delete(s.externalIDs, ext)
		}
		delete(s.views, id)
	}
}

// closeModalsLocked closes the views of user's stack from index i up.
func (s *Server) closeModalsLocked(user string, i int) {
	stack := s.modals[user]
	if i < 0 || i >= len(stack) {
		return
	}
	for _, id := range stack[i:] {
		s.removeViewLocked(id)
	}
	if i == 0 {
		delete(s.modals, user)
	} else {
		s.modals[user] = slices.Clone(stack[:i])
	}
	s.changedLocked()
}

func (s *Server) topModalLocked(user string) *viewState {
	stack := s.modals[user]
	if len(stack) == 0 {
		return nil
	}
	return s.views[stack[len(stack)-1]]
}

// viewArgLocked reads and validates the view argument of views.* calls.
func (s *Server) viewArgLocked(r *apiRequest, types ...string) (map[string]any, apiResult, bool) {
	raw, ok := r.jsonParam("view")
	if !ok {
		return nil, s.protoResultLocked(r.method, "invalid_arguments", "missing required field: view"), false
	}
	def, errs := checkView(raw, types...)
	if len(errs) > 0 {
		return nil, s.protoResultLocked(r.method, "invalid_arguments", errs...), false
	}
	return def, apiResult{}, true
}

func (s *Server) apiViewsOpen(r *apiRequest) apiResult {
	if r.str("trigger_id") == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "missing required field: trigger_id")
	}
	def, res, ok := s.viewArgLocked(r, surfaceModal)
	if !ok {
		return res
	}
	if s.externalIDTakenLocked(def, "") {
		return errResult("duplicate_external_id")
	}
	t, code := s.exchangeTriggerLocked(r.str("trigger_id"))
	if code != "" {
		return errResult(code)
	}
	// A new modal replaces whatever the user had open.
	s.closeModalsLocked(t.user, 0)
	vs := s.newViewLocked(def, t.user, "", "")
	s.modals[t.user] = []string{vs.id}
	return okResult(map[string]any{"view": s.viewPayloadLocked(vs, nil)})
}

func (s *Server) apiViewsPush(r *apiRequest) apiResult {
	if r.str("trigger_id") == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "missing required field: trigger_id")
	}
	def, res, ok := s.viewArgLocked(r, surfaceModal)
	if !ok {
		return res
	}
	if s.externalIDTakenLocked(def, "") {
		return errResult("duplicate_external_id")
	}
	t, code := s.exchangeTriggerLocked(r.str("trigger_id"))
	if code != "" {
		return errResult(code)
	}
	stack := s.modals[t.user]
	if len(stack) == 0 {
		return errResult("not_found")
	}
	if len(stack) >= 3 {
		return errResult("push_limit_reached")
	}
	vs := s.newViewLocked(def, t.user, stack[0], stack[len(stack)-1])
	s.modals[t.user] = append(slices.Clone(stack), vs.id)
	return okResult(map[string]any{"view": s.viewPayloadLocked(vs, nil)})
}

func (s *Server) apiViewsUpdate(r *apiRequest) apiResult {
	id, ext := r.str("view_id"), r.str("external_id")
	if id == "" && ext == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "either view_id or external_id is required")
	}
	if id == "" {
		id = s.externalIDs[ext]
	}
	vs, ok := s.views[id]
	if !ok {
		return errResult("not_found")
	}
	if h := r.str("hash"); h != "" && h != vs.hash {
		return errResult("hash_conflict")
	}
	def, res, ok := s.viewArgLocked(r, vs.typ)
	if !ok {
		return res
	}
	if s.externalIDTakenLocked(def, vs.id) {
		return errResult("duplicate_external_id")
	}
	s.replaceViewDefLocked(vs, def)
	return okResult(map[string]any{"view": s.viewPayloadLocked(vs, nil)})
}

// replaceViewDefLocked swaps a view's content, keeping its id (and its
// external_id unless the new view sets another), as views.update and
// response_action "update" do.
func (s *Server) replaceViewDefLocked(vs *viewState, def map[string]any) {
	old := getStr(vs.def, "external_id")
	if getStr(def, "external_id") == "" && old != "" {
		def["external_id"] = old
	}
	if old != "" && s.externalIDs[old] == vs.id {
		delete(s.externalIDs, old)
	}
	if ext := getStr(def, "external_id"); ext != "" {
		s.externalIDs[ext] = vs.id
	}
	vs.def, vs.hash, vs.errors = def, newViewHash(), nil
	s.changedLocked()
}

func (s *Server) apiViewsPublish(r *apiRequest) apiResult {
	user := r.str("user_id")
	if user == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "missing required field: user_id")
	}
	if _, ok := s.users[user]; !ok {
		return s.protoResultLocked(r.method, "invalid_arguments", "invalid `user_id`")
	}
	def, res, ok := s.viewArgLocked(r, surfaceHome)
	if !ok {
		return res
	}
	current, exists := s.views[s.homes[user]]
	if h := r.str("hash"); h != "" && exists && h != current.hash {
		return errResult("hash_conflict")
	}
	self := ""
	if exists {
		self = current.id
	}
	if s.externalIDTakenLocked(def, self) {
		return errResult("duplicate_external_id")
	}
	if exists {
		s.replaceViewDefLocked(current, def)
		return okResult(map[string]any{"view": s.viewPayloadLocked(current, nil)})
	}
	vs := s.newViewLocked(def, user, "", "")
	s.homes[user] = vs.id
	return okResult(map[string]any{"view": s.viewPayloadLocked(vs, nil)})
}
