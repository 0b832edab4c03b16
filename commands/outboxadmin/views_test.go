package outboxadmin

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

func failedRows(n int) []storage.OutboxMessage {
	var out []storage.OutboxMessage
	for i := range n {
		rel := int64(i + 1)
		out = append(out, storage.OutboxMessage{ID: int64(100 + i), Kind: "notification", Channel: "C0GENERAL", ReleaseID: &rel,
			DueAt: time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC), LastError: strings.Repeat("not_in_channel <x> ", 100)})
	}
	return out
}

// A long list is cut into pages that stay inside Slack's limits and say
// how to see the next one.
func TestFailedViewPages(t *testing.T) {
	first := FailedView(failedRows(PageSize), 45, 1)
	if n := len(first.Blocks); n > bot.MaxMessageBlocks || n != PageSize+2 {
		t.Fatalf("%d blocks", n)
	}
	for i, b := range first.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && len(s.Text.Text) > bot.MaxSectionText {
			t.Fatalf("block %d: %d characters", i, len(s.Text.Text))
		}
	}
	head := first.Blocks[0].(*slack.SectionBlock).Text.Text
	row := first.Blocks[1].(*slack.SectionBlock).Text.Text
	if !strings.Contains(head, "45 failed messages* · page 1 of 3") ||
		!strings.Contains(row, "*#100* · subscriber notification to <#C0GENERAL> · R-1") ||
		!strings.Contains(row, "not_in_channel &lt;x&gt;") || !strings.Contains(row, "<!date^1893553440^") {
		t.Fatalf("view:\n%s\n%s", head, row)
	}
	foot := first.Blocks[len(first.Blocks)-1].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if !strings.Contains(foot, "`/release outbox failed 2`") {
		t.Fatalf("footer: %s", foot)
	}
	last := FailedView(failedRows(5), 45, 3)
	foot = last.Blocks[len(last.Blocks)-1].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text
	if strings.Contains(foot, "More") || len(last.Blocks) != 7 {
		t.Fatalf("last page: %d blocks, %s", len(last.Blocks), foot)
	}
	if past := FailedView(nil, 45, 9); !strings.Contains(past.Text, "page 9 is past the end") {
		t.Fatalf("past the end: %s", past.Text)
	}
	if none := FailedView(nil, 0, 1); !strings.Contains(none.Text, "No failed messages") {
		t.Fatalf("none: %s", none.Text)
	}
}

func TestParseRetry(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{{"12", "[12]"}, {"#12", "[12]"}, {" all ", "[]"}, {"ALL", "[]"}, {"", "error"}, {"0", "error"}, {"12 13", "error"}, {"R-1", "error"}} {
		ids, err := parseRetry(c.in)
		got := fmt.Sprint(ids)
		if ids == nil {
			got = "[]"
		}
		var ue *bot.UserError
		if err != nil {
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %v is not a message for the user", c.in, err)
			}
			got = "error"
		}
		if got != c.want {
			t.Errorf("%q → %s, want %s", c.in, got, c.want)
		}
	}
	if KindWords("approval_request") != "approval request" || KindWords("survey_invite") != "survey invite" {
		t.Fatal("kind words")
	}
}
