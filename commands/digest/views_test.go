package digest

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

var viewT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func viewFixture() (*storage.Release, *storage.ApprovalRound) {
	r := &storage.Release{ID: 17, Service: "billing", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "high",
		OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES", StartAt: viewT0.Add(90 * time.Minute), EndAt: viewT0.Add(150 * time.Minute), Status: "planned"}
	round := &storage.ApprovalRound{ID: 41, ReleaseID: 17, Number: 1, Status: storage.RoundOpen, Required: "2", Needed: 2,
		Approvers: []storage.RoundApprover{{ID: 1, UserID: "U0BEN"}, {ID: 2, UserID: "U0CAT"}},
		Decisions: []storage.ApprovalDecision{{ApproverID: "U0CAT", Decision: "approve", DecidedAt: viewT0}}}
	return r, round
}

func TestGoldenNudge(t *testing.T) {
	r, round := viewFixture()
	golden.Compare(t, "nudge", nudgeMessage(r, round))
}

func TestEscalationAndDigestMessages(t *testing.T) {
	r, round := viewFixture()
	esc := string(golden.Check(t, escalationMessage(r, round)))
	if !strings.Contains(esc, "still not approved (1 of 2 approvals") || !strings.Contains(esc, `Owner: \u003c@U0ANA\u003e`) {
		t.Errorf("escalation: %s", esc)
	}
	msg := digestMessage([]storage.Release{*r}, nil, viewT0.Truncate(24*time.Hour), time.UTC)
	golden.Check(t, msg)
	if !strings.HasPrefix(msg.Text, "Weekly release digest: 1 release in 7 days") {
		t.Errorf("digest fallback %q", msg.Text)
	}
	if got := string(golden.Check(t, bot.Message{Text: "x", Blocks: msg.Blocks[:1]})); !strings.Contains(got, "Release digest — the next 7 days* (1 release for this") {
		t.Errorf("digest head: %s", got)
	}
}
