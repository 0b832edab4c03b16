package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// ErrorKind says what a failed Slack call means for the caller.
type ErrorKind int

const (
	// Permanent errors will fail the same way again: a missing channel, an
	// archived one, a bad argument.
	Permanent ErrorKind = iota
	// RateLimited means Slack answered 429: wait Retry-After, then try again.
	RateLimited
	// Temporary means a 5xx, a timeout or a network fault: back off and retry.
	Temporary
	// Credential means Slack refused the bot's token or the app's
	// installation (invalid_auth, token_revoked, missing_scope, …). Every
	// call fails the same way until someone fixes the token or reinstalls
	// the app, whatever the destination: nothing is wrong with the
	// message, so callers wait for the token to work again (auth.test)
	// rather than give the message up.
	Credential
)

// APIError is a failed Web API call, classified.
type APIError struct {
	Method     string
	Kind       ErrorKind
	Code       string        // Slack's error code, e.g. channel_not_found
	RetryAfter time.Duration // for RateLimited
	Err        error
}

func (e *APIError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("slack %s: %s", e.Method, e.Code)
	}
	return fmt.Sprintf("slack %s: %v", e.Method, e.Err)
}

func (e *APIError) Unwrap() error { return e.Err }

// ErrorCode returns Slack's error code inside err, or "".
func ErrorCode(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	var slackErr slack.SlackErrorResponse
	if errors.As(err, &slackErr) {
		return slackErr.Err
	}
	return ""
}

// IsPermanent reports whether retrying err as it is is pointless: a
// permanent error, or a credential error (until the token is fixed).
func IsPermanent(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Kind == Permanent || apiErr.Kind == Credential)
}

// IsTemporary reports whether err is a 5xx, a timeout or a network fault:
// the call may or may not have taken effect.
func IsTemporary(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Kind == Temporary
}

// IsCredential reports whether err is Slack refusing the bot's token or
// installation rather than the call.
func IsCredential(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Kind == Credential
}

// credentialCodes are the error codes with which Slack refuses the token or
// the installation itself, on every call and for every destination
// (Slack's list of errors common to all Web API methods). no_permission is
// not among them: for a bot token it is about one conversation.
var credentialCodes = map[string]bool{
	"not_authed": true, "invalid_auth": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true,
	"missing_scope": true, "not_allowed_token_type": true,
	"org_login_required": true, "ekm_access_denied": true,
	"team_access_not_granted": true,
}

// CredentialCodes lists the codes classified as Credential, sorted, so
// that metrics can show every one of them before it happens.
func CredentialCodes() []string {
	var out []string
	for c, ok := range credentialCodes {
		if ok {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// temporaryCodes are error codes Slack answers with HTTP 200 that still mean
// "try again later".
var temporaryCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "ratelimited": true, "team_added_to_org": true,
}

// classify turns a slack-go error into an *APIError.
func classify(method string, err error) *APIError {
	e := &APIError{Method: method, Kind: Permanent, Err: err}
	var rl *slack.RateLimitedError
	var status slack.StatusCodeError
	var slackErr slack.SlackErrorResponse
	var netErr net.Error
	switch {
	case errors.As(err, &rl):
		e.Kind, e.Code, e.RetryAfter = RateLimited, "ratelimited", rl.RetryAfter
	case errors.As(err, &status):
		if status.Code >= 500 || status.Code == http.StatusRequestTimeout {
			e.Kind = Temporary
		}
		e.Code = fmt.Sprintf("http_%d", status.Code)
	case errors.As(err, &slackErr):
		e.Code = slackErr.Err
		switch {
		case temporaryCodes[slackErr.Err]:
			e.Kind = Temporary
		case credentialCodes[slackErr.Err]:
			e.Kind = Credential
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Kind = Temporary
	case errors.As(err, &netErr):
		e.Kind = Temporary
	default:
		// Anything else (connection reset, EOF, a malformed answer) is
		// most likely a fault on the way and worth another try.
		e.Kind = Temporary
	}
	return e
}

// API wraps slack-go's Web API client: it is the one place that honours 429
// Retry-After, retries 5xx and network errors with backoff, classifies
// permanent errors and counts every call.
type API struct {
	client      *slack.Client
	http        *http.Client
	metrics     *Metrics
	log         *slog.Logger
	maxAttempts int
	maxBackoff  time.Duration
	maxWait     time.Duration
	channels    sync.Map // channel id → cachedChannel
}

// cachedChannel is a channel the bot can post in, as conversations.info
// last described it.
type cachedChannel struct {
	ch *slack.Channel
	at time.Time
}

// channelTTL is how long a usable channel's description is reused.
// conversations.info is rate limited (Tier 3, about 50 a minute) and sits
// on the ack path of /release new and /release subscribe.
const channelTTL = time.Minute

// APIOptions configures NewAPI.
type APIOptions struct {
	BotToken   string
	AppToken   string
	APIURL     string
	HTTPClient *http.Client
	Metrics    *Metrics
	Logger     *slog.Logger
	// MaxAttempts bounds retries of one call (default 5).
	MaxAttempts int
	// MaxWait bounds the total time one call may spend waiting for retries
	// (default 30s); past it the last error is returned.
	MaxWait time.Duration
}

// NewAPI builds the client. Tokens are handed to slack-go only.
func NewAPI(o APIOptions) *API {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	opts := []slack.Option{slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(o.HTTPClient)}
	if o.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(o.AppToken))
	}
	return &API{
		client:      slack.New(o.BotToken, opts...),
		http:        o.HTTPClient,
		metrics:     o.Metrics,
		log:         o.Logger,
		maxAttempts: o.MaxAttempts,
		maxBackoff:  8 * time.Second,
		maxWait:     o.MaxWait,
	}
}

// Client is the underlying slack-go client, for the Socket Mode transport.
func (a *API) Client() *slack.Client { return a.client }

// Once makes one attempt and classifies a failure, for callers that schedule
// their own retries (the outbox).
func (a *API) Once(ctx context.Context, method string, call func(context.Context) error) error {
	err := call(ctx)
	a.count(method, err)
	if err == nil {
		return nil
	}
	return classify(method, err)
}

// Do makes the call, waiting out 429s and retrying temporary failures with
// exponential backoff and jitter until it succeeds, fails permanently, or
// runs out of attempts or time.
func (a *API) Do(ctx context.Context, method string, call func(context.Context) error) error {
	deadline := time.Now().Add(a.maxWait)
	var last *APIError
	for attempt := 1; ; attempt++ {
		err := a.Once(ctx, method, call)
		if err == nil {
			return nil
		}
		errors.As(err, &last)
		if last.Kind == Permanent || last.Kind == Credential || attempt >= a.maxAttempts {
			return last
		}
		wait := last.RetryAfter
		if last.Kind == Temporary {
			wait = Backoff(attempt, 250*time.Millisecond, a.maxBackoff)
		}
		if time.Now().Add(wait).After(deadline) {
			return last
		}
		a.log.DebugContext(ctx, "retrying slack call", "method", method, "attempt", attempt, "wait", wait, "err", last.Code)
		if err := sleepCtx(ctx, wait); err != nil {
			return last
		}
	}
}

func (a *API) count(method string, err error) {
	if a.metrics == nil {
		return
	}
	result := "ok"
	if err != nil {
		e := classify(method, err)
		switch e.Kind {
		case RateLimited:
			result = "ratelimited"
			a.metrics.RateLimited.WithLabelValues(method).Inc()
		case Temporary:
			result = "retryable"
		default:
			result = e.Code
			if result == "" {
				result = "error"
			}
		}
	}
	a.metrics.APICalls.WithLabelValues(method, result).Inc()
}

// Backoff is exponential backoff with full jitter: a random wait in
// [base·2^(attempt-1)/2, base·2^(attempt-1)], capped at max.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base << min(attempt-1, 20)
	if d > max || d <= 0 {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Message is what the bot posts: a short text fallback (notifications and
// screen readers) plus blocks.
type Message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks,omitempty"`
}

func (m Message) options() []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// PostMessage posts to a channel (or a user id, meaning the bot's DM with
// them), in threadTS's thread when set.
func (a *API) PostMessage(ctx context.Context, channel, threadTS string, m Message) (string, string, error) {
	opts := m.options()
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ch, ts string
	err := a.Do(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		ch, ts, err = a.client.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ch, ts, err
}

// PostEphemeral shows a message to one user in a channel.
func (a *API) PostEphemeral(ctx context.Context, channel, user string, m Message) error {
	return a.Do(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.client.PostEphemeralContext(ctx, channel, user, m.options()...)
		return err
	})
}

// UpdateMessage replaces a message the bot posted.
func (a *API) UpdateMessage(ctx context.Context, channel, ts string, m Message) error {
	return a.Do(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.client.UpdateMessageContext(ctx, channel, ts, m.options()...)
		return err
	})
}

// OpenView opens a modal; call it before any slow work, trigger ids live 3 s.
func (a *API) OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	var resp *slack.ViewResponse
	// One attempt only: a retry after a slow failure would meet an expired trigger.
	err := a.Once(ctx, "views.open", func(ctx context.Context) error {
		var err error
		resp, err = a.client.OpenViewContext(ctx, triggerID, view)
		return err
	})
	return resp, err
}

// UpdateView replaces an open view; hash guards against overwriting a newer one.
func (a *API) UpdateView(ctx context.Context, viewID, hash string, view slack.ModalViewRequest) error {
	return a.Do(ctx, "views.update", func(ctx context.Context) error {
		_, err := a.client.UpdateViewContext(ctx, view, "", hash, viewID)
		return err
	})
}

// PublishHome sets a user's App Home.
func (a *API) PublishHome(ctx context.Context, user string, view slack.HomeTabViewRequest) error {
	return a.Do(ctx, "views.publish", func(ctx context.Context) error {
		_, err := a.client.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}

// UserInfo reads a user's profile.
func (a *API) UserInfo(ctx context.Context, user string) (*slack.User, error) {
	var u *slack.User
	err := a.Do(ctx, "users.info", func(ctx context.Context) error {
		var err error
		u, err = a.client.GetUserInfoContext(ctx, user)
		return err
	})
	return u, err
}

// UserGroupMembers resolves a user group to its members.
func (a *API) UserGroupMembers(ctx context.Context, group string) ([]string, error) {
	var members []string
	err := a.Do(ctx, "usergroups.users.list", func(ctx context.Context) error {
		var err error
		members, err = a.client.GetUserGroupMembersContext(ctx, group)
		return err
	})
	return members, err
}

// UserGroup is a workspace user group as a picker offers it.
type UserGroup struct {
	ID, Handle, Name string
}

// UserGroups lists the workspace's enabled user groups. Slack has no
// user-group picker in Block Kit, so forms offer these as static options.
func (a *API) UserGroups(ctx context.Context) ([]UserGroup, error) {
	var groups []slack.UserGroup
	err := a.Do(ctx, "usergroups.list", func(ctx context.Context) error {
		var err error
		groups, err = a.client.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(false))
		return err
	})
	out := make([]UserGroup, 0, len(groups))
	for _, g := range groups {
		if g.DateDelete == 0 {
			out = append(out, UserGroup{ID: g.ID, Handle: g.Handle, Name: g.Name})
		}
	}
	return out, err
}

// Permalink is a link to a message.
func (a *API) Permalink(ctx context.Context, channel, ts string) (string, error) {
	var link string
	err := a.Do(ctx, "chat.getPermalink", func(ctx context.Context) error {
		var err error
		link, err = a.client.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
		return err
	})
	return link, err
}

// AuthTest checks the bot token and returns the bot's user id.
func (a *API) AuthTest(ctx context.Context) (*slack.AuthTestResponse, error) {
	var resp *slack.AuthTestResponse
	err := a.Do(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		resp, err = a.client.AuthTestContext(ctx)
		return err
	})
	return resp, err
}

// ResponseURLMessage is a reply through an interaction's response_url.
type ResponseURLMessage struct {
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ResponseType    string        `json:"response_type,omitempty"`
	ReplaceOriginal bool          `json:"replace_original,omitempty"`
	DeleteOriginal  bool          `json:"delete_original,omitempty"`
}

// Respond posts to a response_url (up to 5 times within 30 minutes of the
// interaction), with the same retry rules as the Web API.
func (a *API) Respond(ctx context.Context, responseURL string, m ResponseURLMessage) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return a.Do(ctx, "response_url", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			return &slack.RateLimitedError{RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		case resp.StatusCode >= 300:
			return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
		}
		var answer struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		// Slack answers "ok" or {"ok":true}; only a JSON false is a failure.
		if json.NewDecoder(resp.Body).Decode(&answer) == nil && answer.OK != nil && !*answer.OK {
			return slack.SlackErrorResponse{Err: answer.Error}
		}
		return nil
	})
}

func retryAfter(h string) time.Duration {
	var secs int
	if _, err := fmt.Sscanf(h, "%d", &secs); err != nil || secs < 1 {
		secs = 1
	}
	return time.Duration(secs) * time.Second
}

// MustJSON encodes a message for the outbox; a bot.Message always encodes.
func MustJSON(m Message) string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("encode message: %v", err))
	}
	return string(b)
}

// DecodeMessage reads a message stored by MustJSON.
func DecodeMessage(s string) (Message, error) {
	var raw struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return Message{}, fmt.Errorf("decode message: %w", err)
	}
	return Message{Text: raw.Text, Blocks: raw.Blocks.BlockSet}, nil
}

// ConversationInfo reads a channel's properties.
func (a *API) ConversationInfo(ctx context.Context, channel string) (*slack.Channel, error) {
	if c, ok := a.channels.Load(channel); ok && time.Since(c.(cachedChannel).at) < channelTTL {
		return c.(cachedChannel).ch, nil
	}
	var ch *slack.Channel
	err := a.Do(ctx, "conversations.info", func(ctx context.Context) error {
		var err error
		ch, err = a.client.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		return err
	})
	// Only usable channels are remembered: a channel the bot cannot post in
	// is asked again, so "invite me and try again" works at once.
	if err == nil && ch != nil && !ch.IsArchived && (!ch.IsPrivate || ch.IsMember) {
		a.channels.Store(channel, cachedChannel{ch: ch, at: time.Now()})
	}
	return ch, err
}

// History reads one page of a conversation's top-level messages, newest
// first, or of a thread's replies when threadTS is set (the parent comes
// first then), with the metadata apps attached to them. One attempt: its
// caller, the outbox, schedules its own retries.
func (a *API) History(ctx context.Context, channel, threadTS, oldest, cursor string, limit int) ([]slack.Message, string, error) {
	var msgs []slack.Message
	var next string
	if threadTS != "" {
		err := a.Once(ctx, "conversations.replies", func(ctx context.Context) error {
			var err error
			msgs, _, next, err = a.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Oldest: oldest, Cursor: cursor, Limit: limit, IncludeAllMetadata: true,
			})
			return err
		})
		return msgs, next, err
	}
	err := a.Once(ctx, "conversations.history", func(ctx context.Context) error {
		resp, err := a.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Oldest: oldest, Cursor: cursor, Limit: limit, IncludeAllMetadata: true,
		})
		if resp != nil {
			msgs, next = resp.Messages, resp.ResponseMetaData.NextCursor
		}
		return err
	})
	return msgs, next, err
}

// IMs reads one page of the bot's direct-message conversations (im:read,
// which conversations.info on DMs needs already), to find the DM a post
// to a user id landed in without asking for im:write.
func (a *API) IMs(ctx context.Context, cursor string, limit int) ([]slack.Channel, string, error) {
	var chans []slack.Channel
	var next string
	err := a.Once(ctx, "users.conversations", func(ctx context.Context) error {
		var err error
		chans, next, err = a.client.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{
			Types: []string{"im"}, Cursor: cursor, Limit: limit,
		})
		return err
	})
	return chans, next, err
}
