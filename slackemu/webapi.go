package slackemu

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API request received by the server (or one POST to a
// response_url, with Method "response_url").
type Call struct {
	Method string
	// Params holds form values, query parameters, or the top-level fields of
	// a JSON body (strings as is, anything else as JSON text).
	Params map[string]string
	// Body is the JSON body as sent; form bodies are given as a JSON object of
	// their values.
	Body       json.RawMessage
	HTTPStatus int
	Error      string // the "error" answered, "" when ok
	At         time.Time
	// Response is the JSON body answered (nil for non-JSON answers).
	Response json.RawMessage
}

// Calls returns every call received for method ("" for all), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params = maps.Clone(c.Params)
			c.Body = bytes.Clone(c.Body)
			c.Response = bytes.Clone(c.Response)
			out = append(out, c)
		}
	}
	return out
}

// apiRequest is a parsed Web API request.
type apiRequest struct {
	method string
	params map[string]string
	fields map[string]json.RawMessage // top-level JSON fields; nil for forms
	body   json.RawMessage
	token  string
}

func (r *apiRequest) str(k string) string { return r.params[k] }

func (r *apiRequest) has(k string) bool {
	_, ok := r.params[k]
	return ok
}

// boolParam reads "true"/"1" or a JSON true.
func (r *apiRequest) boolParam(k string) bool {
	v := r.params[k]
	return v == "true" || v == "1"
}

// jsonParam returns a JSON-valued argument (blocks, view): a JSON body may
// carry it as an object/array or as a string containing JSON, a form only as
// a string.
func (r *apiRequest) jsonParam(k string) (json.RawMessage, bool) {
	if r.fields != nil {
		raw, ok := r.fields[k]
		if !ok {
			return nil, false
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return json.RawMessage(s), true
		}
		return raw, true
	}
	v, ok := r.params[k]
	if !ok {
		return nil, false
	}
	return json.RawMessage(v), true
}

// parseAPIRequest reads form, multipart, query or JSON arguments and the
// token (Authorization: Bearer, else the token argument).
func parseAPIRequest(r *http.Request, method string) (*apiRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	req := &apiRequest{method: method, params: map[string]string{}}
	for k, v := range r.URL.Query() {
		req.params[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var perr error
	switch ct {
	case "application/json":
		req.body = bytes.Clone(body)
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &req.fields); err != nil {
				perr = fmt.Errorf("body is not a JSON object: %w", err)
				req.body = nil
			}
		}
		if req.fields == nil && perr == nil {
			req.fields = map[string]json.RawMessage{}
		}
		for k, v := range req.fields {
			var s string
			if json.Unmarshal(v, &s) == nil {
				req.params[k] = s
			} else {
				req.params[k] = string(v)
			}
		}
	case "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			perr = err
		} else {
			for k, v := range r.MultipartForm.Value {
				req.params[k] = v[0]
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			perr = err
		}
		for k, v := range vals {
			req.params[k] = v[0]
		}
	}
	if req.body == nil {
		req.body, _ = json.Marshal(req.params)
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	} else {
		req.token = req.params["token"]
	}
	return req, perr
}

// apiResult is what a handler answers.
type apiResult struct {
	status int
	header map[string]string
	body   map[string]any // JSON body; nil with text
	text   string
	err    string
}

func okResult(fields map[string]any) apiResult {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return apiResult{status: http.StatusOK, body: fields}
}

// errResult is Slack's HTTP 200 {"ok":false,"error":code}, with optional
// response_metadata.messages explaining it.
func errResult(code string, messages ...string) apiResult {
	body := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		body["response_metadata"] = map[string]any{"messages": messages}
	}
	return apiResult{status: http.StatusOK, body: body, err: code}
}

// protoResultLocked is errResult for errors that are the bot's fault (missing or
// invalid arguments, wrong token, invalid blocks): they are also recorded as
// protocol errors.
func (s *Server) protoResultLocked(method, code string, messages ...string) apiResult {
	detail := ""
	if len(messages) > 0 {
		detail = ": " + strings.Join(messages, "; ")
	}
	s.protocolErrorLocked("%s answered %s%s", method, code, detail)
	return errResult(code, messages...)
}

// apiMethod describes one emulated Web API method.
type apiMethod struct {
	appToken bool // needs the app-level token instead of the bot token
	fn       func(s *Server, r *apiRequest) apiResult
}

var apiMethods map[string]apiMethod

func init() {
	apiMethods = map[string]apiMethod{
		"apps.connections.open": {appToken: true, fn: (*Server).apiConnectionsOpen},
		"auth.test":             {fn: (*Server).apiAuthTest},
		"chat.postMessage":      {fn: (*Server).apiPostMessage},
		"chat.postEphemeral":    {fn: (*Server).apiPostEphemeral},
		"chat.update":           {fn: (*Server).apiUpdate},
		"chat.delete":           {fn: (*Server).apiDelete},
		"chat.getPermalink":     {fn: (*Server).apiGetPermalink},
		"conversations.open":    {fn: (*Server).apiConversationsOpen},
		"conversations.info":    {fn: (*Server).apiConversationsInfo},
		"conversations.history": {fn: (*Server).apiConversationsHistory},
		"conversations.replies": {fn: (*Server).apiConversationsReplies},
		"users.conversations":   {fn: (*Server).apiUsersConversations},
		"users.info":            {fn: (*Server).apiUsersInfo},
		"users.list":            {fn: (*Server).apiUsersList},
		"usergroups.users.list": {fn: (*Server).apiUserGroupsUsersList},
		"usergroups.list":       {fn: (*Server).apiUserGroupsList},
		"views.open":            {fn: (*Server).apiViewsOpen},
		"views.push":            {fn: (*Server).apiViewsPush},
		"views.update":          {fn: (*Server).apiViewsUpdate},
		"views.publish":         {fn: (*Server).apiViewsPublish},
	}
}

// InFlight is how many requests for method Slack has received and not yet
// answered (all methods for ""), so that a test can act while calls are
// on their way: WaitFor wakes when it changes.
func (s *Server) InFlight(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method != "" {
		return s.inFlight[method]
	}
	n := 0
	for _, v := range s.inFlight {
		n += v
	}
	return n
}

func (s *Server) countInFlight(method string, d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[method] += d
	s.changedLocked()
}

// handleAPI serves POST (and GET) /api/<method>.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	method := r.PathValue("method")
	s.countInFlight(method, 1)
	defer s.countInFlight(method, -1)
	req, perr := parseAPIRequest(r, method)
	if req == nil {
		req = &apiRequest{method: method, params: map[string]string{}, body: json.RawMessage("{}")}
	}
	call := Call{Method: method, Params: req.params, Body: req.body, At: at}
	var res apiResult
	if perr != nil {
		s.mu.Lock()
		res = s.protoResultLocked(method, "invalid_form_data", perr.Error())
		s.recordLocked(res, call)
		s.mu.Unlock()
	} else {
		res = s.serveAPI(r.Context(), req, call)
	}
	s.writeAnswer(w, res)
}

// recordLocked records a call with its answer. It is called in the same
// critical section that applied the call's effect, so a test that sees
// the effect also sees the call.
func (s *Server) recordLocked(res apiResult, call Call) {
	if res.body != nil {
		call.Response, _ = json.Marshal(res.body)
	}
	call.HTTPStatus = res.status
	call.Error = res.err
	s.calls = append(s.calls, call)
	s.changedLocked()
	if res.err != "" {
		s.logf("%s -> HTTP %d %s", call.Method, res.status, res.err)
	}
}

// writeAnswer writes a recorded call's answer.
func (s *Server) writeAnswer(w http.ResponseWriter, res apiResult) {
	var body []byte
	if res.body != nil {
		body, _ = json.Marshal(res.body)
	} else {
		body = []byte(res.text)
	}
	for k, v := range res.header {
		w.Header().Set(k, v)
	}
	if res.body != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(body)
}

// serveAPI applies, in order: unknown method, injected faults, token checks,
// rate limits, then the method itself, and records the call.
func (s *Server) serveAPI(ctx context.Context, req *apiRequest, call Call) apiResult {
	m, known := apiMethods[req.method]
	if !known {
		s.mu.Lock()
		defer s.mu.Unlock()
		res := s.protoResultLocked(req.method, "unknown_method")
		s.recordLocked(res, call)
		return res
	}
	f, faulty := s.takeFault(req.method)
	if faulty {
		s.wait(ctx, f.Delay)
		if res, faulted := faultResult(f); faulted {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.recordLocked(res, call)
			return res
		}
	}
	s.mu.Lock()
	res := s.serveMethodLocked(m, req)
	s.recordLocked(res, call)
	s.mu.Unlock()
	if faulty {
		s.wait(ctx, f.Hold)
	}
	return res
}

// wait pauses a request for d, less if the client gives up or the server
// closes.
func (s *Server) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *Server) serveMethodLocked(m apiMethod, req *apiRequest) apiResult {
	switch {
	case req.token == "":
		return s.protoResultLocked(req.method, "not_authed")
	case m.appToken && req.token == BotToken, !m.appToken && req.token == AppToken:
		return s.protoResultLocked(req.method, "not_allowed_token_type")
	case m.appToken && req.token != AppToken, !m.appToken && req.token != BotToken:
		return s.protoResultLocked(req.method, "invalid_auth")
	case !m.appToken && s.botTokenError != "":
		// Not the bot's fault: the workspace revoked a token it had.
		return errResult(s.botTokenError)
	}
	if s.limiter != nil {
		if wait, limited := s.limiter.take(req.method, req.str("channel"), time.Now()); limited {
			secs := max(1, int((wait+time.Second-1)/time.Second))
			s.logf("%s rate limited, Retry-After %d", req.method, secs)
			return apiResult{
				status: http.StatusTooManyRequests,
				header: map[string]string{"Retry-After": strconv.Itoa(secs)},
				body:   map[string]any{"ok": false, "error": "ratelimited"},
				err:    "ratelimited",
			}
		}
	}
	return m.fn(s, req)
}

func (s *Server) apiAuthTest(r *apiRequest) apiResult {
	return okResult(map[string]any{
		"url":                   "https://" + TeamDomain + ".slack.com/",
		"team":                  "Emulator",
		"user":                  s.cfg.BotName,
		"team_id":               s.cfg.TeamID,
		"user_id":               s.cfg.BotUserID,
		"bot_id":                BotID,
		"is_enterprise_install": false,
	})
}

// messageContent is the validated text and blocks of a message.
type messageContent struct {
	text      string
	blocks    json.RawMessage
	hasBlocks bool
}

// validateMessageContent checks a message from any source (Web API, ack
// payload, response_url) against Slack's limits; the code is "" when valid.
func validateMessageContent(text string, rawBlocks []byte, hasAttachments bool) (messageContent, string, []string) {
	mc := messageContent{text: text}
	if runeLen(text) > 40000 {
		return mc, "msg_too_long", []string{fmt.Sprintf("text is %d characters, the limit is 40000", runeLen(text))}
	}
	blocks, errs := checkMessageBlocks(rawBlocks)
	if len(errs) > 0 {
		return mc, "invalid_blocks", errs
	}
	mc.blocks, mc.hasBlocks = blocks, blocks != nil
	if text == "" && !mc.hasBlocks && !hasAttachments {
		return mc, "no_text", nil
	}
	return mc, "", nil
}

func (s *Server) warnMissingFallbackLocked(where string, mc messageContent) {
	if mc.hasBlocks && strings.TrimSpace(mc.text) == "" {
		s.warningLocked("%s: message with blocks has no text fallback (notifications and screen readers show only the text)", where)
	}
}

func (s *Server) apiPostMessage(r *apiRequest) apiResult {
	if !r.has("channel") {
		return s.protoResultLocked(r.method, "channel_not_found", "missing required argument: channel")
	}
	c, code := s.resolvePostTargetLocked(r.str("channel"))
	if code != "" {
		return errResult(code)
	}
	blocks, _ := r.jsonParam("blocks")
	mc, code, msgs := validateMessageContent(r.str("text"), blocks, r.str("attachments") != "")
	if code != "" {
		return s.protoResultLocked(r.method, code, msgs...)
	}
	metadata, ok := parseMetadata(r)
	if !ok {
		return s.protoResultLocked(r.method, "invalid_metadata_format", "metadata needs a string event_type and an object event_payload")
	}
	s.warnMissingFallbackLocked(r.method, mc)
	m := Message{Channel: c.ID, User: s.cfg.BotUserID, Text: mc.text, Blocks: mc.blocks}
	broadcast := false
	if ts := r.str("thread_ts"); ts != "" {
		root, found := s.threadRootLocked(c.ID, ts)
		if !found {
			s.protocolErrorLocked("chat.postMessage: thread_ts %s matches no message in %s: the reply will be invisible", ts, c.ID)
		}
		m.ThreadTS = root
		broadcast = r.boolParam("reply_broadcast")
	}
	rec := s.addMessageLocked(m)
	rec.broadcast, rec.metadata = broadcast, metadata
	if rec.ThreadTS != "" {
		s.markThreadParentLocked(c.ID, rec.ThreadTS)
	}
	return okResult(map[string]any{"channel": c.ID, "ts": rec.TS, "message": s.messageJSONLocked(rec)})
}

func (s *Server) apiPostEphemeral(r *apiRequest) apiResult {
	if !r.has("channel") {
		return s.protoResultLocked(r.method, "channel_not_found", "missing required argument: channel")
	}
	if !r.has("user") {
		return s.protoResultLocked(r.method, "user_not_found", "missing required argument: user")
	}
	c, code := s.resolvePostTargetLocked(r.str("channel"))
	if code != "" {
		return errResult(code)
	}
	user, ok := s.users[r.str("user")]
	if !ok {
		return errResult("user_not_found")
	}
	if c.hasMemberList() && !c.isMember(user.ID) {
		return errResult("user_not_in_channel")
	}
	blocks, _ := r.jsonParam("blocks")
	mc, code, msgs := validateMessageContent(r.str("text"), blocks, r.str("attachments") != "")
	if code != "" {
		return s.protoResultLocked(r.method, code, msgs...)
	}
	s.warnMissingFallbackLocked(r.method, mc)
	m := Message{Channel: c.ID, User: s.cfg.BotUserID, Text: mc.text, Blocks: mc.blocks, Ephemeral: true, VisibleTo: user.ID}
	if ts := r.str("thread_ts"); ts != "" {
		m.ThreadTS, _ = s.threadRootLocked(c.ID, ts)
	}
	rec := s.addMessageLocked(m)
	return okResult(map[string]any{"message_ts": rec.TS})
}

// botMessageLocked finds a message the bot may edit or delete.
func (s *Server) botMessageLocked(r *apiRequest, tsKey, notMine string) (*msgRecord, *channelState, apiResult, bool) {
	if !r.has("channel") {
		return nil, nil, s.protoResultLocked(r.method, "channel_not_found", "missing required argument: channel"), false
	}
	if r.str(tsKey) == "" {
		return nil, nil, s.protoResultLocked(r.method, "message_not_found", "missing required argument: "+tsKey), false
	}
	c := s.lookupChannelLocked(r.str("channel"))
	if c == nil {
		return nil, nil, errResult("channel_not_found"), false
	}
	rec := s.findMessageLocked(c.ID, r.str(tsKey))
	if rec == nil || rec.Deleted || rec.Ephemeral {
		return nil, nil, errResult("message_not_found"), false
	}
	if notMine != "" && rec.User != s.cfg.BotUserID {
		return nil, nil, errResult(notMine), false
	}
	return rec, c, apiResult{}, true
}

func (s *Server) apiUpdate(r *apiRequest) apiResult {
	rec, c, res, ok := s.botMessageLocked(r, "ts", "cant_update_message")
	if !ok {
		return res
	}
	if c.Archived {
		return errResult("is_archived")
	}
	blocks, _ := r.jsonParam("blocks")
	mc, code, msgs := validateMessageContent(r.str("text"), blocks, r.str("attachments") != "")
	if code != "" {
		return s.protoResultLocked(r.method, code, msgs...)
	}
	s.warnMissingFallbackLocked(r.method, mc)
	rec.Text, rec.Blocks, rec.Edited, rec.editedTS = mc.text, mc.blocks, true, s.nextTSLocked()
	s.changedLocked()
	return okResult(map[string]any{"channel": c.ID, "ts": rec.TS, "text": rec.Text, "message": s.messageJSONLocked(rec)})
}

func (s *Server) apiDelete(r *apiRequest) apiResult {
	rec, c, res, ok := s.botMessageLocked(r, "ts", "cant_delete_message")
	if !ok {
		return res
	}
	rec.Deleted = true
	s.changedLocked()
	return okResult(map[string]any{"channel": c.ID, "ts": rec.TS})
}

func (s *Server) apiGetPermalink(r *apiRequest) apiResult {
	rec, c, res, ok := s.botMessageLocked(r, "message_ts", "")
	if !ok {
		return res
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", TeamDomain, c.ID, strings.ReplaceAll(rec.TS, ".", ""))
	if rec.ThreadTS != "" && rec.ThreadTS != rec.TS {
		link += "?thread_ts=" + rec.ThreadTS + "&cid=" + c.ID
	}
	return okResult(map[string]any{"channel": c.ID, "permalink": link})
}

func (s *Server) apiConversationsOpen(r *apiRequest) apiResult {
	if ch := r.str("channel"); ch != "" && r.str("users") == "" {
		c := s.lookupChannelLocked(ch)
		if c == nil || !c.im {
			return errResult("channel_not_found")
		}
		return okResult(map[string]any{"channel": map[string]any{"id": c.ID}, "already_open": true, "no_op": true})
	}
	users := strings.Split(r.str("users"), ",")
	if r.str("users") == "" {
		return s.protoResultLocked(r.method, "users_list_not_supplied")
	}
	if len(users) > 1 {
		return s.protoResultLocked(r.method, "not_emulated", "multi-person DMs are not emulated")
	}
	u, ok := s.users[strings.TrimSpace(users[0])]
	switch {
	case !ok:
		return errResult("user_not_found")
	case u.Deleted:
		return errResult("user_disabled")
	case u.IsBot:
		return errResult("cannot_dm_bot")
	}
	_, existed := s.ims[u.ID]
	c := s.imChannelLocked(u.ID)
	ch := map[string]any{"id": c.ID}
	if r.boolParam("return_im") {
		ch = s.channelJSONLocked(c)
	}
	out := map[string]any{"channel": ch}
	if existed {
		out["already_open"] = true
		out["no_op"] = true
	}
	return okResult(out)
}

func (s *Server) apiConversationsInfo(r *apiRequest) apiResult {
	if !r.has("channel") {
		return s.protoResultLocked(r.method, "channel_not_found", "missing required argument: channel")
	}
	c, ok := s.channels[r.str("channel")]
	if !ok || (c.Private && !c.botIsMember(s.cfg.BotUserID)) {
		return errResult("channel_not_found")
	}
	return okResult(map[string]any{"channel": s.channelJSONLocked(c)})
}

func (s *Server) apiUsersInfo(r *apiRequest) apiResult {
	if !r.has("user") {
		return s.protoResultLocked(r.method, "user_not_found", "missing required argument: user")
	}
	u, ok := s.users[r.str("user")]
	if !ok {
		return errResult("user_not_found")
	}
	return okResult(map[string]any{"user": s.userJSON(u)})
}

// apiUsersList pages with an opaque cursor like Slack's (base64 of an offset).
func (s *Server) apiUsersList(r *apiRequest) apiResult {
	limit := 0
	if l := r.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return s.protoResultLocked(r.method, "invalid_limit")
		}
		limit = n
	}
	if limit == 0 || limit > 1000 {
		limit = 1000
	}
	start := 0
	if cur := r.str("cursor"); cur != "" {
		b, err := base64.StdEncoding.DecodeString(cur)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "users:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "users:") || n < 0 || n > len(s.userOrder) {
			return s.protoResultLocked(r.method, "invalid_cursor")
		}
		start = n
	}
	end := min(start+limit, len(s.userOrder))
	members := []any{}
	for _, id := range s.userOrder[start:end] {
		members = append(members, s.userJSON(s.users[id]))
	}
	next := ""
	if end < len(s.userOrder) {
		next = base64.StdEncoding.EncodeToString([]byte("users:" + strconv.Itoa(end)))
	}
	return okResult(map[string]any{
		"members":           members,
		"cache_ts":          time.Now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func (s *Server) apiUserGroupsUsersList(r *apiRequest) apiResult {
	if r.str("usergroup") == "" {
		return s.protoResultLocked(r.method, "invalid_arguments", "missing required argument: usergroup")
	}
	g, ok := s.groups[r.str("usergroup")]
	if !ok {
		return errResult("no_such_subteam")
	}
	return okResult(map[string]any{"users": append([]string{}, g.Users...)})
}
