package slackemu

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// User is a workspace member. TZ is an IANA zone name (default "UTC");
// users.info derives tz_label and tz_offset from it at the time of the call,
// so daylight saving time shows up as it does on Slack.
type User struct {
	ID, Name, RealName, TZ  string
	IsAdmin, IsBot, Deleted bool
}

// Channel is a public (C…) or private (G… or Private) channel. The bot is a
// member iff Config.BotUserID is in Members; an empty Members list means the
// emulator does not track membership for that channel (anyone may see it).
type Channel struct {
	ID, Name          string
	Private, Archived bool
	Members           []string
}

// UserGroup is a user group (S…), mentioned as <!subteam^S…|@handle>.
type UserGroup struct {
	ID, Handle string
	Users      []string
	// Name is the display name usergroups.list returns (the handle when
	// empty); a Disabled group is left out unless include_disabled.
	Name     string
	Disabled bool
}

// channelState is a channel or the bot's IM with a user.
type channelState struct {
	Channel
	im      bool
	imUser  string
	created int64
}

func (c *channelState) botIsMember(bot string) bool {
	return c.im || slices.Contains(c.Members, bot)
}

// hasMemberList reports whether membership is tracked for the channel.
func (c *channelState) hasMemberList() bool { return c.im || len(c.Members) > 0 }

func (c *channelState) isMember(user string) bool {
	if c.im {
		return user == c.imUser
	}
	return slices.Contains(c.Members, user)
}

// displayName is the channel name used in payloads: Slack sends
// "directmessage" for IMs.
func (c *channelState) displayName() string {
	if c.im {
		return "directmessage"
	}
	return c.Name
}

// AddUser adds a user, or replaces the user with the same ID (use it to
// deactivate someone mid-test). It panics on an invalid TZ: that is a bug in
// the test, not something to emulate.
func (s *Server) AddUser(u User) {
	if u.ID == "" {
		panic("slackemu: AddUser: empty ID")
	}
	if u.TZ == "" {
		u.TZ = "UTC"
	}
	if _, err := time.LoadLocation(u.TZ); err != nil {
		panic(fmt.Sprintf("slackemu: AddUser(%s): invalid TZ %q: %v", u.ID, u.TZ, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		s.userOrder = append(s.userOrder, u.ID)
	}
	s.users[u.ID] = &u
	s.changedLocked()
}

// AddChannel adds a channel, or replaces the one with the same ID (use it to
// archive a channel or change its members mid-test).
func (s *Server) AddChannel(c Channel) {
	if c.ID == "" {
		panic("slackemu: AddChannel: empty ID")
	}
	c.Members = slices.Clone(c.Members)
	s.mu.Lock()
	defer s.mu.Unlock()
	created := time.Now().Unix()
	if old, ok := s.channels[c.ID]; ok {
		created = old.created
	}
	s.channels[c.ID] = &channelState{Channel: c, created: created}
	s.changedLocked()
}

// AddUserGroup adds or replaces a user group.
func (s *Server) AddUserGroup(g UserGroup) {
	if g.ID == "" {
		panic("slackemu: AddUserGroup: empty ID")
	}
	g.Users = slices.Clone(g.Users)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[g.ID] = &g
	s.changedLocked()
}

// SetUserGroupUsers replaces the members of an existing user group. It panics
// if the group was never added.
func (s *Server) SetUserGroupUsers(id string, users []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		panic(fmt.Sprintf("slackemu: SetUserGroupUsers: unknown user group %q", id))
	}
	g.Users = slices.Clone(users)
	s.changedLocked()
}

// IMChannel returns the id of the bot's IM channel with userID, creating it
// on first use; the id is stable for the life of the server.
func (s *Server) IMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imChannelLocked(userID).ID
}

func (s *Server) imChannelLocked(userID string) *channelState {
	if id, ok := s.ims[userID]; ok {
		return s.channels[id]
	}
	s.imSeq++
	id := fmt.Sprintf("D0EM%05d", s.imSeq)
	c := &channelState{Channel: Channel{ID: id}, im: true, imUser: userID, created: time.Now().Unix()}
	s.channels[id] = c
	s.ims[userID] = id
	s.changedLocked()
	return c
}

// lookupChannelLocked finds a channel by id, or by name (with or without #)
// as chat.postMessage allows.
func (s *Server) lookupChannelLocked(idOrName string) *channelState {
	if c, ok := s.channels[idOrName]; ok {
		return c
	}
	name := strings.TrimPrefix(idOrName, "#")
	for _, c := range s.channels {
		if !c.im && c.Name != "" && c.Name == name {
			return c
		}
	}
	return nil
}

// resolvePostTargetLocked applies Slack's rules for where the bot may post:
// a user id means the bot's IM with that user; private channels need
// membership; public ones do not (chat:write.public).
func (s *Server) resolvePostTargetLocked(id string) (*channelState, string) {
	if id == "" {
		return nil, "channel_not_found"
	}
	if strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") {
		u, ok := s.users[id]
		switch {
		case !ok:
			return nil, "channel_not_found"
		case u.Deleted:
			return nil, "user_disabled"
		case u.IsBot:
			return nil, "cannot_dm_bot"
		}
		return s.imChannelLocked(id), ""
	}
	c := s.lookupChannelLocked(id)
	if c == nil {
		return nil, "channel_not_found"
	}
	if c.im {
		if u, ok := s.users[c.imUser]; ok && u.Deleted {
			return nil, "user_disabled"
		}
		return c, ""
	}
	if c.Archived {
		return nil, "is_archived"
	}
	if c.Private && !c.botIsMember(s.cfg.BotUserID) {
		return nil, "not_in_channel"
	}
	return c, ""
}

// userJSON renders a user as users.info does.
func (s *Server) userJSON(u *User) map[string]any {
	loc, err := time.LoadLocation(u.TZ)
	if err != nil {
		loc = time.UTC
	}
	abbr, offset := time.Now().In(loc).Zone()
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            u.Name,
		"display_name_normalized": u.Name,
		"team":                    s.cfg.TeamID,
	}
	if u.ID == s.cfg.BotUserID {
		profile["bot_id"] = BotID
		profile["api_app_id"] = s.cfg.AppID
	}
	return map[string]any{
		"id":                  u.ID,
		"team_id":             s.cfg.TeamID,
		"name":                u.Name,
		"deleted":             u.Deleted,
		"color":               "9f69e7",
		"real_name":           u.RealName,
		"tz":                  u.TZ,
		"tz_label":            abbr,
		"tz_offset":           offset,
		"profile":             profile,
		"is_admin":            u.IsAdmin,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"updated":             time.Now().Unix(),
	}
}

// channelJSONLocked renders a conversation as conversations.info does.
func (s *Server) channelJSONLocked(c *channelState) map[string]any {
	if c.im {
		deleted := false
		if u, ok := s.users[c.imUser]; ok {
			deleted = u.Deleted
		}
		return map[string]any{
			"id":              c.ID,
			"created":         c.created,
			"is_im":           true,
			"is_org_shared":   false,
			"user":            c.imUser,
			"is_user_deleted": deleted,
			"is_open":         true,
			"priority":        0,
		}
	}
	out := map[string]any{
		"id":              c.ID,
		"name":            c.Name,
		"name_normalized": c.Name,
		"created":         c.created,
		"is_channel":      !c.Private,
		"is_group":        c.Private,
		"is_im":           false,
		"is_mpim":         false,
		"is_private":      c.Private,
		"is_archived":     c.Archived,
		"is_general":      false,
		"is_shared":       false,
		"is_org_shared":   false,
		"is_ext_shared":   false,
		"is_member":       c.botIsMember(s.cfg.BotUserID),
	}
	if len(c.Members) > 0 {
		out["num_members"] = len(c.Members)
	}
	return out
}

// payloadUserLocked is the user object of interaction payloads.
func (s *Server) payloadUserLocked(id string) map[string]any {
	name := id
	if u, ok := s.users[id]; ok {
		name = u.Name
	}
	return map[string]any{"id": id, "username": name, "name": name, "team_id": s.cfg.TeamID}
}

func (s *Server) payloadTeam() map[string]any {
	return map[string]any{"id": s.cfg.TeamID, "domain": TeamDomain}
}
