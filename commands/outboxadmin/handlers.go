// Package outboxadmin serves the admins' view of the outbox: the messages
// Slack refused for good (a channel the bot was not in, a person who left),
// and sending them again once the cause is fixed.
package outboxadmin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// Service serves /release outbox failed and /release outbox retry.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Section is the help's heading for these commands.
const Section = "Admins"

func (s *Service) refuse(req *bot.Request) error {
	s.Log.Info("outbox admin: refused a non-admin", "user", req.UserID, "route", req.Route)
	return bot.Userf("Only admins can see or resend failed messages. Nothing was changed.")
}

// Failed is /release outbox failed [page] (admins).
func (s *Service) Failed(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, s.refuse(req)
	}
	page := 1
	if arg := strings.TrimSpace(req.Args); arg != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(arg), "page="))
		if err != nil || n < 1 {
			return nil, bot.Userf("`/release outbox failed` takes a page number, like `/release outbox failed 2`.")
		}
		page = n
	}
	rows, total, err := s.Store.FailedMessages(ctx, (page-1)*PageSize, PageSize)
	if err != nil {
		return nil, fmt.Errorf("list failed messages: %w", err)
	}
	return FailedView(rows, total, page), nil
}

// parseRetry reads "<id>", "#<id>" or "all"; all is an empty list.
func parseRetry(args string) ([]int64, error) {
	arg := strings.TrimPrefix(strings.TrimSpace(args), "#")
	if strings.EqualFold(arg, "all") {
		return nil, nil
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 || strings.ContainsAny(arg, " \t") {
		return nil, bot.Userf("Tell me which failed message to send again: `/release outbox retry 12` (ids are in `/release outbox failed`), or `/release outbox retry all`. Nothing was changed.")
	}
	return []int64{id}, nil
}

// Retry is /release outbox retry <id|all> (admins).
func (s *Service) Retry(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, s.refuse(req)
	}
	ids, err := parseRetry(req.Args)
	if err != nil {
		return nil, err
	}
	back, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) ([]storage.OutboxMessage, error) {
		back, err := tx.RetryFailed(ids...)
		if err != nil {
			return nil, err
		}
		for _, m := range back {
			var release int64
			if m.ReleaseID != nil {
				release = *m.ReleaseID
			}
			detail := fmt.Sprintf("failed message #%d (%s to %s) sent again; it had failed with: %s",
				m.ID, KindWords(m.Kind), destination(m.Channel), bot.Truncate(m.LastError, 200))
			if err := tx.Audit(req.UserID, "outbox retry", release, detail); err != nil {
				return nil, err
			}
		}
		return back, nil
	})
	if err != nil {
		return nil, fmt.Errorf("put failed messages back: %w", err)
	}
	switch {
	case len(back) == 0 && len(ids) == 1:
		return nil, bot.Userf("There is no failed message #%d. `/release outbox failed` lists them. Nothing was changed.", ids[0])
	case len(back) == 0:
		return bot.Reply("There are no failed messages; nothing to send again."), nil
	}
	s.Log.Info("outbox admin: failed messages put back in the queue", "user", req.UserID, "n", len(back))
	if len(back) == 1 {
		m := back[0]
		return bot.Reply("Sending failed message #%d (%s to %s) again. If Slack refuses it again, it shows up in `/release outbox failed` once more.",
			m.ID, KindWords(m.Kind), destination(m.Channel)), nil
	}
	return bot.Reply("Sending %d failed messages again. Those Slack refuses again show up in `/release outbox failed` once more.", len(back)), nil
}
