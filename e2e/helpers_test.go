package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// The one dialect every end-to-end test speaks, on top of harness_test.go
// (which starts the bot and the emulator): dates from the bot's clock in
// each user's zone, planning a release, reading the database, waiting for
// a message and for the outbox, and expecting a refusal.

// Mentions of the workspace's people and group as Slack sends them with
// escaping on.
const (
	anaM   = "<@U0ANA|ana>"
	benM   = "<@U0BEN|ben>"
	catM   = "<@U0CAT|cat>"
	danM   = "<@U0DAN|dan>"
	adminM = "<@U0ADMIN|ada>"
	cabM   = "<!subteam^S0CAB|@cab>"
)

// zoneOf is user's Slack time zone in the standard workspace; people a test
// adds on its own are in UTC.
func zoneOf(t testing.TB, user string) *time.Location {
	t.Helper()
	name := "UTC"
	for _, p := range people {
		if p.ID == user && p.TZ != "" {
			name = p.TZ
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone of %s: %v", user, err)
	}
	return loc
}

// day is the date n days after the bot's today in user's zone, as user
// types it.
func (h *harness) day(user string, n int) string {
	h.t.Helper()
	return h.clock.Now().In(zoneOf(h.t, user)).AddDate(0, 0, n).Format("2006-01-02")
}

// instant is the moment user means by typing date and hh:mm in their zone.
func (h *harness) instant(user, date, hhmm string) time.Time {
	h.t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", date+" "+hhmm, zoneOf(h.t, user))
	if err != nil {
		h.t.Fatalf("%s %s: %v", date, hhmm, err)
	}
	return at.UTC()
}

// fromNow is the minute after the bot's now plus d (commands take HH:MM),
// as user types it and as the moment it means.
func (h *harness) fromNow(user string, d time.Duration) (string, time.Time) {
	h.t.Helper()
	at := h.clock.Now().Add(d).Truncate(time.Minute).Add(time.Minute)
	return typedAt(h.t, user, at), at.UTC()
}

// typedAt is how user types the moment at: "YYYY-MM-DD HH:MM" in their zone.
func typedAt(t testing.TB, user string, at time.Time) string {
	t.Helper()
	return at.In(zoneOf(t, user)).Format("2006-01-02 15:04")
}

// slackDate is how messages show a moment: the start of Slack's date token.
func slackDate(at time.Time) string { return fmt.Sprintf("<!date^%d^", at.Unix()) }

// pickerValue is a datetimepicker's value for a moment.
func pickerValue(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }

// planned is a release a test planned with /release new.
type planned struct {
	ID    int64
	Reply string    // what the planner saw
	Start time.Time // when a start option chose it; zero otherwise
}

// Ref is the release's id as messages and commands write it.
func (p planned) Ref() string { return ref(p.ID) }

// ref writes a release id as messages and commands do: R-17.
func ref(id int64) string { return fmt.Sprintf("R-%d", id) }

// planLine is the /release new a test is about to type.
type planLine struct {
	channel string
	when    string
	start   time.Time
	options string
}

// A planOption shapes the /release new line plan types.
type planOption func(h *harness, user string, l *planLine)

// from types the command in channel instead of #releases.
func from(channel string) planOption {
	return func(_ *harness, _ string, l *planLine) { l.channel = channel }
}

// daysAhead starts the release n days after the bot's today at hh:mm, both
// in the planner's zone.
func daysAhead(n int, hhmm string) planOption {
	return func(h *harness, user string, l *planLine) { on(h.day(user, n), hhmm)(h, user, l) }
}

// on starts the release on date at hh:mm, as the planner types them.
func on(date, hhmm string) planOption {
	return func(h *harness, user string, l *planLine) {
		l.when, l.start = date+" "+hhmm, h.instant(user, date, hhmm)
	}
}

// startIn starts the release at the minute after the bot's now plus d.
func startIn(d time.Duration) planOption {
	return func(h *harness, user string, l *planLine) { l.when, l.start = h.fromNow(user, d) }
}

// with adds key=value options to the line.
func with(options string) planOption {
	return func(_ *harness, _ string, l *planLine) { l.options = options }
}

// standardChange makes the release a standard change of service's routine
// template, which an admin adds to the catalogue the first time; put it
// after with().
func standardChange(service string) planOption {
	return func(h *harness, _ string, l *planLine) {
		l.options = strings.TrimSpace(l.options + " type=standard template=" + h.routineTemplate(service))
	}
}

// routineTemplate is the name of service's routine standard-change
// template, which an admin adds to the catalogue the first time.
func (h *harness) routineTemplate(service string) string {
	h.t.Helper()
	name := service + "-routine"
	var n int64
	if err := h.store.Gorm(context.Background()).Model(&storage.StandardTemplate{}).Where("name = ?", name).Count(&n).Error; err != nil {
		h.t.Fatalf("standard templates: %v", err)
	}
	if n == 0 {
		reply := h.cmdAnswer(admin, releases, "/release standard add "+name+" service="+service+` max-risk=high "Routine deploys"`)
		mustContain(h.t, reply, "Added standard-change template")
	}
	return name
}

var plannedID = regexp.MustCompile(`\*R-(\d+)\*`)

// plan types "/release new <release> <start> <options>" as user and fails
// unless the answer says the release was planned. release is "<service>
// <version>"; without a start option it must hold the date and time too.
func (h *harness) plan(user, release string, opts ...planOption) planned {
	h.t.Helper()
	l := planLine{channel: releases}
	for _, o := range opts {
		o(h, user, &l)
	}
	line := "/release new " + release
	for _, part := range []string{l.when, l.options} {
		if part != "" {
			line += " " + part
		}
	}
	reply := h.cmdAnswer(user, l.channel, line)
	m := plannedID.FindStringSubmatch(reply)
	if m == nil || !strings.Contains(reply, "Planned") {
		h.t.Fatalf("%s typed %q and planned nothing:\n%s", user, line, reply)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return planned{ID: id, Reply: reply, Start: l.start}
}

// release reads a release row as the database holds it.
func (h *harness) release(id int64) *storage.Release {
	h.t.Helper()
	r, err := h.store.Release(context.Background(), id)
	if err != nil {
		h.t.Fatalf("read R-%d: %v", id, err)
	}
	return r
}

// waitForStatus waits until the release has the status.
func (h *harness) waitForStatus(id int64, status string) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("R-%d to be %s", id, status), func() bool { return h.release(id).Status == status })
}

// rounds reads a release's approval rounds with approvers and decisions.
func (h *harness) rounds(id int64) []storage.ApprovalRound {
	h.t.Helper()
	rs, err := h.store.Rounds(context.Background(), id)
	if err != nil {
		h.t.Fatalf("rounds of R-%d: %v", id, err)
	}
	return rs
}

// roundStates lists a release's rounds as "number:status", comma-separated.
func (h *harness) roundStates(id int64) string {
	h.t.Helper()
	var out []string
	for _, r := range h.rounds(id) {
		out = append(out, fmt.Sprintf("%d:%s", r.Number, r.Status))
	}
	return strings.Join(out, ",")
}

// approverIDs lists the user ids a round asks, in its order.
func approverIDs(r storage.ApprovalRound) []string {
	var out []string
	for _, a := range r.Approvers {
		out = append(out, a.UserID)
	}
	return out
}

// sortedIDs is ids in order, nil when empty.
func sortedIDs(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// audit reads the audit trail of a release (of everything with 0), oldest
// first.
func (h *harness) audit(id int64) []storage.AuditEntry {
	h.t.Helper()
	var entries []storage.AuditEntry
	q := h.store.Gorm(context.Background()).Order("id")
	if id != 0 {
		q = q.Where("release_id = ?", id)
	}
	if err := q.Find(&entries).Error; err != nil {
		h.t.Fatalf("audit trail: %v", err)
	}
	return entries
}

// auditActions lists the audit trail's actions, comma-separated.
func (h *harness) auditActions(id int64) string {
	h.t.Helper()
	var out []string
	for _, e := range h.audit(id) {
		out = append(out, e.Action)
	}
	return strings.Join(out, ",")
}

// auditLines lists the audit trail as "actor action details" lines.
func (h *harness) auditLines(id int64) []string {
	h.t.Helper()
	var out []string
	for _, e := range h.audit(id) {
		out = append(out, e.Actor+" "+e.Action+" "+e.Details)
	}
	return out
}

// outboxRows lists the outbox rows of a release (of every release with 0)
// of the given kinds (of every kind with none).
func (h *harness) outboxRows(id int64, kinds ...string) []storage.OutboxMessage {
	h.t.Helper()
	rows, err := h.store.OutboxMessages(context.Background(), id, kinds...)
	if err != nil {
		h.t.Fatalf("outbox rows: %v", err)
	}
	return rows
}

// outboxIdle waits until the outbox has nothing left to do now or soon:
// nothing being sent, nothing waiting to be tried again or for the message
// it belongs to, nothing due within a minute. Reminders further ahead do
// not count. Tests wait for it before moving the clock, counting what was
// delivered, or taking a snapshot.
func (h *harness) outboxIdle() {
	h.t.Helper()
	h.eventually("the outbox to be idle", func() bool {
		var busy int64
		err := h.store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).
			Where("status = ? OR (status = ? AND (due_at <= ? OR last_error <> ''))",
				storage.OutboxSending, storage.OutboxPending, h.clock.Now().UTC().Add(time.Minute)).
			Count(&busy).Error
		if err != nil {
			h.t.Fatalf("outbox: %v", err)
		}
		return busy == 0
	})
}

// snapshotModels are the tables a user's command, click or form can change.
var snapshotModels = []any{
	&storage.Release{}, &storage.ReleaseComponent{}, &storage.ApprovalPolicy{}, &storage.ApprovalRound{},
	&storage.RoundApprover{}, &storage.ApprovalDecision{}, &storage.FreezeWindow{}, &storage.Subscription{},
	&storage.Stakeholder{}, &storage.AuditEntry{}, &storage.OutboxMessage{},
	&storage.Survey{}, &storage.SurveyInvite{}, &storage.SurveyResponse{}, &storage.Review{}, &storage.ReviewAction{},
	&storage.APIToken{}, &storage.ReadinessCheck{}, &storage.Incident{}, &storage.LiveVersion{},
	&storage.StandardTemplate{},
}

// snapshot dumps every row of those tables once the outbox is idle (its
// deliveries change rows too); two equal snapshots mean nothing changed.
func (h *harness) snapshot() string {
	h.t.Helper()
	h.outboxIdle()
	db := h.store.Gorm(context.Background())
	var b strings.Builder
	for _, model := range snapshotModels {
		var rows []map[string]any
		if err := db.Model(model).Order("id").Find(&rows).Error; err != nil {
			h.t.Fatalf("snapshot %T: %v", model, err)
		}
		js, err := json.Marshal(rows)
		if err != nil {
			h.t.Fatalf("snapshot %T: %v", model, err)
		}
		fmt.Fprintf(&b, "%T (%d rows): %s\n", model, len(rows), js)
	}
	return b.String()
}

// unchanged fails when the database differs from the snapshot before.
func (h *harness) unchanged(before, what string) {
	h.t.Helper()
	if after := h.snapshot(); after != before {
		h.t.Fatalf("%s changed the database:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// An act is something a user does that gets an answer only they see.
type act struct {
	user, what string
	do         func() string // does it and returns the answer
}

// typing is user typing line in channel.
func (h *harness) typing(user, channel, line string) act {
	return act{user: user, what: fmt.Sprintf("%q by %s", line, user), do: func() string { return h.cmdAnswer(user, channel, line) }}
}

// clicking is user pressing the button labelled label on m.
func (h *harness) clicking(user string, m slackemu.Message, label string) act {
	return act{user: user, what: fmt.Sprintf("a %q click by %s", label, user), do: func() string { return h.click(user, m, label) }}
}

// refused does a and expects a refusal: an answer holding every part, no
// apology for a failure, no modal opened and the database as it was.
func (h *harness) refused(a act, parts ...string) string {
	h.t.Helper()
	before := h.snapshot()
	modals := h.slack.As(a.user).Modals()
	answer := a.do()
	mustContain(h.t, answer, parts...)
	mustNotContain(h.t, answer, "Sorry, something went wrong")
	if now := h.slack.As(a.user).Modals(); len(now) > len(modals) {
		h.t.Fatalf("the refused %s opened a modal", a.what)
	}
	h.unchanged(before, "the refused "+a.what)
	return answer
}

// A place is where a user sees messages.
type place struct {
	name string
	list func(*slackemu.Server) []slackemu.Message
}

// inChannel is a channel's top-level messages.
func inChannel(channel string) place {
	return place{"#" + channel, func(s *slackemu.Server) []slackemu.Message { return s.Messages(channel) }}
}

// inThread is the replies in a message's thread.
func inThread(channel, ts string) place {
	return place{"the thread " + ts, func(s *slackemu.Server) []slackemu.Message { return s.Replies(channel, ts) }}
}

// dmsTo is the bot's messages to user in their DM.
func dmsTo(user string) place {
	return place{"the DMs to " + user, func(s *slackemu.Server) []slackemu.Message { return s.As(user).DMs() }}
}

// ephemeralsTo is what only user sees in channel.
func ephemeralsTo(user, channel string) place {
	return place{"the ephemerals to " + user + " in " + channel, func(s *slackemu.Server) []slackemu.Message { return s.As(user).Ephemerals(channel) }}
}

// waitForMessage waits for a message in p holding every part and returns
// the first such message.
func (h *harness) waitForMessage(p place, parts ...string) slackemu.Message {
	h.t.Helper()
	var found slackemu.Message
	h.waitFor(fmt.Sprintf("a message in %s with %q", p.name, parts), func() bool {
		for _, m := range p.list(h.slack) {
			if containsAll(m.Content(), parts) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// current re-reads a message as users see it now.
func (h *harness) current(m slackemu.Message) slackemu.Message {
	h.t.Helper()
	cur, ok := h.slack.Message(m.Channel, m.TS)
	if !ok {
		h.t.Fatalf("message %s in %s is gone", m.TS, m.Channel)
	}
	return cur
}

// waitUntilShows waits until message m, as users see it, holds every part
// and returns it then.
func (h *harness) waitUntilShows(m slackemu.Message, parts ...string) slackemu.Message {
	h.t.Helper()
	var cur slackemu.Message
	h.waitFor(fmt.Sprintf("message %s to show %q", m.TS, parts), func() bool {
		var ok bool
		cur, ok = h.slack.Message(m.Channel, m.TS)
		return ok && containsAll(cur.Content(), parts)
	})
	return cur
}

// dm is user's DM with the given ts, as it is now.
func (h *harness) dm(user, ts string) slackemu.Message {
	h.t.Helper()
	m, ok := h.slack.Message(h.slack.IMChannel(user), ts)
	if !ok {
		h.t.Fatalf("no DM %s for %s", ts, user)
	}
	return m
}

// announcement waits for the release's announcement in channel holding
// every part.
func (h *harness) announcement(channel string, id int64, parts ...string) slackemu.Message {
	h.t.Helper()
	return h.waitForMessage(inChannel(channel), append([]string{ref(id) + " · "}, parts...)...)
}

// click presses a button as user and returns the answer the user sees
// where they clicked (the DM for a DM, the channel for a channel message).
func (h *harness) click(user string, m slackemu.Message, label string) string {
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

// reject clicks Reject on m as user and submits reason in the modal; it
// returns the modal's submission result.
func (h *harness) reject(user string, m slackemu.Message, reason string) slackemu.SubmitResult {
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

// setPolicy runs /release policy set as the admin and checks it was set.
func (h *harness) setPolicy(args string) string {
	h.t.Helper()
	reply := h.cmdAnswer(admin, releases, "/release policy set "+args)
	mustContain(h.t, reply, "Policy set")
	return reply
}

// approvalsList runs /release approvals as user and returns the list.
func (h *harness) approvalsList(user, channel string) slackemu.Message {
	h.t.Helper()
	before := len(h.slack.As(user).Ephemerals(channel))
	h.cmdAnswer(user, channel, "/release approvals")
	eph := h.slack.As(user).Ephemerals(channel)
	if len(eph) <= before {
		h.t.Fatalf("no answer to /release approvals")
	}
	return eph[len(eph)-1]
}

// approvalRequest waits for user's approval request DM of a release.
func (h *harness) approvalRequest(user string, id int64) slackemu.Message {
	h.t.Helper()
	return h.waitForMessage(dmsTo(user), "asks for your approval", ref(id)+" ·")
}

// approvalRequests lists user's approval request DMs of a release so far.
func (h *harness) approvalRequests(user string, id int64) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range h.slack.As(user).DMs() {
		if containsAll(m.Content(), []string{"asks for your approval", ref(id) + " ·"}) {
			out = append(out, m)
		}
	}
	return out
}

// latestRequest waits for user's approval request DM of a release and
// returns the newest.
func (h *harness) latestRequest(user string, id int64) slackemu.Message {
	h.t.Helper()
	h.approvalRequest(user, id)
	reqs := h.approvalRequests(user, id)
	return reqs[len(reqs)-1]
}

// approve waits for user's request DM of the release that still offers the
// buttons, clicks Approve there and returns the answer.
func (h *harness) approve(user string, id int64) string {
	h.t.Helper()
	var open slackemu.Message
	h.waitFor(fmt.Sprintf("%s's open request for R-%d", user, id), func() bool {
		for _, m := range h.approvalRequests(user, id) {
			for _, b := range m.Buttons() {
				if b.Label == "Approve" {
					open = m
					return true
				}
			}
		}
		return false
	})
	return h.click(user, open, "Approve")
}

// count counts the messages holding every part.
func count(msgs []slackemu.Message, parts ...string) int {
	n := 0
	for _, m := range msgs {
		if containsAll(m.Content(), parts) {
			n++
		}
	}
	return n
}

// exactlyOnce fails unless exactly one of msgs holds every part.
func exactlyOnce(t testing.TB, where string, msgs []slackemu.Message, parts ...string) {
	t.Helper()
	if n := count(msgs, parts...); n != 1 {
		var all []string
		for _, m := range msgs {
			all = append(all, m.Text)
		}
		t.Fatalf("%s: %d messages with %q, want 1; messages:\n%s", where, n, parts, strings.Join(all, "\n"))
	}
}

// postsTo counts the successful chat.postMessage calls to channel (a user
// id for DMs) whose text holds text.
func postsTo(s *slackemu.Server, channel, text string) int {
	n := 0
	for _, c := range s.Calls("chat.postMessage") {
		if c.Error == "" && c.HTTPStatus == 200 && c.Params["channel"] == channel && strings.Contains(c.Params["text"], text) {
			n++
		}
	}
	return n
}

// lastCall is the newest chat.postMessage call.
func lastCall(s *slackemu.Server) slackemu.Call {
	calls := s.Calls("chat.postMessage")
	return calls[len(calls)-1]
}

func containsAll(text string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(text, p) {
			return false
		}
	}
	return true
}

// mustContain fails unless every part appears in text.
func mustContain(t testing.TB, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("expected %q in:\n%s", p, text)
		}
	}
}

// mustNotContain fails if any part appears in text.
func mustNotContain(t testing.TB, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(text, p) {
			t.Fatalf("did not expect %q in:\n%s", p, text)
		}
	}
}
