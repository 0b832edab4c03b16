package commands

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// The rules of a click, in the order people meet them, each naming the
// release.
func TestDecisionAllowed(t *testing.T) {
	decided := func(round *storage.ApprovalRound) {
		round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve", DecidedAt: approvalT0}}
	}
	for _, c := range []struct {
		name  string
		user  string
		setup func(*storage.Release, *storage.ApprovalRound)
		want  string // "" means allowed
	}{
		{"an approver of an open round", "U0BEN", nil, ""},
		{"the owner", "U0ANA", nil, "You can't approve or reject *R-17* billing 2.3.0: it is your own release"},
		{"the owner, even when asked", "U0ANA", func(_ *storage.Release, round *storage.ApprovalRound) {
			round.Approvers = append(round.Approvers, storage.RoundApprover{UserID: "U0ANA"})
		}, "it is your own release"},
		{"an outsider", "U0ADMIN", nil, "You are not an approver of *R-17* billing 2.3.0"},
		{"a second click", "U0BEN", func(_ *storage.Release, round *storage.ApprovalRound) { decided(round) },
			"You already approved *R-17* billing 2.3.0 on <!date^"},
		{"a second click on a closed round shows the first decision", "U0BEN", func(_ *storage.Release, round *storage.ApprovalRound) {
			decided(round)
			round.Status = storage.RoundApproved
		}, "You already approved *R-17*"},
		{"an approved round", "U0CAT", func(_ *storage.Release, round *storage.ApprovalRound) { round.Status = storage.RoundApproved },
			"This approval request for *R-17* billing 2.3.0 is outdated: the release was already approved"},
		{"a rejected round", "U0CAT", func(_ *storage.Release, round *storage.ApprovalRound) { round.Status = storage.RoundRejected },
			"is outdated: the release was already rejected"},
		{"a superseded round", "U0CAT", func(_ *storage.Release, round *storage.ApprovalRound) { round.Status = storage.RoundSuperseded },
			"is outdated: the release was changed since"},
		{"a cancelled release", "U0CAT", func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundSuperseded, "cancelled"
		}, "is outdated: the release was cancelled"},
		{"an open round of an older revision", "U0CAT", func(r *storage.Release, _ *storage.ApprovalRound) { r.Revision++ },
			"is outdated: the release is planned (awaiting approval) now, and this request was for an earlier version of it"},
		{"an open round of a release no longer waiting", "U0CAT", func(r *storage.Release, _ *storage.ApprovalRound) { r.Status = "approved" },
			"is outdated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, round := approvalFixture()
			if c.setup != nil {
				c.setup(r, round)
			}
			err := decisionAllowed(round, r, c.user)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			msg, ok := bot.UserMessage(err)
			if !ok || !strings.Contains(msg, c.want) {
				t.Fatalf("got %v, want a refusal with %q", err, c.want)
			}
		})
	}
}

// Only the open round of the release's current revision decides it.
func TestRoundCurrent(t *testing.T) {
	r, round := approvalFixture()
	if !roundCurrent(round, r) {
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
		if roundCurrent(round, r) {
			t.Fatalf("round %s / release %s rev %d counted as current", round.Status, r.Status, r.Revision)
		}
	}
}

func TestProgressText(t *testing.T) {
	_, round := approvalFixture()
	if got, want := progressText(round), "0 of 2 approvals: waiting for <@U0BEN>, <@U0CAT>, <@U0DAN>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0CAT", Decision: "approve"}}
	if got, want := progressText(round), "1 of 2 approvals: <@U0CAT> :white_check_mark:, waiting for <@U0BEN>, <@U0DAN>"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Status = storage.RoundApproved
	round.Decisions = append(round.Decisions, storage.ApprovalDecision{ApproverID: "U0BEN", Decision: "approve"})
	if got, want := progressText(round), "2 of 2 approvals: <@U0BEN> :white_check_mark:, <@U0CAT> :white_check_mark:"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	round.Needed = 1
	round.Decisions = round.Decisions[:1]
	if got := progressText(round); !strings.HasPrefix(got, "1 of 1 approval: ") {
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
	got := progressText(big)
	if len(got) > 1000 || !strings.Contains(got, "150 of 201 approvals: <@U10000> :white_check_mark:") ||
		!strings.Contains(got, "and 140 more, waiting for <@U10150>") || !strings.HasSuffix(got, "and 240 others") {
		t.Fatalf("%d characters: %s", len(got), got)
	}
	if strings.Count(got, "<@") != strings.Count(got, ">") {
		t.Fatalf("a mention is cut: %s", got)
	}
}

// Every state of the request names the release and offers buttons only
// while the approver still has to decide; a large round stays valid.
func TestApprovalRequestStates(t *testing.T) {
	states := map[string]func(*storage.Release, *storage.ApprovalRound){
		"open": nil,
		"approved by another": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundApproved, "approved"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0CAT", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "approve"}}
		},
		"approved, me included": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundApproved, "approved"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "approve"}}
		},
		"rejected by another after my approval": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundRejected, "rejected"
			round.Decisions = []storage.ApprovalDecision{{ApproverID: "U0BEN", Decision: "approve"}, {ApproverID: "U0DAN", Decision: "reject", Reason: "no"}}
		},
		"cancelled": func(r *storage.Release, round *storage.ApprovalRound) {
			round.Status, r.Status = storage.RoundSuperseded, "cancelled"
		},
	}
	want := map[string][]string{
		"open":                                  {"Approve", "Reject"},
		"approved by another":                   {"No decision needed any more: the others approved it"},
		"approved, me included":                 {"You approved this", "It is approved"},
		"rejected by another after my approval": {"You approved this", "Another approver rejected it"},
		"cancelled":                             {"This request is outdated: the release was cancelled"},
	}
	for name, setup := range states {
		r, round := approvalFixture()
		if setup != nil {
			setup(r, round)
		}
		msg := approvalRequest(r, round, "U0BEN")
		content := approvalValid(t, msg)
		for _, w := range append(want[name], "R-17", "billing", "2.3.0") {
			if !strings.Contains(content, w) {
				t.Errorf("%s: no %q in %s", name, w, content)
			}
		}
		if !strings.Contains(msg.Text, "R-17 billing 2.3.0") {
			t.Errorf("%s: the fallback %q does not name the release", name, msg.Text)
		}
		if hasButtons := strings.Contains(content, `"type":"button"`); hasButtons != (name == "open") {
			t.Errorf("%s: buttons %v", name, hasButtons)
		}
	}

	r, round := approvalFixture()
	round.Approvers = nil
	for i := range 400 {
		round.Approvers = append(round.Approvers, storage.RoundApprover{UserID: fmt.Sprintf("U1%04d", i)})
	}
	approvalValid(t, approvalRequest(r, round, "U10007"))
}

func TestRejectModal(t *testing.T) {
	r, _ := approvalFixture()
	r.ID = 999999
	v := rejectModal(41, "D0EM00001", homeMarker, r)
	if len([]rune(v.Title.Text)) > bot.MaxModalTitle || v.Title.Text != "Reject R-999999" {
		t.Fatalf("title %q", v.Title.Text)
	}
	if v.PrivateMetadata != "41|D0EM00001|home" {
		t.Fatalf("metadata %q", v.PrivateMetadata)
	}
	blocks, _ := json.Marshal(v.Blocks.BlockSet)
	if !strings.Contains(string(blocks), "You are rejecting *R-999999* billing 2.3.0 → production") || !strings.Contains(string(blocks), `"block_id":"reason"`) {
		t.Fatalf("modal: %s", blocks)
	}
}

// packLines never emits an empty section, even for a line longer than a
// section holds.
func TestPackLinesLongLine(t *testing.T) {
	lines := []string{"short", strings.Repeat("x", 3500), "after"}
	blocks := packLines(lines, 5)
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

func TestAuditList(t *testing.T) {
	if got := auditList([]string{"U1", "U2"}, 100); got != "U1, U2" {
		t.Fatalf("%q", got)
	}
	var ids []string
	for i := range 500 {
		ids = append(ids, fmt.Sprintf("U1%04d", i))
	}
	got := auditList(ids, maxAuditList)
	if len(got) > maxAuditList+20 || !strings.HasPrefix(got, "U10000, U10001") || !strings.HasSuffix(got, "more") {
		t.Fatalf("%d: %s", len(got), got)
	}
}

func TestRoundPlanWarningAndSummary(t *testing.T) {
	two := release.Quorum{Kind: release.QuorumCount, N: 2}
	for _, c := range []struct {
		rp      roundPlan
		warning string
		summary string
	}{
		{roundPlan{PreApproved: true}, "", "pre-approved by policy"},
		{roundPlan{Quorum: two, Eligible: []string{"U0BEN", "U0CAT"}}, "", "waiting for 2 approvals from <@U0BEN>, <@U0CAT>"},
		{roundPlan{Quorum: two, Eligible: []string{"U0BEN"}}, "It needs 2 approvals but only 1 person can approve it", "waiting for 2 approvals from <@U0BEN>"},
		{roundPlan{Quorum: release.Quorum{Kind: release.QuorumAll}}, "Nobody can approve it", "waiting for approval"},
		{holdRejected(&storage.Release{ID: 5}), "", "it stays rejected until you ask for approval again with `/release resubmit R-5`"},
	} {
		if w := c.rp.Warning(); (c.warning == "") != (w == "") || !strings.Contains(w, c.warning) {
			t.Errorf("%+v: warning %q, want %q", c.rp, w, c.warning)
		}
		if s := approvalSummary(c.rp); s != c.summary {
			t.Errorf("%+v: summary %q, want %q", c.rp, s, c.summary)
		}
	}
}

// A plan made before the release was locked never keeps its owner among
// those who may approve (the owner may have changed meanwhile).
func TestRoundPlanWithout(t *testing.T) {
	rp := roundPlan{Quorum: release.Quorum{Kind: release.QuorumAll}, Eligible: []string{"U0BEN", "U0CAT"}}
	got := rp.without("U0BEN")
	if len(got.Eligible) != 1 || got.Eligible[0] != "U0CAT" || got.Needed() != 1 {
		t.Fatalf("%+v", got)
	}
	if len(rp.Eligible) != 2 {
		t.Fatal("without changed the original plan")
	}
	if same := rp.without("U0ANA"); len(same.Eligible) != 2 {
		t.Fatalf("%+v", same)
	}
	if none := rp.without("U0CAT", "U0BEN"); len(none.Eligible) != 0 || none.Warning() == "" {
		t.Fatalf("owner and requester both approvers: %+v", none)
	}
}
