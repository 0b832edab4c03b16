package kit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

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
	golden.Compare(t, "announcement", Announcement(&r, "approval: 0 of 1 approval: waiting for <@U0ADMIN>"))

	plain := goldenRelease(18, "search", "1.0.0", "staging", goldenStart.Add(24*time.Hour), time.Hour, "approved")
	golden.Compare(t, "announcement_minimal", Announcement(&plain, ""))
}

// Every part of a card stays inside Slack's limits however long the
// release's texts are.
func TestAnnouncementAtTheLimits(t *testing.T) {
	r := goldenRelease(999999, strings.Repeat("s", 64), strings.Repeat("9", 64), strings.Repeat("e", 32), goldenStart, time.Hour, "planned")
	r.Title = strings.Repeat("T", 150)
	r.Impact = strings.Repeat("&", 2000) // each & becomes &amp;
	r.RollbackPlan = strings.Repeat("<", 2000)
	r.FreezeReason = strings.Repeat("r", MaxReason)
	r.RetroReview = true
	for i := range 20 {
		r.Components = append(r.Components, storage.ReleaseComponent{Name: fmt.Sprintf("%064d", i), Version: strings.Repeat("v", 64)})
	}
	msg := Announcement(&r, strings.Repeat("p", 500))
	golden.Check(t, msg)
	content := mustMarshal(t, msg)
	for _, want := range []string{"R-999999", r.Service, r.Version} {
		if !strings.Contains(content, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
}
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
