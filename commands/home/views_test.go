package home

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func homeRelease(id int64, owner string, start time.Time) storage.Release {
	return storage.Release{ID: id, Service: fmt.Sprintf("svc%d", id), Version: "1.0.0", Environment: "production", Type: "normal", Risk: "medium",
		OwnerID: owner, CreatedBy: owner, Channel: "C0RELEASES", StartAt: start, EndAt: start.Add(time.Hour), Status: "planned"}
}

// The Home of ben: one decision waiting, one release of his own, the
// week ahead.
func TestGoldenHome(t *testing.T) {
	mine := homeRelease(3, "U0BEN", t0.Add(48*time.Hour))
	other := homeRelease(4, "U0ANA", t0.Add(24*time.Hour))
	round := &storage.ApprovalRound{ID: 9, ReleaseID: 4, Number: 1, Status: storage.RoundOpen, Required: "any", Needed: 1,
		Approvers: []storage.RoundApprover{{ID: 1, RoundID: 9, UserID: "U0BEN"}}}
	d := homeData{now: t0, pending: []decision{{&other, round}}, pendingTotal: 1, own: []storage.Release{mine},
		week: []storage.Release{other, mine}, weekTotal: 2}
	golden.Compare(t, "home", bot.Message{Text: "App Home", Blocks: homeView(d)})
}

// A busy Home lists homeSection entries of each part and counts the rest.
func TestHomeViewBounds(t *testing.T) {
	d := homeData{now: t0, pendingTotal: 25, weekTotal: 40}
	for i := range homeSection {
		r := homeRelease(int64(i+1), "U0ANA", t0.Add(time.Duration(i+1)*time.Hour))
		round := &storage.ApprovalRound{ID: int64(100 + i), Status: storage.RoundOpen, Required: "any", Needed: 1,
			Approvers: []storage.RoundApprover{{UserID: "U0BEN"}}}
		d.pending = append(d.pending, decision{&r, round})
		d.week = append(d.week, r)
	}
	blocks := homeView(d)
	text := string(golden.Check(t, bot.Message{Text: "App Home", Blocks: blocks}))
	for _, want := range []string{"…and 15 more: `/release approvals`", "…and 30 more: `/release calendar days=7`", "*Waiting for your decision* (25)"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
}
