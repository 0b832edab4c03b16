package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// failedRow waits for the release's notification to dest to fail and
// returns it.
func (h *harness) failedRow(id int64, dest string) storage.OutboxMessage {
	h.t.Helper()
	var row storage.OutboxMessage
	h.eventually(fmt.Sprintf("%s's notification to %s to fail", ref(id), dest), func() bool {
		for _, m := range h.outboxRows(id, "notification") {
			if m.Channel == dest && m.Status == storage.OutboxFailed {
				row = m
				return true
			}
		}
		return false
	})
	return row
}

// Admins list the messages Slack refused for good and, once the cause is
// fixed, send them again, one or all; everyone else is refused politely
// and nothing changes.
func TestAdminsResendFailedMessages(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.cmd(ana, secret, "/release subscribe billing") // private, the bot is not in it
		first := h.plan(ana, "billing 1.0.0", startIn(48*time.Hour), standardChange("billing"))
		second := h.plan(ana, "billing 1.1.0", startIn(48*time.Hour), standardChange("billing"))
		one, two := h.failedRow(first.ID, secret), h.failedRow(second.ID, secret)
		h.outboxIdle()

		// Help lists the commands under the admins' heading, after the rest.
		help := h.cmd(dan, releases, "/release help")
		admins := strings.Index(help, "*Admins*")
		if admins < 0 || strings.Index(help, "/release outbox failed") < admins || strings.Index(help, "/release outbox retry <id|all>") < admins ||
			strings.Index(help, "/release subscribe") > admins {
			t.Fatalf("help:\n%s", help)
		}

		// Not an admin: refused, nothing changes.
		for _, line := range []string{"/release outbox failed", "/release outbox retry all", fmt.Sprintf("/release outbox retry %d", one.ID)} {
			h.refused(h.typing(dan, releases, line), "Only admins can see or resend failed messages", "Nothing was changed")
		}
		if m := h.failedRow(first.ID, secret); m.Status != storage.OutboxFailed {
			t.Fatalf("a refused retry changed %s", m.Key)
		}

		list := h.cmdAnswer(admin, releases, "/release outbox failed")
		mustContain(t, list, "2 failed messages",
			fmt.Sprintf("*#%d* · subscriber notification to <#%s> · %s", one.ID, secret, first.Ref()),
			fmt.Sprintf("*#%d* · subscriber notification to <#%s> · %s", two.ID, secret, second.Ref()),
			"`not_in_channel`", "<!date^", "/release outbox retry <id>")
		newer, older := two, one
		if one.DueAt.After(two.DueAt) {
			newer, older = one, two
		}
		if strings.Index(list, fmt.Sprintf("#%d*", newer.ID)) > strings.Index(list, fmt.Sprintf("#%d*", older.ID)) {
			t.Fatalf("not most recent first:\n%s", list)
		}
		h.refused(h.typing(admin, releases, "/release outbox retry 99999"), "There is no failed message #99999", "Nothing was changed")
		h.refused(h.typing(admin, releases, "/release outbox retry R-1"), "`/release outbox retry 12`", "Nothing was changed")
		mustContain(t, h.cmdAnswer(admin, releases, "/release outbox failed two"), "takes a page number")

		// The bot is invited; the first is sent again by id, then the rest.
		h.slack.AddChannel(slackemu.Channel{ID: secret, Name: "secret", Private: true, Members: []string{"UBOT", ana, ben}})
		mustContain(t, h.cmdAnswer(admin, releases, fmt.Sprintf("/release outbox retry %d", one.ID)),
			fmt.Sprintf("Sending failed message #%d (subscriber notification to <#%s>) again", one.ID, secret))
		h.waitForMessage(inChannel(secret), first.Ref(), "was *planned*")
		h.outboxIdle()
		if m := h.failedRow(second.ID, secret); m.ID != two.ID {
			t.Fatalf("retrying #%d touched #%d", one.ID, m.ID)
		}
		mustContain(t, h.cmdAnswer(admin, releases, "/release outbox retry all"), "Sending failed message #"+fmt.Sprint(two.ID))
		h.waitForMessage(inChannel(secret), second.Ref(), "was *planned*")
		h.outboxIdle()
		exactlyOnce(t, "#secret", h.slack.Messages(secret), first.Ref(), "was *planned*")
		exactlyOnce(t, "#secret", h.slack.Messages(secret), second.Ref(), "was *planned*")
		for _, id := range []int64{first.ID, second.ID} {
			for _, m := range h.outboxRows(id, "notification") {
				if m.Status != storage.OutboxSent {
					t.Fatalf("%s: %s", m.Key, m.Status)
				}
			}
		}
		mustContain(t, h.cmdAnswer(admin, releases, "/release outbox failed"), "No failed messages")
		mustContain(t, h.cmdAnswer(admin, releases, "/release outbox retry all"), "no failed messages")

		// Each resend is in the release's audit trail, by whom.
		trail, err := h.store.AuditTrail(h.ctx(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range trail {
			if e.Action == "outbox retry" && e.Actor == admin && strings.Contains(e.Details, fmt.Sprintf("#%d", one.ID)) &&
				strings.Contains(e.Details, "not_in_channel") {
				found = true
			}
		}
		if !found {
			t.Fatalf("no audit entry for the resend: %+v", trail)
		}
	})
}
