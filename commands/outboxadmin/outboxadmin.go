// Package outboxadmin serves the admins' view of the outbox: the messages
// Slack refused for good (a channel the bot was not in, a person who left),
// and sending them again once the cause is fixed.
package outboxadmin

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// Options configures New.
type Options struct {
	Store *storage.Store
	// IsAdmin says who may use these commands (ADMINS).
	IsAdmin func(user string) bool
	// Wake tells the outbox that messages are waiting.
	Wake   func()
	Logger *slog.Logger
}

// Admin serves /release outbox failed and /release outbox retry.
type Admin struct {
	store   *storage.Store
	isAdmin func(string) bool
	wake    func()
	log     *slog.Logger
}

// New builds the commands.
func New(o Options) *Admin {
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Admin{store: o.Store, isAdmin: o.IsAdmin, wake: o.Wake, log: o.Logger}
}

// Section is the help's heading for these commands.
const Section = "Admins"

// Register puts the commands on the router.
func (a *Admin) Register(r *bot.Router) {
	r.HandleCommand(bot.Subcommand{Name: "outbox failed", Usage: "[page]", Section: Section,
		Summary: "Messages Slack refused for good, most recent first.", Handler: a.cmdFailed})
	r.HandleCommand(bot.Subcommand{Name: "outbox retry", Usage: "<id|all>", Section: Section,
		Summary: "Send failed messages again, once what Slack refused is fixed.", Handler: a.cmdRetry})
}

func (a *Admin) refuse(req *bot.Request) error {
	a.log.Info("outbox admin: refused a non-admin", "user", req.UserID, "route", req.Route)
	return bot.Userf("Only admins can see or resend failed messages. Nothing was changed.")
}

func (a *Admin) cmdFailed(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !a.isAdmin(req.UserID) {
		return nil, a.refuse(req)
	}
	page := 1
	if arg := strings.TrimSpace(req.Args); arg != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(arg), "page="))
		if err != nil || n < 1 {
			return nil, bot.Userf("`/release outbox failed` takes a page number, like `/release outbox failed 2`.")
		}
		page = n
	}
	rows, total, err := a.store.FailedMessages(ctx, (page-1)*PageSize, PageSize)
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

func (a *Admin) cmdRetry(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !a.isAdmin(req.UserID) {
		return nil, a.refuse(req)
	}
	ids, err := parseRetry(req.Args)
	if err != nil {
		return nil, err
	}
	var back []storage.OutboxMessage
	err = a.store.InTx(ctx, func(tx *storage.Tx) error {
		back, err = tx.RetryFailed(ids...)
		if err != nil {
			return err
		}
		for _, m := range back {
			var release int64
			if m.ReleaseID != nil {
				release = *m.ReleaseID
			}
			detail := fmt.Sprintf("failed message #%d (%s to %s) sent again; it had failed with: %s",
				m.ID, KindWords(m.Kind), destination(m.Channel), bot.Truncate(m.LastError, 200))
			if err := tx.Audit(req.UserID, "outbox retry", release, detail); err != nil {
				return err
			}
		}
		return nil
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
	a.wake()
	a.log.Info("outbox admin: failed messages put back in the queue", "user", req.UserID, "n", len(back))
	if len(back) == 1 {
		m := back[0]
		return bot.Reply("Sending failed message #%d (%s to %s) again. If Slack refuses it again, it shows up in `/release outbox failed` once more.",
			m.ID, KindWords(m.Kind), destination(m.Channel)), nil
	}
	return bot.Reply("Sending %d failed messages again. Those Slack refuses again show up in `/release outbox failed` once more.", len(back)), nil
}
