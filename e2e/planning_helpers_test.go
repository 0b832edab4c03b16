package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// Helpers of the planning tests (issue 4); they start with "pl" so they
// cannot clash with other areas' helpers in this package.

// plZone is the user's Slack time zone in the test workspace.
func plZone(t *testing.T, user string) *time.Location {
	t.Helper()
	name := map[string]string{ana: "Europe/Berlin", ben: "America/New_York"}[user]
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// plDate is the calendar day n days after the bot's today, as user types
// it, and plAt the instant user means by that day and hh:mm.
func plDate(t *testing.T, h *harness, user string, n int) string {
	t.Helper()
	return h.clock.Now().In(plZone(t, user)).AddDate(0, 0, n).Format("2006-01-02")
}

func plAt(t *testing.T, user, date, hhmm string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, plZone(t, user))
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// plSlackDate is how messages show an instant: Slack's date syntax.
func plSlackDate(at time.Time) string { return fmt.Sprintf("<!date^%d^", at.Unix()) }

var plIDPattern = regexp.MustCompile(`\*R-(\d+)\*`)

// plNew plans a release by command and returns its id and the reply.
func plNew(t *testing.T, h *harness, user, channel, args string) (int64, string) {
	t.Helper()
	reply := h.cmdAnswer(user, channel, "/release new "+args)
	m := plIDPattern.FindStringSubmatch(reply)
	if m == nil || !strings.Contains(reply, "Planned") {
		t.Fatalf("%s could not plan %q:\n%s", user, args, reply)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, reply
}

// plRounds lists a release's approval rounds as "number:status".
func plRounds(t *testing.T, h *harness, id int64) string {
	t.Helper()
	var rounds []storage.ApprovalRound
	if err := h.store.Gorm(context.Background()).Where("release_id = ?", id).Order("number").Find(&rounds).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rounds {
		out = append(out, fmt.Sprintf("%d:%s", r.Number, r.Status))
	}
	return strings.Join(out, ",")
}

// plSnapshot is what the planning commands may change in the database:
// every release with its components, rounds, freezes, audit entries and
// outbox messages. Two equal snapshots mean nothing was changed.
func plSnapshot(t *testing.T, h *harness) string {
	t.Helper()
	db := h.store.Gorm(context.Background())
	var b strings.Builder
	var rels []storage.Release
	if err := db.Preload("Components").Order("id").Find(&rels).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		fmt.Fprintf(&b, "R-%d %s %s %s %s %s %s %s–%s %s owner=%s rev=%d %q %q %q %q %v %d\n", r.ID, r.Service, r.Version, r.Environment, r.Type, r.Risk,
			r.Status, r.StartAt.UTC().Format(time.RFC3339), r.EndAt.UTC().Format(time.RFC3339), r.Channel, r.OwnerID, r.Revision,
			r.Title, r.Impact, r.RollbackPlan, r.FreezeReason, r.RetroReview, len(r.Components))
	}
	var freezes []storage.FreezeWindow
	if err := db.Order("id").Find(&freezes).Error; err != nil {
		t.Fatal(err)
	}
	for _, f := range freezes {
		fmt.Fprintf(&b, "F-%d %s %s–%s %q\n", f.ID, f.Environment, f.StartAt.UTC().Format(time.RFC3339), f.EndAt.UTC().Format(time.RFC3339), f.Reason)
	}
	for _, table := range []any{&storage.ReleaseComponent{}, &storage.ApprovalRound{}, &storage.AuditEntry{}, &storage.OutboxMessage{}} {
		var n int64
		if err := db.Model(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%T: %d\n", table, n)
	}
	return b.String()
}

// plUnchanged fails when the database differs from before.
func plUnchanged(t *testing.T, h *harness, before, what string) {
	t.Helper()
	if after := plSnapshot(t, h); after != before {
		t.Fatalf("%s changed the database:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// plRefused runs a command that must be refused with every part in the
// answer and no change to the database.
func plRefused(t *testing.T, h *harness, user, channel, line string, parts ...string) string {
	t.Helper()
	before := plSnapshot(t, h)
	reply := h.cmdAnswer(user, channel, line)
	mustContain(t, reply, parts...)
	mustNotContain(t, reply, "Sorry, something went wrong")
	plUnchanged(t, h, before, line)
	return reply
}

// plAnnouncement waits for the release's announcement in channel.
func plAnnouncement(t *testing.T, h *harness, channel string, id int64, parts ...string) slackemu.Message {
	t.Helper()
	return h.channelMessage(channel, append([]string{fmt.Sprintf("R-%d · ", id)}, parts...)...)
}

// plCurrent waits until the stored version of m contains every part and
// returns it.
func plCurrent(t *testing.T, h *harness, m slackemu.Message, parts ...string) slackemu.Message {
	t.Helper()
	var cur slackemu.Message
	h.waitFor(fmt.Sprintf("message %s to show %q", m.TS, parts), func() bool {
		var ok bool
		cur, ok = h.slack.Message(m.Channel, m.TS)
		return ok && containsAll(cur.Content(), parts)
	})
	return cur
}

// plAudit lists a release's audit actions in order.
func plAudit(t *testing.T, h *harness, id int64) string {
	t.Helper()
	trail, err := h.store.AuditTrail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range trail {
		out = append(out, e.Action)
	}
	return strings.Join(out, ",")
}

// plUnix is a datetimepicker value.
func plUnix(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }
