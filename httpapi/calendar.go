package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// CalendarStore is what the feed reads.
type CalendarStore interface {
	CalendarFeedByHash(ctx context.Context, hash string) (*storage.CalendarFeed, error)
	Releases(ctx context.Context, f storage.ReleaseFilter) ([]storage.Release, int64, error)
	Freezes(ctx context.Context, from, to time.Time) ([]storage.FreezeWindow, error)
}

// Calendar serves GET /calendar.ics?token=…: the coming releases and
// freezes for a person's calendar. The token is the person's feed token
// (/release calendar feed), looked up by its hash.
type Calendar struct {
	Store CalendarStore
	Clock func() time.Time
	Log   *slog.Logger
}

// The feed's span: what happened a week ago (so a cancellation reaches a
// calendar that synced before it) to three months ahead.
const (
	feedPast   = 7 * 24 * time.Hour
	feedFuture = 90 * 24 * time.Hour
	feedMax    = 2000
)

func (c *Calendar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256([]byte(r.URL.Query().Get("token")))
	_, err := c.Store.CalendarFeedByHash(r.Context(), hex.EncodeToString(sum[:]))
	if errors.Is(err, storage.ErrNotFound) || r.URL.Query().Get("token") == "" {
		http.Error(w, "This calendar feed is unknown or was revoked; /release calendar feed in Slack makes a new one.", http.StatusUnauthorized)
		return
	}
	if err == nil {
		var body []byte
		if body, err = c.feed(r.Context()); err == nil {
			w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
			_, _ = w.Write(body)
			return
		}
	}
	c.Log.ErrorContext(r.Context(), "calendar feed", "err", err)
	http.Error(w, "The bot could not read the calendar; try again.", http.StatusInternalServerError)
}

func (c *Calendar) feed(ctx context.Context) ([]byte, error) {
	now := c.Clock().UTC()
	rows, _, err := c.Store.Releases(ctx, storage.ReleaseFilter{From: now.Add(-feedPast), To: now.Add(feedFuture), Limit: feedMax})
	if err != nil {
		return nil, err
	}
	freezes, err := c.Store.Freezes(ctx, now.Add(-feedPast), now.Add(feedFuture))
	if err != nil {
		return nil, err
	}
	return ICS(rows, freezes, now), nil
}

// ICS is the iCalendar (RFC 5545) of releases and freezes: stable UIDs
// (release-17@releasebot), SEQUENCE from the release's revision so an
// update replaces the event, STATUS:CANCELLED for cancelled releases,
// CRLF line ends, text escaped and lines folded at 75 octets.
func ICS(rows []storage.Release, freezes []storage.FreezeWindow, now time.Time) []byte {
	var b strings.Builder
	line := func(name, value string) { fold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//releasebot//releasebot//EN")
	line("CALSCALE", "GREGORIAN")
	line("X-WR-CALNAME", "Releases")
	for i := range rows {
		r := &rows[i]
		status := "CONFIRMED"
		switch release.Status(r.Status) {
		case release.StatusCancelled, release.StatusRejected:
			status = "CANCELLED"
		case release.StatusPlanned:
			status = "TENTATIVE"
		}
		summary := fmt.Sprintf("%s %s (%s)", r.Service, r.Version, r.Environment)
		event(line, fmt.Sprintf("release-%d@releasebot", r.ID), r.Revision, r.UpdatedAt, r.StartAt, r.EndAt, summary,
			fmt.Sprintf("R-%d, %s, %s risk, %s. Owner %s.", r.ID, r.Type, r.Risk, release.Status(r.Status).Label(), r.OwnerID), status)
	}
	for _, f := range freezes {
		scope := "all environments"
		if f.Environment != "" {
			scope = f.Environment
		}
		event(line, fmt.Sprintf("freeze-%d@releasebot", f.ID), 0, f.CreatedAt, f.StartAt, f.EndAt, "Release freeze ("+scope+")", f.Reason, "CONFIRMED")
	}
	line("END", "VCALENDAR")
	return []byte(b.String())
}

func event(line func(name, value string), uid string, seq int64, stamp, start, end time.Time, summary, desc, status string) {
	const utc = "20060102T150405Z"
	line("BEGIN", "VEVENT")
	line("UID", uid)
	line("SEQUENCE", fmt.Sprint(seq))
	line("DTSTAMP", stamp.UTC().Format(utc))
	line("DTSTART", start.UTC().Format(utc))
	line("DTEND", end.UTC().Format(utc))
	line("SUMMARY", escapeText(summary))
	line("DESCRIPTION", escapeText(desc))
	line("STATUS", status)
	line("END", "VEVENT")
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold writes a content line folded at 75 octets, never inside a UTF-8
// sequence, continuation lines starting with a space.
func fold(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut] + "\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s + "\r\n")
}
