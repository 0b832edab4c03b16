// Package planning is where releases are planned and looked at: new,
// edit, reschedule, list, show, the calendar, freeze windows and
// suggested slots. Freezes are release.FreezesHit and
// release.FreezeOverride; what may still change is release.StillEditable.
package planning

import (
	"context"

	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
)

// rounds prepares the approval round a plan needs; planning opens it in
// the change's own transaction with approvals.OpenRound.
type rounds interface {
	PrepareRound(ctx context.Context, typ release.Type, env string, risk release.Risk, owner string, requesters ...string) (approvals.Plan, error)
}

// Service serves the planning commands.
type Service struct {
	*kit.Deps
	rounds rounds
}

// New builds the service.
func New(d *kit.Deps, rounds rounds) *Service { return &Service{Deps: d, rounds: rounds} }
