package slackemu

import (
	"context"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
)

// usergroups.list: enabled groups sorted by name; disabled ones, counts
// and members only when asked; Slack's errors for bad arguments.
func TestUserGroupsList(t *testing.T) {
	s := newServer(t, Config{})
	s.AddUserGroup(UserGroup{ID: "S2", Handle: "sre", Name: "Site reliability", Users: []string{"U1", "U2"}})
	s.AddUserGroup(UserGroup{ID: "S1", Handle: "cab", Name: "Change board", Users: []string{"U1"}})
	s.AddUserGroup(UserGroup{ID: "S3", Handle: "old", Disabled: true})
	api := newAPI(s)
	ctx := context.Background()

	groups, err := api.GetUserGroupsContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].ID != "S1" || groups[0].Handle != "cab" || groups[0].Name != "Change board" || groups[1].ID != "S2" {
		t.Fatalf("usergroups.list = %+v", groups)
	}
	if groups[0].UserCount != 0 || groups[0].Users != nil || groups[0].DateDelete != 0 {
		t.Errorf("counts or users without asking: %+v", groups[0])
	}

	groups, err = api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(true),
		slack.GetUserGroupsOptionIncludeCount(true), slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 || groups[2].ID != "S2" || groups[2].UserCount != 2 || len(groups[2].Users) != 2 {
		t.Fatalf("with everything = %+v", groups)
	}
	if groups[1].ID != "S3" || groups[1].DateDelete == 0 {
		t.Errorf("disabled group = %+v", groups[1])
	}

	if _, err := api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionTeamID("T404")); slackErr(err) != "invalid_team_id" {
		t.Errorf("another team: %v", err)
	}
	if _, body, _ := postRaw(t, s, "usergroups.list", BotToken, url.Values{"include_users": {"yes"}}); body["ok"] != false || body["error"] != "invalid_arguments" {
		t.Errorf("include_users=yes: %v", body)
	}
	expectProtocolErrors(t, s, "invalid value for argument: include_users")
}
