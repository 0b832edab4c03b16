package e2e

import (
	"testing"
	"time"
)

// The owner's "approved" DM offers Start: the announcement's button and
// modal, for the owner or an admin only, refused once the release started.
func TestApprovedDMOffersStart(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.setPolicy("normal env=production approvers=" + benM + " required=1")
		p := h.plan(ana, "payments 2.3.0", startIn(2*time.Hour))
		h.approve(ben, p.ID)
		dm := h.waitForMessage(dmsTo(ana), p.Ref(), "is approved", "Start")

		h.refused(h.clicking(dan, dm, "Start"), "Only the owner (<@U0ANA>) or an admin can start")
		if res := h.submitMove(ana, dm, "Start", map[string]string{"Note": "going"}); res.Errors != nil {
			t.Fatalf("the start from the DM was refused: %v", res.Errors)
		}
		h.waitForStatus(p.ID, "in_progress")
		h.announcement(releases, p.ID, "Complete", "Failed", "Rolled back")

		h.refused(h.clicking(ana, h.current(dm), "Start"), "Nothing was changed")
	})
}
