package reviews

import (
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/storage"
)

func TestGoldenActionsAndLessons(t *testing.T) {
	actions := []storage.ReviewAction{
		{ID: 1, ReleaseID: 17, Service: "payments", Text: "Page on <latency>", OwnerID: "U0BEN", DueOn: "2026-03-05"},
		{ID: 2, ReleaseID: 18, Service: "search", Text: "Write runbook", OwnerID: "U0CAT", DueOn: "2026-03-06"},
	}
	golden.Compare(t, "actions", bot.Message{Text: "2 open follow-up actions", Blocks: ActionsList(actions, "open follow-up actions")})
	if empty := string(golden.Check(t, bot.Message{Text: "none", Blocks: ActionsList(nil, "your open follow-up actions")})); !strings.Contains(empty, "No your open follow-up actions") {
		t.Errorf("empty list: %s", empty)
	}
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	r := &storage.Release{ID: 17, Service: "payments", Version: "2.3.0", Status: "failed"}
	reviews := []storage.Review{{ID: 1, ReleaseID: 17, AuthorID: "U0ANA", Criteria: "no", WentWrong: "Skipped the canary", CreatedAt: at, Release: r, Actions: actions[:1]}}
	golden.Compare(t, "lessons", bot.Message{Text: "Lessons", Blocks: LessonsList(reviews, "payments", 90)})
	if none := string(golden.Check(t, bot.Message{Text: "none", Blocks: LessonsList(nil, "", 30)})); !strings.Contains(none, "No post-release reviews of the last 30 days") {
		t.Errorf("no lessons: %s", none)
	}
}

// Every field of the form is read and checked: an action needs what,
// who and a due date that has not passed.
func TestReadReviewModal(t *testing.T) {
	r := &storage.Release{ID: 17, Service: "payments", Version: "2.3.0", Status: "completed", OwnerID: "U0ANA"}
	view := reviewModal(r, nil, "C1")
	if len(view.Blocks.BlockSet) > bot.MaxViewBlocks || view.CallbackID != CallbackReview {
		t.Fatalf("modal: %d blocks, callback %q", len(view.Blocks.BlockSet), view.CallbackID)
	}
	v := submitted(map[string]map[string]string{
		"criteria": {"criteria": "partly"}, "went_wrong": {"went_wrong": " late "},
		"action1": {"text": "Page"}, "owner1": {"owner": "U0BEN"}, "due1": {"due": "2026-03-05"},
		"action2": {"text": "Runbook"}, "due2": {"due": "2026-03-06"},
		"action3": {"text": "Old"}, "owner3": {"owner": "U0CAT"}, "due3": {"due": "2026-03-01"},
	})
	f, errs := readReviewModal(v, r, "2026-03-02")
	if f.criteria != "partly" || f.wentWrong != "late" || len(f.actions) != 1 || f.actions[0].OwnerID != "U0BEN" || f.actions[0].Service != "payments" {
		t.Errorf("form: %+v", f)
	}
	if errs["owner2"] == "" || !strings.Contains(errs["due3"], "has passed") || len(errs) != 2 {
		t.Errorf("errors: %v", errs)
	}
	if _, errs := readReviewModal(submitted(nil), r, "2026-03-02"); errs["criteria"] == "" {
		t.Errorf("no criteria accepted: %v", errs)
	}
}
