package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/bot/slacktest"
	"github.com/releasebot/releasebot/storage"
)

// `go test ./commands/ -run ApprovalGolden -update` rewrites
// testdata/approval_*.golden.json. The flag is registered by whichever test
// file of the package gets there first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/")
	}
}

func approvalUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// approvalGolden checks msg against Slack's limits and compares it with
// testdata/<name>.golden.json.
func approvalGolden(t *testing.T, name string, msg bot.Message) {
	t.Helper()
	approvalValid(t, msg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(msg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if approvalUpdating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./commands/ -run ApprovalGolden -update` to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s changed; if that is intended, run `go test ./commands/ -run ApprovalGolden -update` and review the diff.\ngot:\n%s", path, buf.Bytes())
	}
}

// approvalValid fails unless Slack would take the message.
func approvalValid(t *testing.T, msg bot.Message) string {
	t.Helper()
	blocks, err := json.Marshal(msg.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if errs := slacktest.ValidateMessageBlocks(blocks); len(errs) > 0 {
		t.Fatalf("Slack would refuse these blocks:\n%s", strings.Join(errs, "\n"))
	}
	if msg.Text == "" || len([]rune(msg.Text)) > bot.MaxMessageText {
		t.Fatalf("fallback text of %d characters", len([]rune(msg.Text)))
	}
	return msg.Text + "\n" + string(blocks)
}

var approvalT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// approvalFixture is R-17 billing 2.3.0 → production, owned by ana, in
// round 2 with ben, cat and dan asked and two approvals needed.
func approvalFixture() (*storage.Release, *storage.ApprovalRound) {
	r := &storage.Release{ID: 17, Service: "billing", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "high",
		Title: "Quarterly billing fix", OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES",
		StartAt: approvalT0.Add(72 * time.Hour), EndAt: approvalT0.Add(73 * time.Hour), Status: "planned", Revision: 3,
		Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}}}
	round := &storage.ApprovalRound{ID: 41, ReleaseID: 17, Number: 2, Revision: 3, Status: storage.RoundOpen, Required: "2", Needed: 2,
		PolicySource: "policy for normal changes in all environments (required=2)", OpenedAt: approvalT0,
		Approvers: []storage.RoundApprover{{ID: 1, RoundID: 41, UserID: "U0BEN"}, {ID: 2, RoundID: 41, UserID: "U0CAT"}, {ID: 3, RoundID: 41, UserID: "U0DAN"}}}
	return r, round
}

// The approval request DM in its four states, as ben sees it.
func TestApprovalGoldenDM(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		r, round := approvalFixture()
		round.Decisions = []storage.ApprovalDecision{{RoundID: 41, ApproverID: "U0CAT", Decision: "approve", DecidedAt: approvalT0.Add(time.Hour)}}
		approvalGolden(t, "approval_open", approvalRequest(r, round, "U0BEN"))
	})
	t.Run("approved by you", func(t *testing.T) {
		r, round := approvalFixture()
		round.Decisions = []storage.ApprovalDecision{{RoundID: 41, ApproverID: "U0BEN", Decision: "approve", DecidedAt: approvalT0.Add(2 * time.Hour)}}
		approvalGolden(t, "approval_approved", approvalRequest(r, round, "U0BEN"))
	})
	t.Run("rejected by you", func(t *testing.T) {
		r, round := approvalFixture()
		r.Status, r.Revision = "rejected", 4
		round.Status = storage.RoundRejected
		round.Decisions = []storage.ApprovalDecision{
			{RoundID: 41, ApproverID: "U0CAT", Decision: "approve", DecidedAt: approvalT0.Add(time.Hour)},
			{RoundID: 41, ApproverID: "U0BEN", Decision: "reject", Reason: "No rollback plan for the <schema> change & no DBA on call", DecidedAt: approvalT0.Add(2 * time.Hour)},
		}
		approvalGolden(t, "approval_rejected", approvalRequest(r, round, "U0BEN"))
	})
	t.Run("outdated", func(t *testing.T) {
		r, round := approvalFixture()
		r.Revision = 4 // rescheduled; round 3 asks again
		r.StartAt, r.EndAt = r.StartAt.Add(24*time.Hour), r.EndAt.Add(24*time.Hour)
		round.Status = storage.RoundSuperseded
		approvalGolden(t, "approval_outdated", approvalRequest(r, round, "U0BEN"))
	})
}
