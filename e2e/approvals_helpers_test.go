package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// Helpers of the approval tests (issue 5).

type slackMessage = slackemu.Message

// Mentions as Slack sends them with escaping on.
const (
	apAnaM   = "<@U0ANA|ana>"
	apBenM   = "<@U0BEN|ben>"
	apCatM   = "<@U0CAT|cat>"
	apDanM   = "<@U0DAN|dan>"
	apAdminM = "<@U0ADMIN|ada>"
	apCabM   = "<!subteam^S0CAB|@cab>"
)

// day is a date n days from now, as /release new reads it.
func apDay(n int) string { return time.Now().AddDate(0, 0, n).Format("2006-01-02") }

var apReleaseID = regexp.MustCompile(`\*R-(\d+)\*`)

// plan creates a release as user with /release new and returns its id and
// the reply.
func (h *harness) apNew(user, svc, version string, days int, hhmm string, extra string) (int64, string) {
	h.t.Helper()
	line := fmt.Sprintf("/release new %s %s %s %s %s", svc, version, apDay(days), hhmm, extra)
	reply := h.cmdAnswer(user, releases, strings.TrimSpace(line))
	m := apReleaseID.FindStringSubmatch(reply)
	if m == nil || !strings.Contains(reply, "Planned") {
		h.t.Fatalf("%q did not plan a release:\n%s", line, reply)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, reply
}

// rounds reads a release's rounds with approvers and decisions.
func (h *harness) apRounds(id int64) []storage.ApprovalRound {
	h.t.Helper()
	rs, err := h.store.Rounds(context.Background(), id)
	if err != nil {
		h.t.Fatalf("rounds of R-%d: %v", id, err)
	}
	return rs
}

// roundApprovers lists the user ids asked in a round, in order.
func apApprovers(r storage.ApprovalRound) []string {
	var out []string
	for _, a := range r.Approvers {
		out = append(out, a.UserID)
	}
	return out
}

// announcement waits for the release's announcement in #releases.
func (h *harness) apAnnouncement(id int64) slackemu.Message {
	h.t.Helper()
	return h.channelMessage(releases, fmt.Sprintf("R-%d ·", id))
}

// current re-reads a message as users see it now.
func (h *harness) apCurrent(m slackemu.Message) slackemu.Message {
	h.t.Helper()
	cur, ok := h.slack.Message(m.Channel, m.TS)
	if !ok {
		h.t.Fatalf("message %s in %s is gone", m.TS, m.Channel)
	}
	return cur
}

// request waits for user's approval request DM of a release.
func (h *harness) apRequest(user string, id int64) slackemu.Message {
	h.t.Helper()
	return h.dmContaining(user, "asks for your approval", fmt.Sprintf("R-%d ·", id))
}

// requests counts user's approval request DMs of a release.
func (h *harness) apRequests(user string, id int64) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range h.slack.As(user).DMs() {
		if containsAll(m.Content(), []string{"asks for your approval", fmt.Sprintf("R-%d ·", id)}) {
			out = append(out, m)
		}
	}
	return out
}

// click presses a button as user and returns the ephemeral answer the user
// sees where they clicked (the DM for a DM, the channel for a channel
// message).
func (h *harness) apClick(user string, m slackemu.Message, label string) string {
	h.t.Helper()
	before := len(h.slack.As(user).Ephemerals(m.Channel))
	if _, err := h.slack.As(user).Click(h.ctx(), m, label); err != nil {
		h.t.Fatalf("%s clicks %q: %v", user, label, err)
	}
	var answer string
	h.waitFor(fmt.Sprintf("the answer to %s's %q click", user, label), func() bool {
		eph := h.slack.As(user).Ephemerals(m.Channel)
		if len(eph) > before {
			answer = eph[len(eph)-1].Content()
			return true
		}
		return false
	})
	return answer
}

// reject clicks Reject on m and submits the reason in the modal; it returns
// the modal's submission result.
func (h *harness) apReject(user string, m slackemu.Message, reason string) slackemu.SubmitResult {
	h.t.Helper()
	if _, err := h.slack.As(user).Click(h.ctx(), m, "Reject"); err != nil {
		h.t.Fatalf("%s clicks Reject: %v", user, err)
	}
	h.waitFor("the reject modal", func() bool { _, ok := h.slack.As(user).Modal(); return ok })
	res, err := h.slack.As(user).Submit(h.ctx(), map[string]string{"Reason": reason})
	if err != nil {
		h.t.Fatalf("%s submits the reject modal: %v", user, err)
	}
	return res
}

// ephemeralIn waits for an ephemeral to user in channel containing parts.
func (h *harness) apEphemeral(user, channel string, parts ...string) slackemu.Message {
	h.t.Helper()
	var found slackemu.Message
	h.waitFor(fmt.Sprintf("an ephemeral to %s in %s with %q", user, channel, parts), func() bool {
		for _, m := range h.slack.As(user).Ephemerals(channel) {
			if containsAll(m.Content(), parts) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// countDMs counts user's DMs containing every part.
func (h *harness) apCountDMs(user string, parts ...string) int {
	n := 0
	for _, m := range h.slack.As(user).DMs() {
		if containsAll(m.Content(), parts) {
			n++
		}
	}
	return n
}

// apTables are the tables an approval decision can change.
var apTables = []string{"releases", "approval_rounds", "round_approvers", "approval_decisions", "audit_entries", "outbox_messages", "approval_policies"}

// snapshot dumps the approval tables once the outbox has settled, for
// before/after comparisons of refused clicks.
func (h *harness) apSnapshot() string {
	h.t.Helper()
	h.apQuiet()
	var b strings.Builder
	for _, table := range apTables {
		var rows []map[string]any
		if err := h.store.Gorm(context.Background()).Table(table).Order("id").Find(&rows).Error; err != nil {
			h.t.Fatalf("snapshot %s: %v", table, err)
		}
		js, err := json.Marshal(rows)
		if err != nil {
			h.t.Fatalf("snapshot %s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s (%d rows): %s\n", table, len(rows), js)
	}
	return b.String()
}

// apQuiet waits until the outbox has nothing left to do soon: nothing
// being sent and nothing due within a minute (messages waiting a moment for
// the message they belong to included; reminders days ahead excluded).
func (h *harness) apQuiet() {
	h.t.Helper()
	h.eventually("the outbox to go quiet", func() bool {
		var busy int64
		err := h.store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).
			Where("(status = ? AND due_at <= ?) OR status = ?", storage.OutboxPending, h.clock.Now().UTC().Add(time.Minute), storage.OutboxSending).
			Count(&busy).Error
		if err != nil {
			h.t.Fatalf("outbox: %v", err)
		}
		return busy == 0
	})
}

// refused clicks label on m as user, expects a refusal containing parts,
// and checks the database did not change.
func (h *harness) apRefused(user string, m slackemu.Message, label string, parts ...string) string {
	h.t.Helper()
	before := h.apSnapshot()
	answer := h.apClick(user, m, label)
	apContain(h.t, answer, parts...)
	if _, open := h.slack.As(user).Modal(); open {
		h.t.Fatalf("a refused %q click opened a modal for %s", label, user)
	}
	if after := h.apSnapshot(); after != before {
		h.t.Fatalf("a refused %q click by %s changed the database:\nbefore:\n%s\nafter:\n%s", label, user, before, after)
	}
	return answer
}

func apContain(t testing.TB, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("expected %q in:\n%s", p, text)
		}
	}
}

// audit reads the release's audit trail as "actor action details" lines.
func (h *harness) apAudit(id int64) []string {
	h.t.Helper()
	trail, err := h.store.AuditTrail(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range trail {
		out = append(out, e.Actor+" "+e.Action+" "+e.Details)
	}
	return out
}

// setPolicy runs /release policy set as the admin and checks it was set.
func (h *harness) apPolicy(args string) string {
	h.t.Helper()
	reply := h.cmdAnswer(admin, releases, "/release policy set "+args)
	apContain(h.t, reply, "Policy set")
	return reply
}

// apLatestRequest is user's newest approval request DM of a release.
func (h *harness) apLatestRequest(user string, id int64) slackemu.Message {
	h.t.Helper()
	h.apRequest(user, id)
	reqs := h.apRequests(user, id)
	return reqs[len(reqs)-1]
}

// apApprove approves in user's request DM of the release that still
// offers the buttons (waiting for it to arrive) and returns the answer.
func (h *harness) apApprove(user string, id int64) string {
	h.t.Helper()
	var open slackemu.Message
	h.waitFor(fmt.Sprintf("%s's open request for R-%d", user, id), func() bool {
		for _, m := range h.apRequests(user, id) {
			for _, b := range m.Buttons() {
				if b.Label == "Approve" {
					open = m
					return true
				}
			}
		}
		return false
	})
	return h.apClick(user, open, "Approve")
}

// apStatus waits until the release has the status.
func (h *harness) apStatus(id int64, status string) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("R-%d to be %s", id, status), func() bool { return h.release(id).Status == status })
}
