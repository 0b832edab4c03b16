package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxResponseURLUses is how many POSTs Slack accepts on one response_url.
const maxResponseURLUses = 5

// responseURL is a response_url handed out with a slash command or a block
// action: up to 5 POSTs within ResponseURLTTL, on behalf of one user in one
// channel.
type responseURL struct {
	token, url, user, channel string
	// sourceTS is the message replace_original/delete_original act on: the
	// clicked message, or for slash commands the latest response.
	sourceTS    string
	fromCommand bool
	uses        int
	issued      time.Time
}

func (s *Server) newResponseURLLocked(user, channel, sourceTS string, fromCommand bool) *responseURL {
	tok := randHex(12)
	ru := &responseURL{
		token:       tok,
		url:         s.baseURL + "/response/" + tok,
		user:        user,
		channel:     channel,
		sourceTS:    sourceTS,
		fromCommand: fromCommand,
		issued:      time.Now(),
	}
	s.responseURLs[tok] = ru
	return ru
}

// flexBool accepts true/false and "true"/"false", as Slack does for
// replace_original and delete_original.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
	case string:
		*b = flexBool(x == "true")
	case nil:
		*b = false
	default:
		return fmt.Errorf("expected a boolean, got %s", data)
	}
	return nil
}

// responsePayload is what the bot POSTs to a response_url.
type responsePayload struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal flexBool        `json:"replace_original"`
	DeleteOriginal  flexBool        `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// handleResponseURL serves POST /response/<token>.
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	call := Call{Method: "response_url", Params: map[string]string{}, At: at}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		call.Body = bytes.Clone(body)
		for k, v := range fields {
			var str string
			if json.Unmarshal(v, &str) == nil {
				call.Params[k] = str
			} else {
				call.Params[k] = string(v)
			}
		}
	} else {
		call.Body, _ = json.Marshal(string(body))
	}
	s.mu.Lock()
	res := s.serveResponseURLLocked(r.PathValue("token"), body)
	s.recordLocked(res, call)
	s.mu.Unlock()
	s.writeAnswer(w, res)
}

func notFound(code string) apiResult {
	return apiResult{status: http.StatusNotFound, body: map[string]any{"ok": false, "error": code}, err: code}
}

func (s *Server) serveResponseURLLocked(token string, body []byte) apiResult {
	ru := s.responseURLs[token]
	switch {
	case ru == nil:
		s.protocolErrorLocked("response_url: POST to an unknown response_url")
		return notFound("invalid_url")
	case time.Since(ru.issued) > s.cfg.ResponseURLTTL:
		s.protocolErrorLocked("response_url: used after it expired (%v)", s.cfg.ResponseURLTTL)
		return notFound("expired_url")
	case ru.uses >= maxResponseURLUses:
		s.protocolErrorLocked("response_url: used more than %d times", maxResponseURLUses)
		return notFound("used_url")
	}
	ru.uses++
	var p responsePayload
	if err := json.Unmarshal(body, &p); err != nil {
		s.protocolErrorLocked("response_url: body is not a valid JSON payload: %v", err)
		return apiResult{status: http.StatusBadRequest, body: map[string]any{"ok": false, "error": "invalid_payload"}, err: "invalid_payload"}
	}
	if p.ResponseType != "" && p.ResponseType != "ephemeral" && p.ResponseType != "in_channel" {
		return s.protoResultLocked("response_url", "invalid_response_type", fmt.Sprintf("response_type must be ephemeral or in_channel, not %q", p.ResponseType))
	}
	source := s.findMessageLocked(ru.channel, ru.sourceTS)
	if p.DeleteOriginal {
		if source == nil || source.Deleted {
			return s.protoResultLocked("response_url", "message_not_found", "delete_original: there is no original message")
		}
		source.Deleted = true
		s.changedLocked()
		return okResult(nil)
	}
	mc, code, msgs := validateMessageContent(p.Text, p.Blocks, !isNull(p.Attachments))
	if code != "" {
		return s.protoResultLocked("response_url", code, msgs...)
	}
	s.warnMissingFallbackLocked("response_url", mc)
	if p.ReplaceOriginal {
		if source == nil || source.Deleted {
			return s.protoResultLocked("response_url", "message_not_found", "replace_original: there is no original message")
		}
		source.Text, source.Blocks = mc.text, mc.blocks
		s.changedLocked()
		return okResult(nil)
	}
	threadTS := ""
	if p.ThreadTS != "" {
		threadTS, _ = s.threadRootLocked(ru.channel, p.ThreadTS)
	}
	rec := s.postReplyLocked(ru.channel, ru.user, mc, p.ResponseType == "in_channel", threadTS)
	if ru.fromCommand {
		ru.sourceTS = rec.TS
	}
	return okResult(nil)
}

// postReplyLocked shows an app response (ack payload or response_url) in a
// channel: to everyone (in_channel) or to the user only.
func (s *Server) postReplyLocked(channel, user string, mc messageContent, inChannel bool, threadTS string) *msgRecord {
	m := Message{Channel: channel, User: s.cfg.BotUserID, Text: mc.text, Blocks: mc.blocks, ThreadTS: threadTS}
	if !inChannel {
		m.Ephemeral, m.VisibleTo = true, user
	}
	rec := s.addMessageLocked(m)
	if threadTS != "" && inChannel {
		s.markThreadParentLocked(channel, threadTS)
	}
	return rec
}

// commandAck is a slash command's ack payload.
type commandAck struct {
	content      messageContent
	responseType string
}

// parseCommandAck validates a slash command ack payload. It returns nil when
// the payload shows nothing.
func parseCommandAck(payload json.RawMessage) (*commandAck, []string) {
	if isNull(payload) {
		return nil, nil
	}
	var p responsePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, []string{fmt.Sprintf("payload is not a valid slash command response: %v", err)}
	}
	if p.ResponseType != "" && p.ResponseType != "ephemeral" && p.ResponseType != "in_channel" {
		return nil, []string{fmt.Sprintf("response_type must be ephemeral or in_channel, not %q", p.ResponseType)}
	}
	if p.Text == "" && isNull(p.Blocks) && isNull(p.Attachments) {
		return nil, nil
	}
	mc, code, msgs := validateMessageContent(p.Text, p.Blocks, !isNull(p.Attachments))
	if code != "" {
		return nil, []string{code + ": " + strings.Join(msgs, "; ")}
	}
	return &commandAck{content: mc, responseType: p.ResponseType}, nil
}

// viewSubmissionAck is a view_submission ack payload.
type viewSubmissionAck struct {
	action string // "" closes the submitted view
	errors map[string]string
	view   map[string]any
}

// parseViewSubmissionAck validates a view_submission ack payload.
func parseViewSubmissionAck(payload json.RawMessage) (*viewSubmissionAck, []string) {
	if isNull(payload) || string(bytes.TrimSpace(payload)) == "{}" {
		return &viewSubmissionAck{}, nil
	}
	var p struct {
		ResponseAction *string         `json:"response_action"`
		Errors         json.RawMessage `json:"errors"`
		View           json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, []string{fmt.Sprintf("payload is not a JSON object: %v", err)}
	}
	if p.ResponseAction == nil {
		return nil, []string{"payload without response_action (ack with an empty payload to close the modal)"}
	}
	va := &viewSubmissionAck{action: *p.ResponseAction}
	switch va.action {
	case "errors":
		if err := json.Unmarshal(p.Errors, &va.errors); err != nil || len(va.errors) == 0 {
			return nil, []string{`response_action "errors" needs a non-empty "errors" object of block_id -> message`}
		}
	case "update", "push":
		def, errs := checkView(p.View, surfaceModal)
		if len(errs) > 0 {
			return nil, append([]string{fmt.Sprintf("response_action %q with an invalid view:", va.action)}, errs...)
		}
		va.view = def
	case "clear":
	default:
		return nil, []string{fmt.Sprintf("unknown response_action %q", va.action)}
	}
	return va, nil
}
