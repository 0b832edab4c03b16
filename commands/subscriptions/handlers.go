// Package subscriptions is who hears about releases: channels and people
// subscribed to a service's releases, and the stakeholders of a service.
package subscriptions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Service serves subscriptions and stakeholders.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// subscriptionTarget reads `<service|all> [env=<e>] [here|me]`.
type subscriptionTarget struct {
	Service, Environment, Target, Kind string
}

func (s *Service) parseSubscription(req *bot.Request, verb string) (subscriptionTarget, error) {
	usage := fmt.Sprintf("`/release %s <service|all> [env=<e>] [here|me]`", verb)
	args, err := kit.ParseArgs(req.Args, "env")
	if err != nil {
		return subscriptionTarget{}, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
	}
	if len(args.Positional) < 1 || len(args.Positional) > 2 {
		return subscriptionTarget{}, bot.Userf("Usage: %s", usage)
	}
	t := subscriptionTarget{Service: strings.ToLower(args.Positional[0]), Environment: args.Get("env"), Target: req.ChannelID, Kind: "channel"}
	if t.Service == "all" {
		t.Service = storage.AllServices
	} else if err := release.ValidateService(t.Service); err != nil {
		return subscriptionTarget{}, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	if t.Environment != "" && !slices.Contains(s.Config.Environments, t.Environment) {
		return subscriptionTarget{}, bot.Userf("%q is not an environment here; use %s.", kit.Plain(t.Environment), strings.Join(s.Config.Environments, ", "))
	}
	where := "here"
	if len(args.Positional) == 2 {
		where = strings.ToLower(args.Positional[1])
	}
	switch {
	case where == "me", where == "here" && strings.HasPrefix(req.ChannelID, "D"):
		// In a DM, "here" can only mean the person.
		t.Target, t.Kind = req.UserID, "user"
	case where == "here":
	default:
		return subscriptionTarget{}, bot.Userf("%q: say `here` (this channel) or `me` (a DM to you).", kit.Plain(where))
	}
	return t, nil
}

// Subscribe is /release subscribe.
func (s *Service) Subscribe(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	t, err := s.parseSubscription(req, "subscribe")
	if err != nil {
		return nil, err
	}
	warning := ""
	if t.Kind == "channel" {
		ch, err := s.API.ConversationInfo(ctx, t.Target)
		switch {
		case bot.ErrorCode(err) == "channel_not_found":
			// Slack hides private channels the bot is not in; the command
			// came from this one, so it exists.
			warning = privateWarning
		case err != nil:
			s.Log.Info("could not check subscribed channel", "channel", t.Target, "err", err)
		case ch.IsArchived:
			return nil, bot.Userf("This channel is archived; subscribe another one.")
		case ch.IsPrivate && !ch.IsMember:
			warning = privateWarning
		}
	}
	added, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (bool, error) {
		added, err := tx.Subscribe(&storage.Subscription{Service: t.Service, Environment: t.Environment, Target: t.Target, TargetKind: t.Kind, CreatedBy: req.UserID})
		if err != nil || !added {
			return added, err
		}
		return true, tx.Audit(req.UserID, "subscribed", 0, fmt.Sprintf("%s → %s", t.describe(), t.Target))
	})
	if err != nil {
		return nil, err
	}
	if !added {
		return bot.Reply("%s already hear%s about releases of %s.", kit.Capitalize(t.where()), verbS(t), t.describe()), nil
	}
	return bot.Reply(":bell: Subscribed %s to releases of %s: planned, rescheduled, approved, rejected, cancelled, started, completed, failed and rolled back.%s", t.where(), t.describe(), warning), nil
}

// Unsubscribe is /release unsubscribe.
func (s *Service) Unsubscribe(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	t, err := s.parseSubscription(req, "unsubscribe")
	if err != nil {
		return nil, err
	}
	removed, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (bool, error) {
		removed, err := tx.Unsubscribe(t.Service, t.Environment, t.Target)
		if err != nil || !removed {
			return removed, err
		}
		return true, tx.Audit(req.UserID, "unsubscribed", 0, fmt.Sprintf("%s → %s", t.describe(), t.Target))
	})
	if err != nil {
		return nil, err
	}
	if !removed {
		return bot.Reply("%s %s not subscribed to releases of %s; `/release subscriptions` lists the subscriptions.", kit.Capitalize(t.where()), isAre(t), t.describe()), nil
	}
	return bot.Reply(":no_bell: Unsubscribed %s from releases of %s.", t.where(), t.describe()), nil
}

// Subscriptions is /release subscriptions.
func (s *Service) Subscriptions(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if strings.TrimSpace(req.Args) != "" {
		return nil, bot.Userf("`/release subscriptions` takes no arguments.")
	}
	subs, err := s.Store.Subscriptions(ctx, req.ChannelID, req.UserID)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return bot.Reply("Neither this channel nor you are subscribed to anything. Try `/release subscribe <service>`."), nil
	}
	var lines []string
	for _, sub := range subs {
		t := subscriptionTarget{Service: sub.Service, Environment: sub.Environment, Target: sub.Target, Kind: sub.TargetKind}
		lines = append(lines, fmt.Sprintf("• %s → %s", t.describe(), t.where()))
	}
	text := "*Subscriptions*\n" + strings.Join(lines, "\n")
	return &bot.Response{Text: text, Blocks: kit.PackLines(strings.Split(text, "\n"), bot.MaxMessageBlocks)}, nil
}

// StakeholdersAdd is /release stakeholders add.
func (s *Service) StakeholdersAdd(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.stakeholders(true)(ctx, req)
}

// StakeholdersRemove is /release stakeholders remove.
func (s *Service) StakeholdersRemove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.stakeholders(false)(ctx, req)
}

func (s *Service) stakeholders(add bool) bot.Handler {
	verb := "remove"
	if add {
		verb = "add"
	}
	return func(ctx context.Context, req *bot.Request) (*bot.Response, error) {
		usage := fmt.Sprintf("`/release stakeholders %s <service> @ana @ben`", verb)
		args, err := kit.ParseArgs(req.Args)
		if err != nil || len(args.Positional) < 2 {
			return nil, bot.Userf("I need a service and at least one person: %s", usage)
		}
		service := strings.ToLower(args.Positional[0])
		if err := release.ValidateService(service); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
		if err := s.mayChangeStakeholders(ctx, req.UserID, service); err != nil {
			return nil, err
		}
		var users []string
		for _, w := range args.Positional[1:] {
			u, err := kit.ParseUser(w)
			if err != nil {
				return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
			}
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
		type outcome struct{ changed, unchanged []string }
		out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (outcome, error) {
			var o outcome
			for _, u := range users {
				var ok bool
				var err error
				if add {
					ok, err = tx.AddStakeholder(&storage.Stakeholder{Service: service, UserID: u, AddedBy: req.UserID})
				} else {
					ok, err = tx.RemoveStakeholder(service, u)
				}
				if err != nil {
					return o, err
				}
				if ok {
					o.changed = append(o.changed, u)
				} else {
					o.unchanged = append(o.unchanged, u)
				}
			}
			if len(o.changed) == 0 {
				return o, nil
			}
			return o, tx.Audit(req.UserID, "stakeholders "+verb, 0, service+": "+strings.Join(o.changed, ", "))
		})
		if err != nil {
			return nil, err
		}
		return bot.Reply("%s", stakeholdersText(add, service, out.changed, out.unchanged)), nil
	}
}

// StakeholdersList is /release stakeholders list.
func (s *Service) StakeholdersList(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args)
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Tell me the service: `/release stakeholders list <service>`.")
	}
	service := strings.ToLower(args.Positional[0])
	if err := release.ValidateService(service); err != nil {
		return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	list, err := s.Store.Stakeholders(ctx, service)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return bot.Reply("%s has no stakeholders yet. Add them with `/release stakeholders add %s @ana`.", bot.Escape(service), bot.Escape(service)), nil
	}
	users := make([]string, len(list))
	for i, st := range list {
		users[i] = st.UserID
	}
	return bot.Reply("Stakeholders of %s (%d): %s", bot.Escape(service), len(users), kit.JoinMentions(users)), nil
}
