package surveys

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func TestSurveyFromValue(t *testing.T) {
	id, answer, err := surveyFromValue(delivery.SurveyValue(12, "not_yet"))
	if err != nil || id != 12 || answer != "not_yet" {
		t.Errorf("got %d %q %v", id, answer, err)
	}
	for _, bad := range []string{"", "12", "x:4", ":4"} {
		if _, _, err := surveyFromValue(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSurveyedStatuses(t *testing.T) {
	got := strings.Join(surveyedStatuses(), ",")
	if got != "completed,failed,rolled_back" {
		t.Errorf("surveyed: %s", got)
	}
	if surveyed(release.StatusCancelled) || surveyed(release.StatusInProgress) || !surveyed(release.StatusRolledBack) {
		t.Error("a survey follows only a finished release that was not cancelled")
	}
}

func TestCommentModal(t *testing.T) {
	r := &storage.Release{ID: 17, Service: "payments", Version: "2.3.0"}
	v := commentModal(r, 3, "C1", "earlier words")
	if v.CallbackID != CallbackComment || v.PrivateMetadata != "3|C1" || len(v.Title.Text) > bot.MaxModalTitle {
		t.Errorf("modal: %+v", v)
	}
	if len(v.Blocks.BlockSet) != 2 {
		t.Fatalf("%d blocks", len(v.Blocks.BlockSet))
	}
}
