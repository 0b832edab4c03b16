package slackemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Block Kit validation. Slack refuses a message or view that breaks a limit
// with invalid_blocks (messages) or invalid_arguments (views) and a list of
// "[ERROR] … [json-pointer:/blocks/0/text/text]" lines; the emulator does the
// same so that a bot that would fail in production fails its tests. The limits
// are those of /work/shared/slack-platform.md and Slack's Block Kit reference.

// Surfaces have different limits (50 blocks in a message, 100 in a view).
const (
	surfaceMessage = "message"
	surfaceModal   = "modal"
	surfaceHome    = "home"
)

func set(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

var (
	selectTypes = []string{
		"static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
	}
	sectionAccessoryTypes = set(append([]string{"button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker"}, selectTypes...)...)
	actionsElementTypes   = set(append([]string{"button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker", "rich_text_input"}, selectTypes...)...)
	inputElementTypes     = set(append([]string{"checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input"}, selectTypes...)...)
	// interactiveTypes get an action_id when the bot leaves it out.
	interactiveTypes     = set(append([]string{"button", "checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input", "overflow", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input"}, selectTypes...)...)
	richTextElementTypes = set("rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote")

	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRe = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

// decodeJSON decodes JSON keeping numbers exact, so that re-encoding a view
// or blocks changes nothing the bot sent.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func isNull(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func getStr(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func getObj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func getArr(m map[string]any, k string) []any {
	a, _ := m[k].([]any)
	return a
}

func getBool(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

// textOf returns the text of a text object.
func textOf(v any) string {
	if o, ok := v.(map[string]any); ok {
		return getStr(o, "text")
	}
	return ""
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

type blockValidator struct {
	surface  string
	errs     []string
	blockIDs map[string]string // block_id -> where it was first used
}

func newBlockValidator(surface string) *blockValidator {
	return &blockValidator{surface: surface, blockIDs: map[string]string{}}
}

// errorf records an error in Slack's format.
func (v *blockValidator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), path))
}

// str checks an optional string field's type and maximum length.
func (v *blockValidator) str(m map[string]any, key, path string, maxLen int, required bool) (string, bool) {
	raw, ok := m[key]
	if !ok || raw == nil {
		if required {
			v.errorf(path+"/"+key, "missing required field: %s", key)
		}
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		v.errorf(path+"/"+key, "must be a string")
		return "", false
	}
	if required && s == "" {
		v.errorf(path+"/"+key, "must be more than 0 characters")
	}
	if maxLen > 0 && runeLen(s) > maxLen {
		v.errorf(path+"/"+key, "must be less than %d characters", maxLen+1)
	}
	return s, true
}

type textRule struct {
	required  bool
	plainOnly bool
	max       int // 0: no limit
}

// text checks a text object {"type":"plain_text"|"mrkdwn","text":…}.
func (v *blockValidator) text(t any, path string, r textRule) {
	if t == nil {
		if r.required {
			v.errorf(path, "missing required field")
		}
		return
	}
	m, ok := t.(map[string]any)
	if !ok {
		v.errorf(path, "must be a text object")
		return
	}
	switch typ := getStr(m, "type"); {
	case typ != "plain_text" && typ != "mrkdwn":
		v.errorf(path+"/type", "must be one of [plain_text, mrkdwn]")
	case r.plainOnly && typ != "plain_text":
		v.errorf(path+"/type", "must be plain_text")
	}
	s, ok := m["text"].(string)
	switch {
	case !ok:
		v.errorf(path+"/text", "missing required field: text")
	case s == "":
		v.errorf(path+"/text", "must be more than 0 characters")
	case r.max > 0 && runeLen(s) > r.max:
		v.errorf(path+"/text", "must be less than %d characters", r.max+1)
	}
}

// blocks checks a list of blocks.
func (v *blockValidator) blocks(list any, path string) {
	arr, ok := list.([]any)
	if !ok {
		v.errorf(path, "must be an array")
		return
	}
	maxBlocks := 100
	if v.surface == surfaceMessage {
		maxBlocks = 50
	}
	if len(arr) > maxBlocks {
		v.errorf(path, "must provide no more than %d items", maxBlocks)
	}
	for i, b := range arr {
		v.block(b, fmt.Sprintf("%s/%d", path, i))
	}
}

func (v *blockValidator) block(b any, path string) {
	m, ok := b.(map[string]any)
	if !ok {
		v.errorf(path, "must be an object")
		return
	}
	typ, _ := m["type"].(string)
	if typ == "" {
		v.errorf(path+"/type", "missing required field: type")
		return
	}
	if raw, ok := m["block_id"]; ok && raw != nil {
		id, isStr := raw.(string)
		switch {
		case !isStr:
			v.errorf(path+"/block_id", "must be a string")
		case id == "":
			v.errorf(path+"/block_id", "must be more than 0 characters")
		case runeLen(id) > 255:
			v.errorf(path+"/block_id", "must be less than 256 characters")
		default:
			if first, dup := v.blockIDs[id]; dup {
				v.errorf(path+"/block_id", "block_id %q is already used at %s: block_id must be unique", id, first)
			} else {
				v.blockIDs[id] = path
			}
		}
	}
	switch typ {
	case "section":
		text, hasText := m["text"]
		fields, hasFields := m["fields"]
		if (!hasText || text == nil) && (!hasFields || fields == nil) {
			v.errorf(path, "must provide either text or fields")
		}
		if hasText {
			v.text(text, path+"/text", textRule{required: true, max: 3000})
		}
		if hasFields && fields != nil {
			arr, ok := fields.([]any)
			if !ok {
				v.errorf(path+"/fields", "must be an array")
			} else {
				if len(arr) > 10 {
					v.errorf(path+"/fields", "must provide no more than 10 items")
				}
				if len(arr) == 0 {
					v.errorf(path+"/fields", "must provide at least 1 item")
				}
				for i, f := range arr {
					v.text(f, fmt.Sprintf("%s/fields/%d", path, i), textRule{required: true, max: 2000})
				}
			}
		}
		if acc, ok := m["accessory"]; ok && acc != nil {
			v.element(acc, path+"/accessory", sectionAccessoryTypes, map[string]string{})
		}
	case "header":
		v.text(m["text"], path+"/text", textRule{required: true, plainOnly: true, max: 150})
	case "divider":
	case "context":
		elems, ok := m["elements"].([]any)
		if !ok {
			v.errorf(path+"/elements", "missing required field: elements")
			break
		}
		if len(elems) == 0 {
			v.errorf(path+"/elements", "must provide at least 1 item")
		}
		if len(elems) > 10 {
			v.errorf(path+"/elements", "must provide no more than 10 items")
		}
		for i, e := range elems {
			p := fmt.Sprintf("%s/elements/%d", path, i)
			if em, ok := e.(map[string]any); ok && getStr(em, "type") == "image" {
				v.image(em, p, false)
				continue
			}
			v.text(e, p, textRule{required: true})
		}
	case "actions":
		elems, ok := m["elements"].([]any)
		if !ok {
			v.errorf(path+"/elements", "missing required field: elements")
			break
		}
		if len(elems) == 0 {
			v.errorf(path+"/elements", "must provide at least 1 item")
		}
		if len(elems) > 25 {
			v.errorf(path+"/elements", "must provide no more than 25 items")
		}
		ids := map[string]string{}
		for i, e := range elems {
			v.element(e, fmt.Sprintf("%s/elements/%d", path, i), actionsElementTypes, ids)
		}
	case "input":
		v.text(m["label"], path+"/label", textRule{required: true, plainOnly: true, max: 2000})
		if h, ok := m["hint"]; ok {
			v.text(h, path+"/hint", textRule{plainOnly: true, max: 2000})
		}
		if o, ok := m["optional"]; ok && o != nil {
			if _, isBool := o.(bool); !isBool {
				v.errorf(path+"/optional", "must be a boolean")
			}
		}
		el, ok := m["element"]
		if !ok || el == nil {
			v.errorf(path+"/element", "missing required field: element")
			break
		}
		v.element(el, path+"/element", inputElementTypes, map[string]string{})
	case "rich_text":
		elems, ok := m["elements"].([]any)
		if !ok {
			v.errorf(path+"/elements", "missing required field: elements")
			break
		}
		for i, e := range elems {
			p := fmt.Sprintf("%s/elements/%d", path, i)
			em, ok := e.(map[string]any)
			if !ok {
				v.errorf(p, "must be an object")
				continue
			}
			if t := getStr(em, "type"); !richTextElementTypes[t] {
				v.errorf(p+"/type", "unsupported rich text element type %q", t)
			}
			if _, ok := em["elements"].([]any); !ok {
				v.errorf(p+"/elements", "missing required field: elements")
			}
		}
	case "image":
		v.image(m, path, true)
	case "markdown":
		if v.surface != surfaceMessage {
			v.errorf(path+"/type", "markdown blocks are only allowed in messages")
		}
		v.str(m, "text", path, 12000, true)
	default:
		v.errorf(path+"/type", "unsupported block type %q", typ)
	}
}

// image checks an image block (block=true) or image element.
func (v *blockValidator) image(m map[string]any, path string, block bool) {
	_, hasURL := m["image_url"]
	_, hasFile := m["slack_file"]
	if !hasURL && !hasFile {
		v.errorf(path, "must provide either image_url or slack_file")
	}
	if hasURL {
		v.str(m, "image_url", path, 3000, true)
	}
	v.str(m, "alt_text", path, 2000, true)
	if block {
		if t, ok := m["title"]; ok {
			v.text(t, path+"/title", textRule{plainOnly: true, max: 2000})
		}
	}
}

// element checks an interactive element (or image) in a section accessory,
// actions block or input block. ids collects the block's action_ids.
func (v *blockValidator) element(e any, path string, allowed map[string]bool, ids map[string]string) {
	m, ok := e.(map[string]any)
	if !ok {
		v.errorf(path, "must be an object")
		return
	}
	typ := getStr(m, "type")
	if typ == "" {
		v.errorf(path+"/type", "missing required field: type")
		return
	}
	if !allowed[typ] {
		v.errorf(path+"/type", "element type %q is not allowed here", typ)
		return
	}
	if typ == "image" {
		v.image(m, path, false)
		return
	}
	if aid, ok := v.str(m, "action_id", path, 255, typ == "button"); ok && aid != "" {
		if first, dup := ids[aid]; dup {
			v.errorf(path+"/action_id", "action_id %q is already used at %s: action_id must be unique within a block", aid, first)
		} else {
			ids[aid] = path
		}
	}
	if p, ok := m["placeholder"]; ok {
		v.text(p, path+"/placeholder", textRule{plainOnly: true, max: 150})
	}
	if c, ok := m["confirm"]; ok && c != nil {
		v.confirm(c, path+"/confirm")
	}
	switch typ {
	case "button":
		v.text(m["text"], path+"/text", textRule{required: true, plainOnly: true, max: 75})
		v.str(m, "value", path, 2000, false)
		v.str(m, "url", path, 3000, false)
		if st, ok := v.str(m, "style", path, 0, false); ok && st != "primary" && st != "danger" {
			v.errorf(path+"/style", "must be one of [primary, danger]")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := m["options"]
		groups, hasGroups := m["option_groups"]
		var all []map[string]any
		switch {
		case hasOpts && hasGroups:
			v.errorf(path, "must provide either options or option_groups, not both")
		case hasOpts:
			all = v.options(opts, path+"/options", 1, 100, true)
		case hasGroups:
			garr, ok := groups.([]any)
			if !ok {
				v.errorf(path+"/option_groups", "must be an array")
				break
			}
			if len(garr) > 100 {
				v.errorf(path+"/option_groups", "must provide no more than 100 items")
			}
			for i, g := range garr {
				gp := fmt.Sprintf("%s/option_groups/%d", path, i)
				gm, ok := g.(map[string]any)
				if !ok {
					v.errorf(gp, "must be an object")
					continue
				}
				v.text(gm["label"], gp+"/label", textRule{required: true, plainOnly: true, max: 75})
				all = append(all, v.options(gm["options"], gp+"/options", 1, 100, true)...)
			}
		default:
			v.errorf(path+"/options", "missing required field: options")
		}
		v.initialOptions(m, path, all, typ == "multi_static_select")
	case "overflow":
		v.options(m["options"], path+"/options", 1, 5, true)
	case "checkboxes":
		all := v.options(m["options"], path+"/options", 1, 10, false)
		v.initialOptions(m, path, all, true)
	case "radio_buttons":
		all := v.options(m["options"], path+"/options", 1, 10, false)
		v.initialOptions(m, path, all, false)
	case "datepicker":
		if d, ok := v.str(m, "initial_date", path, 0, false); ok && !dateRe.MatchString(d) {
			v.errorf(path+"/initial_date", "must be in the format YYYY-MM-DD")
		}
	case "timepicker":
		if t, ok := v.str(m, "initial_time", path, 0, false); ok && !timeRe.MatchString(t) {
			v.errorf(path+"/initial_time", "must be in the format HH:mm")
		}
	case "datetimepicker":
		if d, ok := m["initial_date_time"]; ok && d != nil {
			if n, isNum := d.(json.Number); !isNum || !isInt(n) {
				v.errorf(path+"/initial_date_time", "must be an integer (unix seconds)")
			}
		}
	case "plain_text_input":
		v.str(m, "initial_value", path, 3000, false)
		minLen, maxLen := v.intField(m, "min_length", path, 0, 3000), v.intField(m, "max_length", path, 1, 3000)
		if minLen >= 0 && maxLen >= 0 && minLen > maxLen {
			v.errorf(path+"/min_length", "must not be greater than max_length")
		}
	case "number_input":
		if b, ok := m["is_decimal_allowed"]; !ok {
			v.errorf(path+"/is_decimal_allowed", "missing required field: is_decimal_allowed")
		} else if _, isBool := b.(bool); !isBool {
			v.errorf(path+"/is_decimal_allowed", "must be a boolean")
		}
		for _, k := range []string{"initial_value", "min_value", "max_value"} {
			if s, ok := v.str(m, k, path, 0, false); ok {
				if _, err := strconv.ParseFloat(s, 64); err != nil {
					v.errorf(path+"/"+k, "must be a number")
				}
			}
		}
	case "email_text_input", "url_text_input":
		v.str(m, "initial_value", path, 0, false)
	}
}

func isInt(n json.Number) bool {
	_, err := n.Int64()
	return err == nil
}

// intField checks an optional integer field within [minV, maxV]; it returns
// -1 when absent or invalid.
func (v *blockValidator) intField(m map[string]any, key, path string, minV, maxV int64) int64 {
	raw, ok := m[key]
	if !ok || raw == nil {
		return -1
	}
	n, isNum := raw.(json.Number)
	if !isNum {
		v.errorf(path+"/"+key, "must be an integer")
		return -1
	}
	i, err := n.Int64()
	if err != nil || i < minV || i > maxV {
		v.errorf(path+"/"+key, "must be an integer between %d and %d", minV, maxV)
		return -1
	}
	return i
}

// options checks option objects and returns the valid ones.
func (v *blockValidator) options(list any, path string, minN, maxN int, plainOnly bool) []map[string]any {
	arr, ok := list.([]any)
	if !ok {
		v.errorf(path, "missing required field: options")
		return nil
	}
	if len(arr) < minN {
		v.errorf(path, "must provide at least %d items", minN)
	}
	if len(arr) > maxN {
		v.errorf(path, "must provide no more than %d items", maxN)
	}
	var out []map[string]any
	for i, o := range arr {
		p := fmt.Sprintf("%s/%d", path, i)
		om, ok := o.(map[string]any)
		if !ok {
			v.errorf(p, "must be an object")
			continue
		}
		v.text(om["text"], p+"/text", textRule{required: true, plainOnly: plainOnly, max: 75})
		v.str(om, "value", p, 150, true)
		if d, ok := om["description"]; ok {
			v.text(d, p+"/description", textRule{plainOnly: plainOnly, max: 75})
		}
		out = append(out, om)
	}
	return out
}

// initialOptions checks that initial_option(s) are among the options, which
// Slack requires.
func (v *blockValidator) initialOptions(m map[string]any, path string, all []map[string]any, multi bool) {
	matches := func(o any) bool {
		om, ok := o.(map[string]any)
		if !ok {
			return false
		}
		for _, a := range all {
			if getStr(a, "value") == getStr(om, "value") && textOf(a["text"]) == textOf(om["text"]) {
				return true
			}
		}
		return false
	}
	if io, ok := m["initial_option"]; ok && io != nil {
		if multi {
			v.errorf(path+"/initial_option", "use initial_options for a multi-select element")
		} else if !matches(io) {
			v.errorf(path+"/initial_option", "must match one of the options")
		}
	}
	if ios, ok := m["initial_options"]; ok && ios != nil {
		arr, isArr := ios.([]any)
		switch {
		case !multi:
			v.errorf(path+"/initial_options", "only multi-select elements and checkboxes take initial_options")
		case !isArr:
			v.errorf(path+"/initial_options", "must be an array")
		default:
			for i, o := range arr {
				if !matches(o) {
					v.errorf(fmt.Sprintf("%s/initial_options/%d", path, i), "must match one of the options")
				}
			}
		}
	}
}

func (v *blockValidator) confirm(c any, path string) {
	m, ok := c.(map[string]any)
	if !ok {
		v.errorf(path, "must be an object")
		return
	}
	v.text(m["title"], path+"/title", textRule{required: true, plainOnly: true, max: 100})
	v.text(m["text"], path+"/text", textRule{required: true, max: 300})
	v.text(m["confirm"], path+"/confirm", textRule{required: true, plainOnly: true, max: 30})
	v.text(m["deny"], path+"/deny", textRule{required: true, plainOnly: true, max: 30})
}

// fillIDs gives every block a block_id and every interactive element an
// action_id, as Slack does when storing a surface, so that payloads always
// carry them (slack-go only recognises block actions that have a block_id).
func fillIDs(blocks []any) {
	used := map[string]bool{}
	for _, b := range blocks {
		if m, ok := b.(map[string]any); ok {
			if id := getStr(m, "block_id"); id != "" {
				used[id] = true
			}
		}
	}
	for _, b := range blocks {
		m, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if getStr(m, "block_id") == "" {
			id := randBlockID()
			for used[id] {
				id = randBlockID()
			}
			used[id] = true
			m["block_id"] = id
		}
		var elems []any
		if acc := getObj(m, "accessory"); acc != nil {
			elems = append(elems, acc)
		}
		if el := getObj(m, "element"); el != nil {
			elems = append(elems, el)
		}
		if getStr(m, "type") == "actions" {
			elems = append(elems, getArr(m, "elements")...)
		}
		for _, e := range elems {
			em, ok := e.(map[string]any)
			if ok && interactiveTypes[getStr(em, "type")] && getStr(em, "action_id") == "" {
				em["action_id"] = randBlockID()
			}
		}
	}
}

// randBlockID makes a short mixed-case id like the ones Slack generates.
func randBlockID() string {
	id := randID("", 5)
	return strings.ToLower(id[:2]) + id[2:]
}

// checkMessageBlocks validates the blocks of a message (from any source:
// Web API, ack payload, response_url). It returns the normalized blocks, or
// nil when raw is empty.
func checkMessageBlocks(raw []byte) (json.RawMessage, []string) {
	if isNull(raw) {
		return nil, nil
	}
	val, err := decodeJSON(raw)
	if err != nil {
		return nil, []string{"[ERROR] blocks are not valid JSON: " + err.Error() + " [json-pointer:/blocks]"}
	}
	v := newBlockValidator(surfaceMessage)
	v.blocks(val, "/blocks")
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	arr, _ := val.([]any)
	if len(arr) == 0 {
		return nil, nil
	}
	fillIDs(arr)
	out, err := json.Marshal(arr)
	if err != nil {
		return nil, []string{"[ERROR] " + err.Error()}
	}
	return out, nil
}

// checkView validates a view object of one of the given types and returns it
// normalized (blocks with ids).
func checkView(raw []byte, types ...string) (map[string]any, []string) {
	if isNull(raw) {
		return nil, []string{"[ERROR] missing required field: view [json-pointer:/view]"}
	}
	val, err := decodeJSON(raw)
	if err != nil {
		return nil, []string{"[ERROR] view is not valid JSON: " + err.Error() + " [json-pointer:/view]"}
	}
	m, ok := val.(map[string]any)
	if !ok {
		return nil, []string{"[ERROR] must be an object [json-pointer:/view]"}
	}
	typ := getStr(m, "type")
	v := newBlockValidator(typ)
	okType := false
	for _, t := range types {
		okType = okType || t == typ
	}
	if !okType {
		v.errorf("/view/type", "must be one of %v", types)
		return nil, v.errs
	}
	if m["blocks"] == nil {
		m["blocks"] = []any{}
	}
	v.blocks(m["blocks"], "/view/blocks")
	if typ == surfaceModal {
		v.text(m["title"], "/view/title", textRule{required: true, plainOnly: true, max: 24})
		v.text(m["submit"], "/view/submit", textRule{plainOnly: true, max: 24})
		v.text(m["close"], "/view/close", textRule{plainOnly: true, max: 24})
		if m["submit"] == nil {
			for _, b := range getArr(m, "blocks") {
				if bm, ok := b.(map[string]any); ok && getStr(bm, "type") == "input" {
					v.errorf("/view/submit", "submit is required when a view contains input blocks")
					break
				}
			}
		}
	}
	v.str(m, "private_metadata", "/view", 3000, false)
	v.str(m, "callback_id", "/view", 255, false)
	v.str(m, "external_id", "/view", 255, false)
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	fillIDs(getArr(m, "blocks"))
	return m, nil
}

// decodeBlocks decodes stored blocks; they were validated when stored.
func decodeBlocks(raw []byte) []map[string]any {
	if isNull(raw) {
		return nil
	}
	val, err := decodeJSON(raw)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, b := range asArr(val) {
		if m, ok := b.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func asArr(v any) []any {
	a, _ := v.([]any)
	return a
}

// blocksTexts collects the human-readable texts of blocks in display order.
func blocksTexts(raw []byte) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, b := range decodeBlocks(raw) {
		switch getStr(b, "type") {
		case "section":
			add(textOf(b["text"]))
			for _, f := range getArr(b, "fields") {
				add(textOf(f))
			}
			for _, t := range elementTexts(getObj(b, "accessory")) {
				add(t)
			}
		case "header":
			add(textOf(b["text"]))
		case "context":
			for _, e := range getArr(b, "elements") {
				add(textOf(e))
			}
		case "actions":
			for _, e := range getArr(b, "elements") {
				em, _ := e.(map[string]any)
				for _, t := range elementTexts(em) {
					add(t)
				}
			}
		case "input":
			add(textOf(b["label"]))
			for _, t := range elementTexts(getObj(b, "element")) {
				add(t)
			}
			add(textOf(b["hint"]))
		case "rich_text":
			for _, e := range getArr(b, "elements") {
				for _, line := range richTextLines(e) {
					add(line)
				}
			}
		case "image":
			add(textOf(b["title"]))
		case "markdown":
			add(getStr(b, "text"))
		}
	}
	return out
}

// elementTexts is what a user reads on an element: button labels, visible
// options, placeholders and initial values.
func elementTexts(e map[string]any) []string {
	if e == nil {
		return nil
	}
	var out []string
	switch getStr(e, "type") {
	case "button":
		out = append(out, textOf(e["text"]))
	case "checkboxes", "radio_buttons":
		for _, o := range getArr(e, "options") {
			om, _ := o.(map[string]any)
			out = append(out, textOf(om["text"]))
		}
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		if iv := getStr(e, "initial_value"); iv != "" {
			out = append(out, iv)
		} else {
			out = append(out, textOf(e["placeholder"]))
		}
	default:
		if io := getObj(e, "initial_option"); io != nil {
			out = append(out, textOf(io["text"]))
		} else if ios := getArr(e, "initial_options"); len(ios) > 0 {
			for _, o := range ios {
				om, _ := o.(map[string]any)
				out = append(out, textOf(om["text"]))
			}
		} else {
			out = append(out, textOf(e["placeholder"]))
		}
	}
	return out
}

// richTextLines renders a rich text element: sections, quotes and
// preformatted blocks give one line, lists one line per item.
func richTextLines(e any) []string {
	em, ok := e.(map[string]any)
	if !ok {
		return nil
	}
	if getStr(em, "type") == "rich_text_list" {
		var out []string
		for _, item := range getArr(em, "elements") {
			out = append(out, richTextLines(item)...)
		}
		return out
	}
	var sb strings.Builder
	for _, leaf := range getArr(em, "elements") {
		lm, ok := leaf.(map[string]any)
		if !ok {
			continue
		}
		switch getStr(lm, "type") {
		case "text":
			sb.WriteString(getStr(lm, "text"))
		case "link":
			if t := getStr(lm, "text"); t != "" {
				sb.WriteString(t)
			} else {
				sb.WriteString(getStr(lm, "url"))
			}
		case "user":
			sb.WriteString("<@" + getStr(lm, "user_id") + ">")
		case "channel":
			sb.WriteString("<#" + getStr(lm, "channel_id") + ">")
		case "usergroup":
			sb.WriteString("<!subteam^" + getStr(lm, "usergroup_id") + ">")
		case "emoji":
			sb.WriteString(":" + getStr(lm, "name") + ":")
		case "broadcast":
			sb.WriteString("@" + getStr(lm, "range"))
		case "date":
			sb.WriteString(getStr(lm, "fallback"))
		}
	}
	if sb.Len() == 0 {
		return nil
	}
	return []string{sb.String()}
}

// blocksButtons lists the buttons of blocks in display order.
func blocksButtons(raw []byte) []Button {
	var out []Button
	add := func(blockID string, e map[string]any) {
		if e == nil || getStr(e, "type") != "button" {
			return
		}
		out = append(out, Button{
			Label:    textOf(e["text"]),
			ActionID: getStr(e, "action_id"),
			BlockID:  blockID,
			Value:    getStr(e, "value"),
			URL:      getStr(e, "url"),
			Style:    getStr(e, "style"),
		})
	}
	for _, b := range decodeBlocks(raw) {
		id := getStr(b, "block_id")
		switch getStr(b, "type") {
		case "section":
			add(id, getObj(b, "accessory"))
		case "actions":
			for _, e := range getArr(b, "elements") {
				em, _ := e.(map[string]any)
				add(id, em)
			}
		}
	}
	return out
}

// findButton finds the single button labelled label.
func findButton(raw []byte, label string) (Button, map[string]any, error) {
	var found []Button
	var elems []map[string]any
	for _, b := range decodeBlocks(raw) {
		id := getStr(b, "block_id")
		var candidates []any
		switch getStr(b, "type") {
		case "section":
			candidates = []any{b["accessory"]}
		case "actions":
			candidates = getArr(b, "elements")
		}
		for _, c := range candidates {
			em, ok := c.(map[string]any)
			if ok && getStr(em, "type") == "button" && textOf(em["text"]) == label {
				found = append(found, Button{Label: label, ActionID: getStr(em, "action_id"), BlockID: id,
					Value: getStr(em, "value"), URL: getStr(em, "url"), Style: getStr(em, "style")})
				elems = append(elems, em)
			}
		}
	}
	switch len(found) {
	case 0:
		var labels []string
		for _, b := range blocksButtons(raw) {
			labels = append(labels, strconv.Quote(b.Label))
		}
		return Button{}, nil, fmt.Errorf("no button labelled %q (buttons: %s)", label, strings.Join(labels, ", "))
	case 1:
		return found[0], elems[0], nil
	default:
		return Button{}, nil, fmt.Errorf("%d buttons are labelled %q", len(found), label)
	}
}
