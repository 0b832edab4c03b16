package bot

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/slack-go/slack"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		kind ErrorKind
		code string
	}{
		{&slack.RateLimitedError{RetryAfter: 3 * time.Second}, RateLimited, "ratelimited"},
		{slack.StatusCodeError{Code: 503, Status: "503"}, Temporary, "http_503"},
		{slack.StatusCodeError{Code: 404, Status: "404"}, Permanent, "http_404"},
		{slack.SlackErrorResponse{Err: "channel_not_found"}, Permanent, "channel_not_found"},
		{slack.SlackErrorResponse{Err: "not_in_channel"}, Permanent, "not_in_channel"},
		{slack.SlackErrorResponse{Err: "internal_error"}, Temporary, "internal_error"},
		{slack.SlackErrorResponse{Err: "invalid_auth"}, Credential, "invalid_auth"},
		{slack.SlackErrorResponse{Err: "not_authed"}, Credential, "not_authed"},
		{slack.SlackErrorResponse{Err: "token_revoked"}, Credential, "token_revoked"},
		{slack.SlackErrorResponse{Err: "token_expired"}, Credential, "token_expired"},
		{slack.SlackErrorResponse{Err: "account_inactive"}, Credential, "account_inactive"},
		{slack.SlackErrorResponse{Err: "missing_scope"}, Credential, "missing_scope"},
		{slack.SlackErrorResponse{Err: "no_permission"}, Permanent, "no_permission"},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, Temporary, ""},
		{context.DeadlineExceeded, Temporary, ""},
	}
	for _, c := range cases {
		got := classify("chat.postMessage", c.err)
		if got.Kind != c.kind || got.Code != c.code {
			t.Errorf("%v → kind %d code %q; want %d %q", c.err, got.Kind, got.Code, c.kind, c.code)
		}
	}
	if got := classify("m", &slack.RateLimitedError{RetryAfter: 3 * time.Second}); got.RetryAfter != 3*time.Second {
		t.Errorf("retry-after lost: %v", got.RetryAfter)
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	for attempt := 1; attempt <= 30; attempt++ {
		d := Backoff(attempt, 100*time.Millisecond, 5*time.Second)
		full := min(100*time.Millisecond<<min(attempt-1, 20), 5*time.Second)
		if d < full/2 || d > full {
			t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, full/2, full)
		}
	}
}

func TestTruncateKeepsRunesAndMarksTheCut(t *testing.T) {
	if got := Truncate("héllo wörld", 5); got != "héll…" {
		t.Fatalf("%q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Fatalf("%q", got)
	}
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{Escape("a & b & c"), 14, "a &amp; b …"},
		{"see <@U0ANA> and <@U0BEN>", 20, "see <@U0ANA> and …"},
		{Escape("x &&"), 10, "x &amp;…"},
	} {
		if got := Truncate(c.in, c.max); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := Message{Text: "hi <@U1>", Blocks: []slack.Block{Section("*hi*"), Context("small"), Actions("a", Button("Go", "route#1", "v", StylePrimary))}}
	back, err := DecodeMessage(MustJSON(m))
	if err != nil || back.Text != m.Text || len(back.Blocks) != 3 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

// Usable channels are described once a minute; a channel the bot cannot
// post in is asked about again every time, so an invite takes effect at once.
func TestConversationInfoCachesUsableChannels(t *testing.T) {
	s := slackemu.New(slackemu.Config{})
	defer s.Close()
	s.AddChannel(slackemu.Channel{ID: "C0OPEN", Name: "open", Members: []string{"UBOT"}})
	s.AddChannel(slackemu.Channel{ID: "G0SHUT", Name: "shut", Private: true})
	api := NewAPI(APIOptions{BotToken: slackemu.BotToken, APIURL: s.APIURL()})
	ctx := context.Background()
	for range 3 {
		if ch, err := api.ConversationInfo(ctx, "C0OPEN"); err != nil || ch.ID != "C0OPEN" {
			t.Fatalf("open channel: %v %v", ch, err)
		}
		// Slack hides private channels the bot is not in.
		if _, err := api.ConversationInfo(ctx, "G0SHUT"); ErrorCode(err) != "channel_not_found" {
			t.Fatalf("private channel: %v", err)
		}
	}
	calls := map[string]int{}
	for _, c := range s.Calls("conversations.info") {
		calls[c.Params["channel"]]++
	}
	if calls["C0OPEN"] != 1 || calls["G0SHUT"] != 3 {
		t.Fatalf("conversations.info calls: %v", calls)
	}
}

// Field errors are shown as plain text: every mrkdwn token becomes what a
// reader should see.
func TestUnmarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"It overlaps the freeze F-1 “Holiday &amp; fun” (<!date^1797530400^{date_short_pretty} {time}|Thu 17 Dec 2026 18:00 UTC>)": "It overlaps the freeze F-1 “Holiday & fun” (Thu 17 Dec 2026 18:00 UTC)",
		"*R-3* billing 2.0 changed; run `/release edit R-3` again.":                                                                `R-3 billing 2.0 changed; run "/release edit R-3" again.`,
		"the owner <@U0BEN|ben> and <@U0GONE>, in <#C1|releases>, see <https://x.example/a|the docs> or <https://x.example/b>":     "the owner @ben and @U0GONE, in #releases, see the docs or https://x.example/b",
		"&lt;b&gt; &amp;lt; <!here> <!subteam^S1>":                                                                                 "<b> &lt; @here a user group",
	} {
		if got := Unmarkdown(in); got != want {
			t.Errorf("Unmarkdown(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// A long text is shown whole, in sections within Slack's limit, cut at
// spaces and never inside an escape.
func TestSectionsKeepEverything(t *testing.T) {
	text := "*Impact*\n" + strings.Repeat(Escape("Checkout & billing <read-only> "), 300)
	blocks := Sections(text)
	var joined []string
	for _, b := range blocks {
		got := b.(*slack.SectionBlock).Text.Text
		if n := utf8.RuneCountInString(got); n > MaxSectionText || n == 0 {
			t.Fatalf("a section of %d characters", n)
		}
		if strings.HasSuffix(got, "&amp") || strings.HasSuffix(got, "&lt") || strings.HasSuffix(got, "…") {
			t.Fatalf("a section ends mid-escape or truncated: …%s", got[len(got)-20:])
		}
		joined = append(joined, got)
	}
	if len(blocks) < 4 || strings.Join(joined, " ") != strings.TrimSpace(text) {
		t.Fatalf("%d sections do not add up to the text", len(blocks))
	}
	if one := Sections(strings.Repeat("<", MaxSectionText+10)); len(one) != 2 {
		t.Fatalf("an unbreakable text gave %d sections", len(one))
	}
}

// A credential error is not retried by Do: every retry would be refused the
// same way until someone fixes the token.
func TestCredentialErrorsAreNotRetried(t *testing.T) {
	s := slackemu.New(slackemu.Config{})
	t.Cleanup(s.Close)
	s.AddChannel(slackemu.Channel{ID: "C1", Name: "releases", Members: []string{"UBOT"}})
	api := NewAPI(APIOptions{BotToken: slackemu.BotToken, APIURL: s.APIURL()})
	s.RejectBotToken("invalid_auth")
	_, _, err := api.PostMessage(context.Background(), "C1", "", Message{Text: "hi"})
	if !IsCredential(err) || !IsPermanent(err) || ErrorCode(err) != "invalid_auth" {
		t.Fatalf("err = %v, want a credential error", err)
	}
	if n := len(s.Calls("chat.postMessage")); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	if !slices.Contains(CredentialCodes(), "token_revoked") || slices.Contains(CredentialCodes(), "channel_not_found") {
		t.Fatalf("CredentialCodes() = %v", CredentialCodes())
	}
}
