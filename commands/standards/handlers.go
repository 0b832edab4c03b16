// Package standards is the standard-change catalogue: changes admins
// approved once as templates. A standard release names one and must fit
// it (release.CheckTemplate); then it needs no approval round.
package standards

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Service serves the catalogue commands.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// maxCovers is the room for what a template covers (the column's size).
const maxCovers = 500

const addUsage = "`/release standard add <name> service=<s> [env=<e>] max-risk=<low|medium|high> \"<what it covers>\"`"

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Add is /release standard add (admins).
func (s *Service) Add(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can add standard-change templates. `/release standard list` shows the catalogue.")
	}
	t, err := s.parseAdd(req.Args)
	if err != nil {
		return nil, err
	}
	t.CreatedBy = req.UserID
	added, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, now time.Time) (*storage.StandardTemplate, error) {
		row := *t
		row.CreatedAt = now
		ok, err := tx.AddStandardTemplate(&row)
		if err != nil || !ok {
			return nil, err
		}
		return &row, tx.Audit(req.UserID, "standard template added", 0, templateAudit(&row))
	})
	if err != nil {
		return nil, err
	}
	if added == nil {
		return nil, bot.Userf("There already is a template called %s; remove it first with `/release standard remove %s`.", t.Name, t.Name)
	}
	return bot.Reply("Added standard-change template *%s*: %s. Standard releases that name it (`template=%s`) need no approval.", added.Name, bot.Escape(templateLine(added)), added.Name), nil
}

func (s *Service) parseAdd(text string) (*storage.StandardTemplate, error) {
	args, err := kit.ParseArgs(text, "service", "env", "max-risk")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), addUsage)
	}
	if len(args.Positional) < 2 || !args.Has("service") || !args.Has("max-risk") {
		return nil, bot.Userf("I need a name, service=, max-risk= and what the template covers: %s", addUsage)
	}
	name := strings.ToLower(args.Positional[0])
	if !namePattern.MatchString(name) {
		return nil, bot.Userf("%q is not a template name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'.", kit.Plain(args.Positional[0]))
	}
	service := strings.ToLower(args.Get("service"))
	if err := release.ValidateService(service); err != nil {
		return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	risk, err := release.ParseRisk(args.Get("max-risk"))
	if err != nil {
		return nil, bot.Userf("max-risk: %s.", err)
	}
	covers := strings.TrimSpace(strings.Join(args.Positional[1:], " "))
	if n := utf8.RuneCountInString(covers); n > maxCovers {
		return nil, bot.Userf("What the template covers is %d characters long; keep it within %d.", n, maxCovers)
	}
	return &storage.StandardTemplate{Name: name, Service: service, Environment: env, MaxRisk: string(risk), Covers: covers}, nil
}

// List is /release standard list.
func (s *Service) List(ctx context.Context, _ *bot.Request) (*bot.Response, error) {
	ts, err := s.Store.StandardTemplates(ctx)
	if err != nil {
		return nil, err
	}
	text := listText(ts)
	return &bot.Response{Text: text, Blocks: kit.PackLines(strings.Split(text, "\n"), bot.MaxMessageBlocks)}, nil
}

// Remove is /release standard remove (admins).
func (s *Service) Remove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can remove standard-change templates. `/release standard list` shows the catalogue.")
	}
	fields := strings.Fields(req.Args)
	if len(fields) != 1 {
		return nil, bot.Userf("Tell me which template: `/release standard remove <name>`. `/release standard list` shows them.")
	}
	name := strings.ToLower(fields[0])
	removed, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (*storage.StandardTemplate, error) {
		t, err := tx.RemoveStandardTemplate(name)
		if err != nil {
			return nil, err
		}
		return t, tx.Audit(req.UserID, "standard template removed", 0, templateAudit(t))
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, bot.Userf("There is no template called %q. `/release standard list` shows them.", kit.Plain(name))
	}
	if err != nil {
		return nil, err
	}
	return bot.Reply("Removed standard-change template *%s*. Releases already planned with it keep their approval; new ones can no longer name it.", removed.Name), nil
}

func templateAudit(t *storage.StandardTemplate) string {
	return fmt.Sprintf("%s: %s", t.Name, templateLine(t))
}
