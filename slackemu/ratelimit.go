package slackemu

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Fault makes the next Times calls of a method fail, so tests can check how
// the bot copes with Slack being down, slow or throttling.
//
// With HTTPStatus set the call answers that status (429 adds
// "Retry-After: RetryAfter" seconds, at least 1, and Slack's ratelimited
// body; 5xx answer an HTML page as Slack's load balancers do). With
// SlackError set it answers HTTP 200 {"ok":false,"error":SlackError}. Delay
// waits before answering, and alone (no status, no error) makes the call
// slow but successful. Hold applies the call at once and holds back the
// answer: the message is posted, but the bot learns it only after Hold (or
// never, if it gives up first), which is Slack's side of a duplicate.
// Times <= 0 means every call until ClearFaults.
type Fault struct {
	HTTPStatus int
	SlackError string
	Times      int
	Delay      time.Duration
	Hold       time.Duration
	RetryAfter int
}

// RejectBotToken makes Slack refuse the bot token with code (invalid_auth,
// token_revoked, account_inactive, …) on every Web API method, auth.test
// included, as when the token is revoked or the app uninstalled, until
// AcceptBotToken. The app-level token (Socket Mode) keeps working.
func (s *Server) RejectBotToken(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botTokenError = code
	s.changedLocked()
}

// AcceptBotToken ends RejectBotToken: the bot token works again.
func (s *Server) AcceptBotToken() {
	s.RejectBotToken("")
}

// SetFault installs a fault for method ("*" for every Web API method),
// replacing any previous fault for it.
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &f
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*Fault{}
}

// takeFault consumes one use of the fault for method, if any.
func (s *Server) takeFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, "*"} {
		f, ok := s.faults[key]
		if !ok {
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				delete(s.faults, key)
			}
		}
		s.logf("%s: injecting fault %+v", method, out)
		return out, true
	}
	return Fault{}, false
}

// faultResult turns a fault into an answer; faulted is false for a pure delay.
func faultResult(f Fault) (apiResult, bool) {
	switch {
	case f.HTTPStatus == http.StatusTooManyRequests:
		return apiResult{
			status: f.HTTPStatus,
			header: map[string]string{"Retry-After": strconv.Itoa(max(1, f.RetryAfter))},
			body:   map[string]any{"ok": false, "error": "ratelimited"},
			err:    "ratelimited",
		}, true
	case f.HTTPStatus != 0 && f.HTTPStatus != http.StatusOK:
		return apiResult{
			status: f.HTTPStatus,
			text:   fmt.Sprintf("<html><body><h1>%d %s</h1></body></html>", f.HTTPStatus, http.StatusText(f.HTTPStatus)),
			err:    f.SlackError,
		}, true
	case f.SlackError != "":
		return errResult(f.SlackError), true
	}
	return apiResult{}, false
}

// RateLimits configures token buckets. PerMinute is a method's sustained rate
// and Burst its bucket size (default: PerMinute, i.e. a minute's allowance at
// once). chat.postMessage is limited per channel and workspace-wide instead,
// as on Slack; a PerMinute entry for it applies in addition.
type RateLimits struct {
	PerMinute                      map[string]int
	Burst                          map[string]int
	PostMessagePerChannelPerSecond float64
	PostMessageChannelBurst        int
	PostMessageWorkspacePerMinute  int
}

// DefaultRateLimits returns Slack's published tiers for the emulated methods
// (Tier 2: 20/min, Tier 3: 50/min, Tier 4: 100/min) and chat.postMessage's
// special limit of about one message per second per channel (bursts of 3
// tolerated) and 600 per minute per workspace. auth.test and
// chat.getPermalink are "Special" on Slack with generous limits; they get
// Tier 4 here.
func DefaultRateLimits() RateLimits {
	tier2, tier3, tier4 := 20, 50, 100
	per := map[string]int{
		"apps.connections.open": tier3,
		"auth.test":             tier4,
		"chat.postEphemeral":    tier4,
		"chat.update":           tier3,
		"chat.delete":           tier3,
		"chat.getPermalink":     tier4,
		"conversations.open":    tier3,
		"conversations.info":    tier3,
		"users.info":            tier4,
		"users.list":            tier2,
		"usergroups.users.list": tier2,
		"usergroups.list":       tier2,
		"views.open":            tier4,
		"views.push":            tier4,
		"views.update":          tier4,
		"views.publish":         tier4,
	}
	return RateLimits{
		PerMinute:                      per,
		Burst:                          maps.Clone(per),
		PostMessagePerChannelPerSecond: 1,
		PostMessageChannelBurst:        3,
		PostMessageWorkspacePerMinute:  600,
	}
}

// SetRateLimits enables rate limiting (the zero value disables it; it is off
// by default so that ordinary tests never see a 429). Calls over the limit get
// HTTP 429, "Retry-After: <seconds, at least 1>" and {"ok":false,"error":"ratelimited"}.
// Buckets start full.
func (s *Server) SetRateLimits(r RateLimits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(r.PerMinute) == 0 && r.PostMessagePerChannelPerSecond == 0 && r.PostMessageWorkspacePerMinute == 0 {
		s.limiter = nil
		return
	}
	s.limiter = &limiter{
		cfg: RateLimits{
			PerMinute:                      maps.Clone(r.PerMinute),
			Burst:                          maps.Clone(r.Burst),
			PostMessagePerChannelPerSecond: r.PostMessagePerChannelPerSecond,
			PostMessageChannelBurst:        r.PostMessageChannelBurst,
			PostMessageWorkspacePerMinute:  r.PostMessageWorkspacePerMinute,
		},
		methods:  map[string]*bucket{},
		channels: map[string]*bucket{},
	}
}

// bucket is a token bucket refilled continuously.
type bucket struct {
	tokens, burst, perSec float64
	last                  time.Time
}

func newBucket(perSec float64, burst int, now time.Time) *bucket {
	b := float64(max(burst, 1))
	return &bucket{tokens: b, burst: b, perSec: perSec, last: now}
}

// wait refills and returns how long until one token is available.
func (b *bucket) wait(now time.Time) time.Duration {
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	b.last = now
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.perSec * float64(time.Second))
}

// limiter holds the buckets; it is guarded by Server.mu.
type limiter struct {
	cfg       RateLimits
	methods   map[string]*bucket
	channels  map[string]*bucket
	workspace *bucket
}

// take consumes a token from every bucket the call needs, or none and reports
// the longest wait.
func (l *limiter) take(method, channel string, now time.Time) (time.Duration, bool) {
	var need []*bucket
	if n := l.cfg.PerMinute[method]; n > 0 {
		b, ok := l.methods[method]
		if !ok {
			burst := l.cfg.Burst[method]
			if burst <= 0 {
				burst = n
			}
			b = newBucket(float64(n)/60, burst, now)
			l.methods[method] = b
		}
		need = append(need, b)
	}
	if method == "chat.postMessage" {
		if rate := l.cfg.PostMessagePerChannelPerSecond; rate > 0 {
			b, ok := l.channels[channel]
			if !ok {
				b = newBucket(rate, l.cfg.PostMessageChannelBurst, now)
				l.channels[channel] = b
			}
			need = append(need, b)
		}
		if n := l.cfg.PostMessageWorkspacePerMinute; n > 0 {
			if l.workspace == nil {
				l.workspace = newBucket(float64(n)/60, n, now)
			}
			need = append(need, l.workspace)
		}
	}
	var longest time.Duration
	for _, b := range need {
		longest = max(longest, b.wait(now))
	}
	if longest > 0 {
		return longest, true
	}
	for _, b := range need {
		b.tokens--
	}
	return 0, false
}
