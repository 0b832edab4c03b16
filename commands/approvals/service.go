// Package approvals decides releases: approval rounds opened by policy,
// the Approve and Reject buttons, resubmission after a rejection, the
// audit trail, and the approval policies themselves. Who may decide is
// release.DecisionAllowed; what a round's votes amount to is
// release.Quorum.Outcome.
package approvals

import (
	"context"

	"github.com/releasebot/releasebot/commands/internal/kit"
)

// CallbackReject is the reject modal's callback.
const CallbackReject = "approval.reject"

// homes publishes a user's App Home again after a click made there.
type homes interface {
	Publish(ctx context.Context, user string) error
}

// Service serves the approval commands and buttons.
type Service struct {
	*kit.Deps
	home homes
}

// New builds the service; home refreshes the App Home after decisions
// made there.
func New(d *kit.Deps, home homes) *Service { return &Service{Deps: d, home: home} }
