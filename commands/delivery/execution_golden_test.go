package delivery

import (
	"testing"

	"github.com/releasebot/releasebot/commands/internal/golden"
)

// The announcement carries the owner's buttons for the state: approved
// with a readiness check missing (Mark passed, Start), then in progress
// (Complete, Failed, Rolled back).
func TestGoldenAnnouncementLifecycleButtons(t *testing.T) {
	r, _ := approvalFixture()
	r.Status = "approved"
	golden.Compare(t, "announcement_approved", announcementWithButtons(r, "approval: 2 of 2 approvals", nil, "staging-verified"))
	r.Status = "in_progress"
	golden.Compare(t, "announcement_in_progress", announcementWithButtons(r, "approval: 2 of 2 approvals", nil))
}
