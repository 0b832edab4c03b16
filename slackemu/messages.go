package slackemu

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Message is a message as users see it. Getters return copies, so a test can
// keep one while the bot updates the original (Actor.Click always uses the
// server's current version).
type Message struct {
	Channel, TS, ThreadTS, User, Text string // User: BotUserID for bot posts, the user id for user posts
	// Blocks are the blocks as posted, except that block_id and action_id are
	// filled in where the bot left them out, as Slack does.
	Blocks    json.RawMessage
	Ephemeral bool
	VisibleTo string // for ephemeral messages, the one user who sees it
	Edited    bool
	Deleted   bool
	// ReplyCount counts the thread's visible replies (top-level messages only).
	ReplyCount int
}

// Button is a button element found in a message or view.
type Button struct{ Label, ActionID, BlockID, Value, URL, Style string }

// Content returns all human-readable text of the message: Text and every text
// in its blocks (section text and fields, headers, context, button labels,
// rich text, …), one per line, so tests can assert with strings.Contains.
func (m Message) Content() string {
	parts := []string{}
	if m.Text != "" {
		parts = append(parts, m.Text)
	}
	parts = append(parts, blocksTexts(m.Blocks)...)
	return strings.Join(parts, "\n")
}

// Buttons returns the buttons of the message's blocks in display order.
func (m Message) Buttons() []Button { return blocksButtons(m.Blocks) }

// msgRecord is a stored message.
type msgRecord struct {
	Message
	broadcast bool            // thread reply also shown in the channel
	editedTS  string          // when the message was last edited
	metadata  json.RawMessage // chat.postMessage's metadata, shown only on request
}

func msgKey(channel, ts string) string { return channel + "/" + ts }

// addMessageLocked stores a message and wakes waiters.
func (s *Server) addMessageLocked(m Message) *msgRecord {
	m.TS = s.nextTSLocked()
	rec := &msgRecord{Message: m}
	s.msgs[m.Channel] = append(s.msgs[m.Channel], rec)
	s.msgIndex[msgKey(m.Channel, m.TS)] = rec
	s.changedLocked()
	return rec
}

func (s *Server) findMessageLocked(channel, ts string) *msgRecord {
	return s.msgIndex[msgKey(channel, ts)]
}

// copyLocked returns a snapshot of a stored message that shares no memory
// with the server.
func (s *Server) copyLocked(rec *msgRecord) Message {
	m := rec.Message
	m.Blocks = bytes.Clone(rec.Blocks)
	if m.ThreadTS == "" || m.ThreadTS == m.TS {
		m.ReplyCount = 0
		for _, r := range s.msgs[m.Channel] {
			if r.ThreadTS == m.TS && r.TS != m.TS && !r.Deleted && !r.Ephemeral {
				m.ReplyCount++
			}
		}
	}
	return m
}

// Messages returns the top-level messages of a channel or IM as members see
// them, oldest first: no deleted messages, no ephemeral messages (see
// Actor.Ephemerals), no thread replies except those also sent to the channel.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, r := range s.msgs[channel] {
		if r.Deleted || r.Ephemeral {
			continue
		}
		if r.ThreadTS != "" && r.ThreadTS != r.TS && !r.broadcast {
			continue
		}
		out = append(out, s.copyLocked(r))
	}
	return out
}

// Replies returns the visible replies of a thread, oldest first.
func (s *Server) Replies(channel, threadTS string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, r := range s.msgs[channel] {
		if r.ThreadTS == threadTS && r.TS != threadTS && !r.Deleted && !r.Ephemeral {
			out = append(out, s.copyLocked(r))
		}
	}
	return out
}

// Message returns any stored message, including ephemeral and deleted ones.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.findMessageLocked(channel, ts)
	if rec == nil {
		return Message{}, false
	}
	return s.copyLocked(rec), true
}

// AllMessages returns every stored message of a channel, oldest first,
// including replies, ephemeral and deleted messages: for debugging tests.
func (s *Server) AllMessages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.msgs[channel]))
	for _, r := range s.msgs[channel] {
		out = append(out, s.copyLocked(r))
	}
	return out
}

// ephemeralsLocked lists the ephemeral messages user sees in channel.
func (s *Server) ephemeralsLocked(channel, user string) []Message {
	var out []Message
	for _, r := range s.msgs[channel] {
		if r.Ephemeral && r.VisibleTo == user && !r.Deleted {
			out = append(out, s.copyLocked(r))
		}
	}
	return out
}

// messageJSONLocked renders a message as the Web API and payloads show it.
func (s *Server) messageJSONLocked(rec *msgRecord) map[string]any {
	out := map[string]any{
		"type": "message",
		"text": rec.Text,
		"ts":   rec.TS,
		"team": s.cfg.TeamID,
		"user": rec.User,
	}
	if rec.User == s.cfg.BotUserID {
		out["bot_id"] = BotID
		out["app_id"] = s.cfg.AppID
	}
	if len(rec.Blocks) > 0 {
		out["blocks"] = json.RawMessage(bytes.Clone(rec.Blocks))
	}
	if rec.ThreadTS != "" {
		out["thread_ts"] = rec.ThreadTS
		if rec.ThreadTS == rec.TS {
			m := s.copyLocked(rec)
			out["reply_count"] = m.ReplyCount
		}
	}
	if rec.Edited {
		out["edited"] = map[string]any{"user": rec.User, "ts": rec.editedTS}
	}
	return out
}

// Post stores a message written by the user in a channel, as if typed in
// Slack, so that tests can seed conversations (for example a thread the bot
// is asked to reply in). No event is delivered; use Server.SendEvent for that.
func (a *Actor) Post(channel, text, threadTS string) Message {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.addMessageLocked(Message{Channel: channel, User: a.user, Text: text, ThreadTS: threadTS})
	return s.copyLocked(rec)
}

// threadRootLocked maps a thread_ts to its parent, as Slack does when a bot
// passes the ts of a reply instead of the parent's.
func (s *Server) threadRootLocked(channel, threadTS string) (string, bool) {
	rec := s.findMessageLocked(channel, threadTS)
	if rec == nil || rec.Ephemeral {
		return threadTS, false
	}
	if rec.ThreadTS != "" && rec.ThreadTS != rec.TS {
		return rec.ThreadTS, true
	}
	return threadTS, true
}

// markThreadParentLocked makes the parent of a new reply a thread parent.
func (s *Server) markThreadParentLocked(channel, threadTS string) {
	if rec := s.findMessageLocked(channel, threadTS); rec != nil && rec.ThreadTS == "" {
		rec.ThreadTS = rec.TS
	}
}

// visibleTo reports whether user can see the message.
func (m *msgRecord) visibleTo(user string) bool {
	return !m.Ephemeral || m.VisibleTo == user
}
