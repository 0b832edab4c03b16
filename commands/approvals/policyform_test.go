package approvals

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

// The owner's approved DM, with its Start button.
func TestGoldenApprovedDM(t *testing.T) {
	r, round := approvalFixture()
	r.Status, round.Status = "approved", storage.RoundApproved
	round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve", DecidedAt: approvalT0}, {ApproverID: "U0CAT", Decision: "approve", DecidedAt: approvalT0}}
	golden.Compare(t, "approved_dm", approvedMessage(r, round))
}

// Without user groups the form offers people only (a static select with
// no options is invalid Block Kit); with too many it offers Slack's limit.
func TestPolicyModalGroups(t *testing.T) {
	blockIDs := func(groups []bot.UserGroup) string {
		var ids []string
		for _, b := range policyModal([]string{"production", "staging"}, groups).Blocks.BlockSet {
			js, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				BlockID string `json:"block_id"`
			}
			if err := json.Unmarshal(js, &v); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, v.BlockID)
		}
		return strings.Join(ids, ",")
	}
	if got := blockIDs(nil); got != "type,env,risk,approvers,required,rollback,checks" {
		t.Errorf("without groups: %s", got)
	}
	if got := blockIDs([]bot.UserGroup{{ID: "S1", Handle: "cab"}}); got != "type,env,risk,approvers,groups,required,rollback,checks" {
		t.Errorf("with a group: %s", got)
	}
	many := make([]bot.UserGroup, 150)
	for i := range many {
		many[i] = bot.UserGroup{ID: fmt.Sprintf("S%d", i), Handle: fmt.Sprintf("g%d", i), Name: "Group"}
	}
	opts := groupOptions(many)
	if len(opts) != maxGroupOptions || opts[0].Text.Text != "@g0 (Group)" || opts[0].Value != "S0" {
		t.Errorf("%d options, first %+v", len(opts), opts[0])
	}
}
