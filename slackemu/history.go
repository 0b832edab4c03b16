package slackemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Reading conversations: conversations.history, conversations.replies and
// users.conversations, with Slack's arguments. Message metadata posted
// with chat.postMessage is stored and shown only with
// include_all_metadata, as on Slack.

// parseMetadata checks chat.postMessage's metadata argument: an object
// with a string event_type and an object event_payload.
func parseMetadata(r *apiRequest) (json.RawMessage, bool) {
	raw, ok := r.jsonParam("metadata")
	if !ok || len(bytes.TrimSpace(raw)) == 0 {
		return nil, true
	}
	var m struct {
		EventType    *string         `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if json.Unmarshal(raw, &m) != nil || m.EventType == nil || *m.EventType == "" {
		return nil, false
	}
	var payload map[string]any
	if json.Unmarshal(m.EventPayload, &payload) != nil || payload == nil {
		return nil, false
	}
	return bytes.Clone(raw), true
}

// historyJSONLocked renders a message as the history methods show it.
func (s *Server) historyJSONLocked(rec *msgRecord, withMetadata bool) map[string]any {
	out := s.messageJSONLocked(rec)
	if withMetadata && len(rec.metadata) > 0 {
		out["metadata"] = json.RawMessage(bytes.Clone(rec.metadata))
	}
	return out
}

// readableLocked applies Slack's rules for reading a conversation with a
// bot token: channel_not_found for what does not exist or is private
// without the bot, not_in_channel for a public channel it has not joined
// (chat:write.public lets it post there, not read).
func (s *Server) readableLocked(r *apiRequest) (*channelState, apiResult, bool) {
	if !r.has("channel") {
		return nil, s.protoResultLocked(r.method, "channel_not_found", "missing required argument: channel"), false
	}
	c, ok := s.channels[r.str("channel")]
	switch {
	case !ok, c.Private && !c.botIsMember(s.cfg.BotUserID):
		return nil, errResult("channel_not_found"), false
	case c.hasMemberList() && !c.botIsMember(s.cfg.BotUserID):
		return nil, errResult("not_in_channel"), false
	}
	return c, apiResult{}, true
}

// pageArgs are the paging and time-window arguments shared by the
// history methods.
type pageArgs struct {
	oldest, latest float64
	hasLatest      bool
	inclusive      bool
	limit          int
	after          string // cursor: the ts the previous page ended at
}

func (s *Server) parsePageArgs(r *apiRequest, maxLimit int) (pageArgs, apiResult, bool) {
	p := pageArgs{inclusive: r.boolParam("inclusive"), limit: 100}
	var err error
	if v := r.str("oldest"); v != "" {
		if p.oldest, err = strconv.ParseFloat(v, 64); err != nil {
			return p, s.protoResultLocked(r.method, "invalid_ts_oldest"), false
		}
	}
	if v := r.str("latest"); v != "" {
		if p.latest, err = strconv.ParseFloat(v, 64); err != nil {
			return p, s.protoResultLocked(r.method, "invalid_ts_latest"), false
		}
		p.hasLatest = true
	}
	if v := r.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, s.protoResultLocked(r.method, "invalid_limit"), false
		}
		if n > 0 {
			p.limit = min(n, maxLimit)
		}
	}
	if cur := r.str("cursor"); cur != "" {
		b, err := base64.StdEncoding.DecodeString(cur)
		if err != nil || !strings.HasPrefix(string(b), "next_ts:") {
			return p, s.protoResultLocked(r.method, "invalid_cursor"), false
		}
		p.after = strings.TrimPrefix(string(b), "next_ts:")
	}
	return p, apiResult{}, true
}

// inWindow reports whether ts lies between oldest and latest.
func (p pageArgs) inWindow(ts string) bool {
	v, _ := strconv.ParseFloat(ts, 64)
	if v < p.oldest || (!p.inclusive && v == p.oldest && p.oldest != 0) {
		return false
	}
	if p.hasLatest && (v > p.latest || (!p.inclusive && v == p.latest)) {
		return false
	}
	return true
}

// page cuts the matching messages (in the order shown) at the cursor and
// the limit, and says where the next page starts.
func (s *Server) pageLocked(recs []*msgRecord, p pageArgs, withMetadata bool, newestFirst bool) map[string]any {
	start := 0
	if p.after != "" {
		start = len(recs)
		for i, rec := range recs {
			if (newestFirst && rec.TS < p.after) || (!newestFirst && rec.TS > p.after) {
				start = i
				break
			}
		}
	}
	end := min(start+p.limit, len(recs))
	msgs := []any{}
	for _, rec := range recs[start:end] {
		msgs = append(msgs, s.historyJSONLocked(rec, withMetadata))
	}
	next := ""
	if end < len(recs) && end > start {
		next = base64.StdEncoding.EncodeToString([]byte("next_ts:" + recs[end-1].TS))
	}
	return map[string]any{
		"messages":          msgs,
		"has_more":          next != "",
		"response_metadata": map[string]any{"next_cursor": next},
	}
}

func (s *Server) apiConversationsHistory(r *apiRequest) apiResult {
	c, res, ok := s.readableLocked(r)
	if !ok {
		return res
	}
	p, res, ok := s.parsePageArgs(r, 999)
	if !ok {
		return res
	}
	var recs []*msgRecord
	for _, rec := range slices.Backward(s.msgs[c.ID]) {
		if rec.Deleted || rec.Ephemeral || (rec.ThreadTS != "" && rec.ThreadTS != rec.TS && !rec.broadcast) {
			continue
		}
		if p.inWindow(rec.TS) {
			recs = append(recs, rec)
		}
	}
	body := s.pageLocked(recs, p, r.boolParam("include_all_metadata"), true)
	return okResult(body)
}

func (s *Server) apiConversationsReplies(r *apiRequest) apiResult {
	c, res, ok := s.readableLocked(r)
	if !ok {
		return res
	}
	if r.str("ts") == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "missing required argument: ts")
	}
	parent := s.findMessageLocked(c.ID, r.str("ts"))
	if parent == nil || parent.Deleted || parent.Ephemeral {
		return errResult("thread_not_found")
	}
	p, res, ok := s.parsePageArgs(r, 1000)
	if !ok {
		return res
	}
	// The parent comes first, then its replies oldest first; a ts of a
	// reply reads the reply alone, as on Slack.
	recs := []*msgRecord{parent}
	if parent.ThreadTS == parent.TS {
		for _, rec := range s.msgs[c.ID] {
			if rec.ThreadTS == parent.TS && rec.TS != parent.TS && !rec.Deleted && !rec.Ephemeral && p.inWindow(rec.TS) {
				recs = append(recs, rec)
			}
		}
	}
	body := s.pageLocked(recs, p, r.boolParam("include_all_metadata"), false)
	return okResult(body)
}

// apiUsersConversations lists the conversations the bot is in, of the
// types asked for (public_channel when none).
func (s *Server) apiUsersConversations(r *apiRequest) apiResult {
	if u := r.str("user"); u != "" && u != s.cfg.BotUserID {
		return s.protoResultLocked(r.method, "not_emulated", "users.conversations of another user is not emulated")
	}
	types := map[string]bool{}
	for t := range strings.SplitSeq(r.str("types"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			types[t] = true
		}
	}
	if len(types) == 0 {
		types["public_channel"] = true
	}
	for t := range types {
		if !slices.Contains([]string{"public_channel", "private_channel", "mpim", "im"}, t) {
			return s.protoResultLocked(r.method, "invalid_types", "unknown type "+t)
		}
	}
	ids := make([]string, 0, len(s.channels))
	for id, c := range s.channels {
		kind := "public_channel"
		switch {
		case c.im:
			kind = "im"
		case c.Private:
			kind = "private_channel"
		}
		if types[kind] && c.botIsMember(s.cfg.BotUserID) && (!r.boolParam("exclude_archived") || !c.Archived) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	limit := 100
	if v := r.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s.protoResultLocked(r.method, "invalid_limit")
		}
		if n > 0 {
			limit = min(n, 1000)
		}
	}
	start := 0
	if cur := r.str("cursor"); cur != "" {
		b, err := base64.StdEncoding.DecodeString(cur)
		if err != nil || !strings.HasPrefix(string(b), "next_id:") {
			return s.protoResultLocked(r.method, "invalid_cursor")
		}
		after := strings.TrimPrefix(string(b), "next_id:")
		start, _ = slices.BinarySearch(ids, after)
		if start < len(ids) && ids[start] == after {
			start++
		}
	}
	end := min(start+limit, len(ids))
	chans := []any{}
	for _, id := range ids[start:end] {
		chans = append(chans, s.channelJSONLocked(s.channels[id]))
	}
	next := ""
	if end < len(ids) {
		next = base64.StdEncoding.EncodeToString([]byte("next_id:" + ids[end-1]))
	}
	return okResult(map[string]any{"channels": chans, "response_metadata": map[string]any{"next_cursor": next}})
}
