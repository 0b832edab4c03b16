package slackemu

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestRateLimits(t *testing.T) {
	s := newServer(t, Config{})
	s.AddChannel(Channel{ID: "C2", Name: "general"})
	api := newAPI(s)
	s.SetRateLimits(DefaultRateLimits())

	// chat.postMessage: bursts of 3 per channel, then about 1/s.
	for i := range 3 {
		if _, _, err := api.PostMessage("C1", slack.MsgOptionText("burst", false)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("one too many", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < time.Second {
		t.Fatalf("4th post: %v, want *slack.RateLimitedError with RetryAfter >= 1s", err)
	}
	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("other channel", false)); err != nil {
		t.Errorf("another channel is limited separately: %v", err)
	}
	last := s.Calls("chat.postMessage")[3]
	if last.HTTPStatus != http.StatusTooManyRequests || last.Error != "ratelimited" {
		t.Errorf("call = %+v", last)
	}
	if n := len(s.Messages("C1")); n != 3 {
		t.Errorf("%d messages stored, want 3", n)
	}

	// users.list is Tier 2: 20 per minute. (api.GetUsers would wait and
	// retry on 429 by itself, so page by hand.)
	usersPage := func() error {
		_, err := api.GetUsersPaginated().Next(t.Context())
		return err
	}
	for i := range 20 {
		if err := usersPage(); err != nil {
			t.Fatalf("users.list %d: %v", i, err)
		}
	}
	if err := usersPage(); !errors.As(err, &rl) {
		t.Fatalf("21st users.list: %v", err)
	}
	_, _, hdr := postRaw(t, s, "users.list", BotToken, nil)
	if hdr.Get("Retry-After") == "" || hdr.Get("Retry-After") == "0" {
		t.Errorf("Retry-After = %q", hdr.Get("Retry-After"))
	}

	// Custom limits, and switching limits off.
	s.SetRateLimits(RateLimits{PerMinute: map[string]int{"auth.test": 1}})
	if _, err := api.AuthTest(); err != nil {
		t.Fatal(err)
	}
	if _, err := api.AuthTest(); !errors.As(err, &rl) || rl.RetryAfter != 60*time.Second {
		t.Errorf("auth.test over a 1/min limit: %v", err)
	}
	s.SetRateLimits(RateLimits{})
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("limits off: %v", err)
	}
	expectProtocolErrors(t, s)
}

func TestFaults(t *testing.T) {
	s := newServer(t, Config{})
	api := newAPI(s)

	s.SetFault("chat.postMessage", Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 1})
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false))
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != 503 {
		t.Errorf("503 fault: %v", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("the fault should have been used up: %v", err)
	}

	s.SetFault("users.info", Fault{SlackError: "internal_error", Times: 2})
	for range 2 {
		if _, err := api.GetUserInfo("U1"); slackErr(err) != "internal_error" {
			t.Errorf("slack error fault: %v", err)
		}
	}
	if _, err := api.GetUserInfo("U1"); err != nil {
		t.Errorf("after 2 uses: %v", err)
	}

	s.SetFault("auth.test", Fault{HTTPStatus: http.StatusTooManyRequests, RetryAfter: 7})
	var rl *slack.RateLimitedError
	for range 3 {
		if _, err := api.AuthTest(); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
			t.Errorf("429 fault: %v", err)
		}
	}

	s.SetFault("*", Fault{SlackError: "fatal_error"})
	if _, err := api.GetUserGroupMembers("S1"); slackErr(err) != "fatal_error" {
		t.Errorf("wildcard fault: %v", err)
	}
	s.ClearFaults()
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}

	s.SetFault("chat.update", Fault{Delay: 50 * time.Millisecond, Times: 1})
	_, ts, _ := api.PostMessage("C1", slack.MsgOptionText("x", false))
	start := time.Now()
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("y", false)); err != nil {
		t.Errorf("delayed call: %v", err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Error("the delay was not applied")
	}

	// apps.connections.open faults make slack-go retry until it gets a URL.
	s.SetFault("apps.connections.open", Fault{HTTPStatus: 500, Times: 1})
	startBot(t, s, nil)
	waitConnected(t, s, 1)
	if calls := s.Calls("apps.connections.open"); len(calls) != 2 || calls[0].HTTPStatus != 500 || !strings.HasPrefix(string(calls[1].Response), `{`) {
		t.Errorf("apps.connections.open calls = %+v", calls)
	}
	expectProtocolErrors(t, s)
}
