package planning

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

var goldenStart = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // Monday 09:00 in Berlin

func goldenRelease(id int64, service, version, env string, start time.Time, d time.Duration, status string) storage.Release {
	return storage.Release{ID: id, Service: service, Version: version, Environment: env, Type: "normal", Risk: "medium",
		OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES", StartAt: start, EndAt: start.Add(d), Status: status}
}

func TestGoldenListPage(t *testing.T) {
	var rows []storage.Release
	statuses := []string{"planned", "approved", "rejected", "in_progress"}
	for i := range listPageSize {
		r := goldenRelease(int64(100+i), "billing", fmt.Sprintf("2.%d.0", i), []string{"production", "staging"}[i%2],
			goldenStart.Add(time.Duration(i)*6*time.Hour), time.Hour, statuses[i%len(statuses)])
		rows = append(rows, r)
	}
	resp := listMessage(listQuery{Scope: "upcoming", Service: "billing", Offset: 20}, rows, 45)
	golden.Compare(t, "list_page", bot.Message{Text: resp.Text, Blocks: resp.Blocks})

	more := findButton(t, resp.Blocks, "More (5 left)")
	q, err := decodeListQuery(more.Value)
	if err != nil || q != (listQuery{Scope: "upcoming", Service: "billing", Offset: 40}) {
		t.Fatalf("the More button asks for %+v, %v", q, err)
	}

	last := listMessage(listQuery{Scope: "all", Offset: 40}, rows[:5], 45)
	golden.Check(t, bot.Message{Text: last.Text, Blocks: last.Blocks})
	if s := mustMarshal(t, last); strings.Contains(s, "More") || !strings.Contains(s, "41–45 of 45") {
		t.Fatalf("last page: %s", s)
	}
	if r := listMessage(listQuery{Scope: "recent"}, nil, 0); r.Text != "No recent releases. Plan one with `/release new`." {
		t.Fatalf("empty list: %q", r.Text)
	}
	if r := listMessage(listQuery{Scope: "all", Offset: 60}, nil, 45); !strings.Contains(r.Text, "No more all releases") && !strings.Contains(r.Text, "all 45 are shown") {
		t.Fatalf("past the end: %q", r.Text)
	}
}

func TestGoldenCalendar(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)
	rows := []storage.Release{
		goldenRelease(1, "billing", "2.3.0", "production", goldenStart, time.Hour, "approved"),
		goldenRelease(2, "search", "1.0.0", "staging", goldenStart.Add(2*time.Hour), 2*time.Hour, "planned"),
		goldenRelease(3, "auth", "4.1.0", "production", goldenStart.Add(48*time.Hour), 30*time.Minute, "in_progress"),
		goldenRelease(4, "billing", "2.2.9", "production", goldenStart.Add(-4*time.Hour), 5*time.Hour, "in_progress"), // began before the calendar
	}
	for i := range 20 { // a busy Thursday
		rows = append(rows, goldenRelease(int64(10+i), fmt.Sprintf("svc-%02d", i), "1.0", "development", goldenStart.Add(72*time.Hour+time.Duration(i)*10*time.Minute), 10*time.Minute, "planned"))
	}
	freezes := []storage.FreezeWindow{
		{ID: 1, StartAt: goldenStart.Add(4*24*time.Hour + 10*time.Hour), EndAt: goldenStart.Add(7 * 24 * time.Hour), Reason: "Quarter close & audit", CreatedBy: "U0ADMIN"},
		{ID: 2, Environment: "staging", StartAt: goldenStart.Add(24 * time.Hour), EndAt: goldenStart.Add(26 * time.Hour), Reason: "Staging rebuild", CreatedBy: "U0ADMIN"},
	}
	blocks, text := CalendarBlocks(rows, freezes, from, 7, berlin)
	msg := bot.Message{Text: text, Blocks: blocks}
	golden.Compare(t, "calendar", msg)
	content := mustMarshal(t, msg)
	for _, want := range []string{
		"24 releases", "R-4", // the release that began before the first day is counted and shown
		"…and 8 more that day", "Freeze F-1 (all environments): Quarter close &amp; audit", "Freeze F-2 (staging)",
	} {
		if !strings.Contains(content, want) {
			t.Errorf("the calendar lacks %q", want)
		}
	}
	empty, _ := CalendarBlocks(nil, nil, from, 14, berlin)
	if s := mustMarshal(t, empty); !strings.Contains(s, "Nothing planned and no freezes") || !strings.Contains(s, "14 quiet days not shown") {
		t.Fatalf("empty calendar: %s", s)
	}
}

// Hundreds of releases over the longest calendar still make one valid
// message, and no day is cut in the middle of a line.
func TestCalendarWithHundredsOfReleases(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)
	var rows []storage.Release
	for i := range 900 {
		start := from.Add(time.Duration(i) * 2 * time.Hour) // 12 a day for 75 days
		r := goldenRelease(int64(1000+i), fmt.Sprintf("service-with-a-long-name-%03d", i), "10.20.30-rc.40", "production", start.UTC(), time.Hour, "planned")
		rows = append(rows, r)
	}
	var freezes []storage.FreezeWindow
	for i := range 40 {
		freezes = append(freezes, storage.FreezeWindow{ID: int64(i + 1), StartAt: from.AddDate(0, 0, 30).UTC(), EndAt: from.AddDate(0, 0, 31).UTC(),
			Reason: strings.Repeat("Long freeze reason & more ", 20)})
	}
	for _, days := range []int{1, 14, 31, maxCalendarDays} {
		blocks, text := CalendarBlocks(rows, freezes, from, days, berlin)
		golden.Check(t, bot.Message{Text: text, Blocks: blocks})
		for i, b := range blocks {
			if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && len([]rune(s.Text.Text)) >= bot.MaxSectionText-50 {
				t.Errorf("%d days: section %d has %d characters and may have been cut", days, i, len([]rune(s.Text.Text)))
			}
		}
		if days == maxCalendarDays && !strings.Contains(mustMarshal(t, blocks), "more days with releases or freezes; ask for fewer days") {
			t.Errorf("a full quarter is not summarised")
		}
	}
}

func findButton(t *testing.T, blocks []slack.Block, label string) *slack.ButtonBlockElement {
	t.Helper()
	for _, b := range blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range a.Elements.ElementSet {
			if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.Text.Text == label {
				return btn
			}
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}

// mustMarshal is v as JSON, without escaping &, < and > as \u0026 etc.
func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
