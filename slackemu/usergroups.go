package slackemu

import (
	"slices"
	"strings"
)

// usergroupsListFlags are usergroups.list's boolean arguments; Slack
// refuses a value that is not a boolean.
var usergroupsListFlags = []string{"include_count", "include_disabled", "include_users"}

// apiUserGroupsList is usergroups.list: the workspace's groups sorted by
// name, without disabled ones unless include_disabled, with user_count and
// users only when asked.
func (s *Server) apiUserGroupsList(r *apiRequest) apiResult {
	for _, k := range usergroupsListFlags {
		if v := r.str(k); r.has(k) && !isBoolArg(v) {
			return s.protoResultLocked(r.method, "invalid_arguments", "invalid value for argument: "+k)
		}
	}
	if t := r.str("team_id"); t != "" && t != s.cfg.TeamID {
		return errResult("invalid_team_id")
	}
	groups := make([]*UserGroup, 0, len(s.groups))
	for _, g := range s.groups {
		if !g.Disabled || r.boolParam("include_disabled") {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b *UserGroup) int {
		return strings.Compare(strings.ToLower(groupName(a)), strings.ToLower(groupName(b)))
	})
	out := make([]map[string]any, len(groups))
	for i, g := range groups {
		m := map[string]any{"id": g.ID, "team_id": s.cfg.TeamID, "is_usergroup": true, "name": groupName(g), "handle": g.Handle,
			"description": "", "is_external": false, "date_create": 1700000000, "date_update": 1700000000, "date_delete": 0}
		if g.Disabled {
			m["date_delete"] = 1700000100
		}
		if r.boolParam("include_count") {
			m["user_count"] = len(g.Users)
		}
		if r.boolParam("include_users") {
			m["users"] = append([]string{}, g.Users...)
		}
		out[i] = m
	}
	return okResult(map[string]any{"usergroups": out})
}

func groupName(g *UserGroup) string {
	if g.Name != "" {
		return g.Name
	}
	return g.Handle
}

func isBoolArg(v string) bool {
	return v == "true" || v == "false" || v == "1" || v == "0"
}
