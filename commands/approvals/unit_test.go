package approvals

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
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
			err := kit.Refusal(r, release.DecisionAllowed(decisionCheck(round, r, nil, c.user)))
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
		rp      Plan
		warning string
		summary string
	}{
		{Plan{PreApproved: true}, "", "pre-approved by policy"},
		{Plan{Quorum: two, Eligible: []string{"U0BEN", "U0CAT"}}, "", "waiting for 2 approvals from <@U0BEN>, <@U0CAT>"},
		{Plan{Quorum: two, Eligible: []string{"U0BEN"}}, "It needs 2 approvals but only 1 person can approve it", "waiting for 2 approvals from <@U0BEN>"},
		{Plan{Quorum: release.Quorum{Kind: release.QuorumAll}}, "Nobody can approve it", "waiting for approval"},
		{HoldRejected(&storage.Release{ID: 5}), "", "it stays rejected until you ask for approval again with `/release resubmit R-5`"},
	} {
		if w := c.rp.Warning(); (c.warning == "") != (w == "") || !strings.Contains(w, c.warning) {
			t.Errorf("%+v: warning %q, want %q", c.rp, w, c.warning)
		}
		if s := Summary(c.rp); s != c.summary {
			t.Errorf("%+v: summary %q, want %q", c.rp, s, c.summary)
		}
	}
}

func TestRoundPlanWithout(t *testing.T) {
	rp := Plan{Quorum: release.Quorum{Kind: release.QuorumAll}, Eligible: []string{"U0BEN", "U0CAT"}}
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

// The audit trail as segregation of duties reads it: changes by people,
// rounds decided, and nothing else.
func TestChangersOfTheAuditTrail(t *testing.T) {
	e := func(actor, action string) storage.AuditEntry { return storage.AuditEntry{Actor: actor, Action: action} }
	for _, c := range []struct {
		name  string
		trail []storage.AuditEntry
		want  []string
	}{
		{"planned", []storage.AuditEntry{e("U0PIA", "created"), e("U0PIA", "round opened")}, []string{"U0PIA"}},
		{"edited and rescheduled by others", []storage.AuditEntry{e("U0ANA", "created"), e("U0ADA", "edited"), e("U0BEN", "rescheduled")}, []string{"U0ANA", "U0ADA", "U0BEN"}},
		{"decided, then changed while rejected and resubmitted",
			[]storage.AuditEntry{e("U0ADA", "created"), e("U0BEN", "rejected"), e("U0BEN", "status:rejected"), e("U0ADA", "rescheduled"), e("U0ANA", "status:planned"), e("U0ANA", "round opened")},
			[]string{"U0ADA", "U0ANA"}},
		{"approved, then nothing", []storage.AuditEntry{e("U0ADA", "edited"), e("U0CAT", "status:approved")}, nil},
		{"pre-approved by policy", []storage.AuditEntry{e("U0ANA", "created"), e(kit.PolicyActor, "status:approved"), e("U0ADA", "edited")}, []string{"U0ADA"}},
		{"not changes", []storage.AuditEntry{e("U0ANA", "created"), e("U0BEN", "approved"), e(kit.PolicyActor, "round superseded"), e("U0ANA", "freeze override"), e("U0ANA", "status:in_progress")}, []string{"U0ANA"}},
	} {
		if got := changersOf(c.trail); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// The audit view turns user ids into mentions and leaves words that only
// look like ids (a time zone, an abbreviation) alone.
func TestAuditDetailsMentionsOnlyUserIDs(t *testing.T) {
	for _, c := range []struct{ details, want string }{
		{"payments 2.4.0 → production, Mon 30 Nov 02:10 UTC, normal/medium risk", "payments 2.4.0 → production, Mon 30 Nov 02:10 UTC, normal/medium risk"},
		{"owner U0ANA → W012A3CDE; see the URL", "owner <@U0ANA> → <@W012A3CDE>; see the URL"},
	} {
		if got := auditDetails(storage.AuditEntry{Action: "edited", Details: c.details}); got != c.want {
			t.Errorf("auditDetails(%q) = %q, want %q", c.details, got, c.want)
		}
	}
}

// The owner's approved DM carries the announcement's Start button.
func TestApprovedMessageOffersStart(t *testing.T) {
	r, round := approvalFixture()
	payload := string(bot.MustJSON(approvedMessage(r, round)))
	for _, want := range []string{`"action_id":"` + kit.ActionStart + `#17"`, `"value":"17"`, `"text":"Start"`, "is approved"} {
		if !strings.Contains(payload, want) {
			t.Errorf("approved DM lacks %s:\n%s", want, payload)
		}
	}
}
