package kit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

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

func TestRoundCurrent(t *testing.T) {
	r, round := approvalFixture()
	if !RoundCurrent(round, r) {
		t.Fatal("the open round of the current revision is not current")
	}
	for _, mutate := range []func(){
		func() { round.Status = storage.RoundApproved },
		func() { round.Status = storage.RoundSuperseded },
		func() { r.Revision++ },
		func() { r.Status = string(release.StatusApproved) },
		func() { r.Status = string(release.StatusCancelled) },
	} {
		r, round = approvalFixture()
		mutate()
		if RoundCurrent(round, r) {
			t.Fatalf("round %s / release %s rev %d counted as current", round.Status, r.Status, r.Revision)
		}
	}
}

func TestProgressText(t *testing.T) {
	_, round := approvalFixture()
	if got, want := ProgressText(round), "0 of 2 approvals: waiting for <@U0BEN>, <@U0CAT>, <@U0DAN>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0CAT", Decision: "approve"}}
	if got, want := ProgressText(round), "1 of 2 approvals: <@U0CAT> :white_check_mark:, waiting for <@U0BEN>, <@U0DAN>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Status = storage.RoundApproved
	round.Decisions = append(round.Decisions, storage.ApprovalDecision{ApproverID: "U0BEN", Decision: "approve"})
	if got, want := ProgressText(round), "2 of 2 approvals: <@U0BEN> :white_check_mark:, <@U0CAT> :white_check_mark:"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Needed = 1
	round.Decisions = round.Decisions[:1]
	if got := ProgressText(round); !strings.HasPrefix(got, "1 of 1 approval: ") {
		t.Fatalf("singular: %q", got)
	}

	// 400 approvers, 150 of them decided: short, and no mention cut.
	big := &storage.ApprovalRound{Status: storage.RoundOpen, Needed: 201}
	for i := range 400 {
		u := fmt.Sprintf("U1%04d", i)
		big.Approvers = append(big.Approvers, storage.RoundApprover{UserID: u})
		if i < 150 {
			big.Decisions = append(big.Decisions, storage.ApprovalDecision{ApproverID: u, Decision: "approve"})
		}
	}
	got := ProgressText(big)
	if len(got) > 1000 || !strings.Contains(got, "150 of 201 approvals: <@U10000> :white_check_mark:") ||
		!strings.Contains(got, "and 140 more, waiting for <@U10150>") || !strings.HasSuffix(got, "and 240 others") {
		t.Fatalf("%d characters: %s", len(got), got)
	}
	if strings.Count(got, "<@") != strings.Count(got, ">") {
		t.Fatalf("a mention is cut: %s", got)
	}
}

func TestPackLinesLongLine(t *testing.T) {
	lines := []string{"short", strings.Repeat("x", 3500), "after"}
	blocks := PackLines(lines, 5)
	raw, _ := json.Marshal(blocks)
	if errs := slackemu.ValidateMessageBlocks(raw); len(errs) > 0 {
		t.Fatalf("invalid: %v", errs)
	}
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok && strings.TrimSpace(s.Text.Text) == "" {
			t.Fatal("empty section")
		}
	}
}
