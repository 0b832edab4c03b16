package reminders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// chat.postMessage has no idempotency key: after a try whose outcome is
// unknown (the replica died mid-call, Slack's answer was lost, the record
// of it could not be written), the only way to tell whether Slack posted
// the message is to look. Every post therefore carries the outbox row's
// id as Slack message metadata, and a message that may be in Slack
// already is looked for in its conversation (or thread) before it is
// posted again.

// MetadataEventType is the event_type of the metadata on every message the
// outbox posts; event_payload.outbox_id is the row's id.
const MetadataEventType = "releasebot_outbox"

const (
	// recheckMargin widens the search before the earlier try's start:
	// that start was read from this replica's clock, the message's ts
	// from Slack's.
	recheckMargin = 2 * time.Minute
	// recheckPages bounds one search: pages of recheckPageSize messages
	// posted since the earlier try, newest first. A conversation busier
	// than that in a few minutes is not looked through to the end.
	recheckPages    = 5
	recheckPageSize = 200
)

// Results of a search, for releasebot_outbox_checks_total.
const (
	checkFound     = "found"     // Slack had it: recorded, not posted again
	checkNotFound  = "not_found" // Slack did not have it: posted
	checkUnchecked = "unchecked" // could not look (scope, membership): posted anyway
)

// errNotLooked means the search stopped at recheckPages before the end.
var errNotLooked = errors.New("more messages than one search reads")

func newChecksCounter() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "releasebot_outbox_checks_total",
		Help: "Messages an earlier try may have posted, looked for in Slack before posting: found (recorded, not posted again), not_found (posted), unchecked (could not look, e.g. missing history scope or not in the channel; posted anyway).",
	}, []string{"result"})
	for _, r := range []string{checkFound, checkNotFound, checkUnchecked} {
		c.WithLabelValues(r)
	}
	return c
}

func postMetadata(id int64) slack.SlackMetadata {
	return slack.SlackMetadata{EventType: MetadataEventType, EventPayload: map[string]any{"outbox_id": id}}
}

// isPostOf reports whether msg is the post of outbox row id.
func isPostOf(msg slack.Message, id int64) bool {
	if msg.Metadata.EventType != MetadataEventType {
		return false
	}
	switch v := msg.Metadata.EventPayload["outbox_id"].(type) {
	case float64:
		return v == float64(id)
	case json.Number:
		return v.String() == fmt.Sprint(id)
	case string:
		return v == fmt.Sprint(id)
	}
	return false
}

// lookFirst looks in Slack for a message an earlier try may have posted.
// It returns true when it dealt with the message: found and recorded as
// sent, or the search failed in a way that puts the message back (a 5xx,
// a 429, a refused token). Otherwise the message is to be posted; its
// AttemptedAt is cleared when the search showed Slack does not have it.
func (ob *Outbox) lookFirst(ctx, markCtx, recordCtx context.Context, m *storage.OutboxMessage, log *slog.Logger, d Delivery) bool {
	method, channel, ts, err := ob.findPosted(ctx, m, d)
	switch {
	case err == nil && ts != "":
		ob.checks.WithLabelValues(checkFound).Inc()
		log.Info("outbox: found in Slack from an earlier try; not posting it again", "channel", channel, "ts", ts)
		ob.record(markCtx, m, log, channel, ts)
		return true
	case err == nil:
		ob.checks.WithLabelValues(checkNotFound).Inc()
		m.AttemptedAt = nil
		return false
	case errors.Is(err, errNotLooked):
		ob.checks.WithLabelValues(checkUnchecked).Inc()
		log.Warn("outbox: too many messages to look for an earlier post; posting it", "method", method, "channel", d.Channel)
		return false
	case bot.ErrorCode(err) == "missing_scope":
		// A workspace that did not grant the history scopes must still
		// get its messages: sending is not paused for it, unlike for a
		// scope chat.postMessage needs.
		ob.checks.WithLabelValues(checkUnchecked).Inc()
		if ob.scopeWarned.CompareAndSwap(false, true) {
			log.Warn("outbox: Slack refuses to show the bot its conversations (missing_scope): a message whose earlier try was cut off is posted without looking for it, so it may appear twice; add channels:history, groups:history, im:history and mpim:history to the app",
				"method", method)
		}
		return false
	case bot.IsPermanent(err) && !bot.IsCredential(err):
		// not_in_channel (a public channel the bot posts in without
		// having joined), channel_not_found: nothing to look in. The post
		// itself says whether the destination works.
		ob.checks.WithLabelValues(checkUnchecked).Inc()
		log.Warn("outbox: cannot look for an earlier post; posting it", "method", method, "code", bot.ErrorCode(err), "channel", d.Channel)
		return false
	}
	log.Warn("outbox: could not look for an earlier post", "method", method, "err", err)
	ob.sendFailed(recordCtx, m, log, d.Channel, method, err)
	return true
}

// findPosted searches the destination for the post of m, from shortly
// before the earlier try began. It returns the method it failed on, or
// where the message is ("" when Slack does not have it).
func (ob *Outbox) findPosted(ctx context.Context, m *storage.OutboxMessage, d Delivery) (method, channel, ts string, err error) {
	channel = d.Channel
	if isUserID(channel) {
		// A post to a user id lands in the bot's DM with them, whose id
		// the lost answer would have told.
		im, err := ob.imWith(ctx, channel)
		if err != nil || im == "" {
			return "users.conversations", "", "", err
		}
		channel = im
	}
	method = "conversations.history"
	if d.ThreadTS != "" {
		method = "conversations.replies"
	}
	since := m.AttemptedAt.Add(-recheckMargin)
	oldest := fmt.Sprintf("%d.%06d", since.Unix(), since.Nanosecond()/1000)
	cursor := ""
	for range recheckPages {
		msgs, next, err := ob.o.Sender.History(ctx, channel, d.ThreadTS, oldest, cursor, recheckPageSize)
		if err != nil {
			return method, "", "", err
		}
		for _, msg := range msgs {
			if isPostOf(msg, m.ID) {
				return method, channel, msg.Timestamp, nil
			}
		}
		if next == "" {
			return method, "", "", nil
		}
		cursor = next
	}
	return method, "", "", errNotLooked
}

// imWith finds the bot's DM with user; "" when there is none, so nothing
// was ever posted to them.
func (ob *Outbox) imWith(ctx context.Context, user string) (string, error) {
	cursor := ""
	for range recheckPages {
		chans, next, err := ob.o.Sender.IMs(ctx, cursor, recheckPageSize)
		if err != nil {
			return "", err
		}
		for _, c := range chans {
			if c.IsIM && c.User == user {
				return c.ID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		cursor = next
	}
	return "", errNotLooked
}

func isUserID(channel string) bool {
	return strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W")
}
