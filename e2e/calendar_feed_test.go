package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
)

// A person's calendar feed shows the coming releases and freezes, follows
// moves and cancellations, parses with a standard iCalendar parser, and
// stops when revoked.
func TestCalendarFeed(t *testing.T) {
	eachDB(t, func(t *testing.T, dialect string) {
		h := start(t, options{dialect: dialect})
		h.refused(h.typing(ben, releases, "/release calendar feed please"), "Usage: `/release calendar feed`")
		h.refused(h.typing(ben, releases, "/release calendar feed revoke"), "You have no calendar feed to revoke.")

		first := h.plan(ana, "payments 2.4.0", daysAhead(3, "10:00"), with("title=\"Faster, safer; checkout\""), standardChange("payments"))
		second := h.plan(ana, "search 1.1.0", daysAhead(4, "11:00"), standardChange("search"))
		h.cmdAnswer(admin, releases, fmt.Sprintf("/release freeze add %s 00:00 %s 00:00 reason=\"Year-end, no changes; really\"", h.day(admin, 10), h.day(admin, 12)))
		h.cmdAnswer(ana, releases, fmt.Sprintf("/release cancel %s not needed", second.Ref()))

		answer := h.cmdAnswer(ben, releases, "/release calendar feed")
		m := regexp.MustCompile("`(/calendar\\.ics\\?token=rbc_[A-Za-z0-9_-]+)`").FindStringSubmatch(answer)
		if m == nil {
			t.Fatalf("no feed address in %q", answer)
		}
		feed := func() (int, string) { return h.get(m[1]) }
		status, body := feed()
		if status != http.StatusOK {
			t.Fatalf("feed: %d %s", status, body)
		}
		if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
			t.Errorf("a line ends without CR:\n%q", body)
		}
		for _, l := range strings.Split(body, "\r\n") {
			if len(l) > 75 {
				t.Errorf("line of %d octets: %q", len(l), l)
			}
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, body)
		}
		events := map[string]*ics.VEvent{}
		for _, e := range cal.Events() {
			events[e.Id()] = e
		}
		prop := func(uid string, p ics.ComponentProperty) string {
			e := events[uid]
			if e == nil {
				t.Fatalf("no event %s in\n%s", uid, body)
			}
			return e.GetProperty(p).Value
		}
		uid1, uid2 := fmt.Sprintf("release-%d@releasebot", first.ID), fmt.Sprintf("release-%d@releasebot", second.ID)
		if got := prop(uid1, ics.ComponentPropertySummary); got != "payments 2.4.0 (production)" {
			t.Errorf("summary %q", got)
		}
		if got := prop(uid2, ics.ComponentPropertyStatus); got != "CANCELLED" {
			t.Errorf("the cancelled release is %q", got)
		}
		start, err := events[uid1].GetStartAt()
		if want := h.release(first.ID).StartAt; err != nil || !start.Equal(want) {
			t.Errorf("start %v (%v), want %v", start, err, want)
		}
		var freeze *ics.VEvent
		for uid, e := range events {
			if strings.HasPrefix(uid, "freeze-") {
				freeze = e
			}
		}
		if freeze == nil || !strings.Contains(freeze.GetProperty(ics.ComponentPropertyDescription).Value, "Year-end, no changes; really") {
			t.Errorf("freeze event: %v", freeze)
		}
		seq := prop(uid1, ics.ComponentPropertySequence)

		// A move raises the SEQUENCE under the same UID.
		h.cmdAnswer(ana, releases, fmt.Sprintf("/release reschedule %s %s 14:00", first.Ref(), h.day(ana, 5)))
		_, body = feed()
		again, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range again.Events() {
			if e.Id() == uid1 && e.GetProperty(ics.ComponentPropertySequence).Value <= seq {
				t.Errorf("SEQUENCE %s after a move, %s before", e.GetProperty(ics.ComponentPropertySequence).Value, seq)
			}
		}
		// It round-trips: serialised again, it parses to the same events.
		back, err := ics.ParseCalendar(strings.NewReader(again.Serialize()))
		if err != nil || len(back.Events()) != len(again.Events()) {
			t.Errorf("round trip: %v, %d events of %d", err, len(back.Events()), len(again.Events()))
		}

		h.cmdAnswer(ben, releases, "/release calendar feed revoke")
		if status, _ := feed(); status != http.StatusUnauthorized {
			t.Errorf("a revoked feed answers %d", status)
		}
		if status, _ := h.get("/calendar.ics?token=rbc_guess"); status != http.StatusUnauthorized {
			t.Errorf("a guessed token answers %d", status)
		}
	})
}
