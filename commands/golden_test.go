package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// `go test ./commands/ -run Golden -update` rewrites testdata/*.golden.json.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkSurface fails unless the message is inside Slack's limits, as the
// emulator's chat.postMessage checks them.
func checkSurface(t *testing.T, msg bot.Message) []byte {
	t.Helper()
	blocks, err := json.Marshal(msg.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if errs := slackemu.ValidateMessageBlocks(blocks); len(errs) > 0 {
		t.Fatalf("Slack would refuse these blocks:\n%s", strings.Join(errs, "\n"))
	}
	if len(msg.Blocks) > bot.MaxMessageBlocks {
		t.Fatalf("%d blocks", len(msg.Blocks))
	}
	if msg.Text == "" || len([]rune(msg.Text)) > bot.MaxMessageText {
		t.Fatalf("fallback text of %d characters", len([]rune(msg.Text)))
	}
	return blocks
}

// golden compares msg with testdata/<name>.golden.json.
func golden(t *testing.T, name string, msg bot.Message) {
	t.Helper()
	checkSurface(t, msg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(msg); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; if that is intended, run `go test ./commands/ -run Golden -update` and review the diff.\ngot:\n%s", path, got)
	}
}

var goldenStart = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // Monday 09:00 in Berlin

func goldenRelease(id int64, service, version, env string, start time.Time, d time.Duration, status string) storage.Release {
	return storage.Release{ID: id, Service: service, Version: version, Environment: env, Type: "normal", Risk: "medium",
		OwnerID: "U0ANA", CreatedBy: "U0ANA", Channel: "C0RELEASES", StartAt: start, EndAt: start.Add(d), Status: status}
}

func TestGoldenAnnouncement(t *testing.T) {
	r := goldenRelease(17, "billing", "2.3.0", "production", goldenStart, 90*time.Minute, "planned")
	r.Type, r.Risk, r.OwnerID = "emergency", "high", "U0BEN"
	r.Title = "Quarterly billing fix"
	r.Impact = "Checkout is read-only for about 5 minutes; <b>no</b> data is lost & nobody is paged."
	r.RollbackPlan = "Redeploy 2.2.9 with `deploy billing 2.2.9`."
	r.FreezeReason = "card processor outage"
	r.RetroReview = true
	r.Components = []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}, {Name: "worker", Version: "1.4.1"}}
	golden(t, "announcement", announcement(&r, "approval: 0 of 1 approval: waiting for <@U0ADMIN>"))

	plain := goldenRelease(18, "search", "1.0.0", "staging", goldenStart.Add(24*time.Hour), time.Hour, "approved")
	golden(t, "announcement_minimal", announcement(&plain, ""))
}

// Every part of a card stays inside Slack's limits however long the
// release's texts are.
func TestAnnouncementAtTheLimits(t *testing.T) {
	r := goldenRelease(999999, strings.Repeat("s", 64), strings.Repeat("9", 64), strings.Repeat("e", 32), goldenStart, time.Hour, "planned")
	r.Title = strings.Repeat("T", maxTitle)
	r.Impact = strings.Repeat("&", maxImpact) // each & becomes &amp;
	r.RollbackPlan = strings.Repeat("<", maxRollback)
	r.FreezeReason = strings.Repeat("r", maxReason)
	r.RetroReview = true
	for i := range maxComponents {
		r.Components = append(r.Components, storage.ReleaseComponent{Name: fmt.Sprintf("%064d", i), Version: strings.Repeat("v", 64)})
	}
	msg := announcement(&r, strings.Repeat("p", 500))
	checkSurface(t, msg)
	content := mustMarshal(t, msg)
	for _, want := range []string{"R-999999", r.Service, r.Version} {
		if !strings.Contains(content, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
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
	golden(t, "list_page", bot.Message{Text: resp.Text, Blocks: resp.Blocks})

	more := findButton(t, resp.Blocks, "More (5 left)")
	q, err := decodeListQuery(more.Value)
	if err != nil || q != (listQuery{Scope: "upcoming", Service: "billing", Offset: 40}) {
		t.Fatalf("the More button asks for %+v, %v", q, err)
	}

	last := listMessage(listQuery{Scope: "all", Offset: 40}, rows[:5], 45)
	checkSurface(t, bot.Message{Text: last.Text, Blocks: last.Blocks})
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
	blocks, text := calendarBlocks(rows, freezes, from, 7, berlin)
	msg := bot.Message{Text: text, Blocks: blocks}
	golden(t, "calendar", msg)
	content := mustMarshal(t, msg)
	for _, want := range []string{
		"24 releases", "R-4", // the release that began before the first day is counted and shown
		"…and 8 more that day", "Freeze F-1 (all environments): Quarter close &amp; audit", "Freeze F-2 (staging)",
	} {
		if !strings.Contains(content, want) {
			t.Errorf("the calendar lacks %q", want)
		}
	}
	empty, _ := calendarBlocks(nil, nil, from, 14, berlin)
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
		blocks, text := calendarBlocks(rows, freezes, from, days, berlin)
		checkSurface(t, bot.Message{Text: text, Blocks: blocks})
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
