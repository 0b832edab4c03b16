package execution

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
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

// maxIncident bounds an incident's summary (the column's size).
const maxIncident = 500

// ValidURL checks a link a pipeline or a person gives: http or https,
// at most 500 characters (the columns' size).
func ValidURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 500 {
		return fmt.Errorf("%q is not an http(s) link of at most 500 characters", kit.Plain(s))
	}
	return nil
}

// IncidentCommand is /release incident <id> "<what happened>" [severity=…] [url=…].
func (s *Service) IncidentCommand(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	const usage = "`/release incident R-12 \"what happened\" [severity=sev1…sev4] [url=https://…]`"
	args, err := kit.ParseArgs(req.Args, "severity", "url")
	if err != nil {
		return nil, bot.Userf("%s. Usage: %s", kit.Capitalize(err.Error()), usage)
	}
	if len(args.Positional) < 2 {
		return nil, bot.Userf("I need the release and what happened: %s", usage)
	}
	in := Incident{Actor: req.UserID, Summary: strings.TrimSpace(strings.Join(args.Positional[1:], " ")), URL: args.Get("url")}
	if n := utf8.RuneCountInString(in.Summary); n > maxIncident {
		return nil, bot.Userf("The description is %d characters long; keep it within %d.", n, maxIncident)
	}
	if args.Has("severity") {
		if in.Severity, err = release.ParseSeverity(args.Get("severity")); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
	}
	if in.URL != "" {
		if err := ValidURL(in.URL); err != nil {
			return nil, bot.Userf("url: %s.", err)
		}
	}
	r, err := s.LoadRelease(ctx, args.Positional[0])
	if err != nil {
		return nil, err
	}
	inc, r, err := s.LinkIncident(ctx, r.ID, in)
	if err != nil {
		return nil, kit.Refusal(r, err)
	}
	return bot.Reply(":rotating_light: Linked incident INC-%d to %s: %s. It shows in `/release show %s`, the thread and the audit.", inc.ID, kit.Name(r), incidentText(inc), r.HumanID()), nil
}

// Live is /release live [service] [env=…]: what runs where now.
func (s *Service) Live(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args, "env")
	if err != nil {
		return nil, bot.Userf("%s. Usage: `/release live [service] [env=<e>]`", kit.Capitalize(err.Error()))
	}
	if len(args.Positional) > 1 {
		return nil, bot.Userf("Name at most one service: `/release live [service] [env=<e>]`")
	}
	service := ""
	if len(args.Positional) == 1 {
		service = strings.ToLower(args.Positional[0])
		if err := release.ValidateService(service); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
	}
	env := args.Get("env")
	if env != "" && !slices.Contains(s.Config.Environments, env) {
		return nil, bot.Userf("%q is not an environment here; use %s.", kit.Plain(env), strings.Join(s.Config.Environments, ", "))
	}
	live, err := s.Store.LiveNow(ctx, service, env)
	if err != nil {
		return nil, err
	}
	text := liveView(live, service, env)
	return &bot.Response{Text: text, Blocks: kit.PackLines(strings.Split(text, "\n"), bot.MaxMessageBlocks)}, nil
}

var tokenNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,25}$`)

// TokenCreate is /release token create <name> [service=<s>,…] (admins):
// the secret is shown once, to the admin alone, and only its hash is kept.
func (s *Service) TokenCreate(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can create pipeline tokens.")
	}
	args, err := kit.ParseArgs(req.Args, "service")
	if err != nil || len(args.Positional) != 1 {
		return nil, bot.Userf("Usage: `/release token create <name> [service=<s>,…]`")
	}
	name := strings.ToLower(args.Positional[0])
	if !tokenNamePattern.MatchString(name) {
		return nil, bot.Userf("%q is not a token name: use 1 to 26 lower-case letters, digits, '.', '_' or '-', like ci-payments.", kit.Plain(name))
	}
	var services []string
	for _, sv := range strings.Split(args.Get("service"), ",") {
		if sv = strings.ToLower(strings.TrimSpace(sv)); sv == "" {
			continue
		}
		if err := release.ValidateService(sv); err != nil {
			return nil, bot.Userf("%s.", kit.Capitalize(err.Error()))
		}
		services = append(services, sv)
	}
	secret, err := newSecret()
	if err != nil {
		return nil, err
	}
	_, err = kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (struct{}, error) {
		t := storage.APIToken{Name: name, Hash: HashToken(secret), Services: strings.Join(services, ","), CreatedBy: req.UserID}
		if err := tx.CreateToken(&t); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, tx.Audit(req.UserID, "token create", 0, fmt.Sprintf("%s for %s", name, scopeWords(t.Services)))
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, bot.Userf("A token named `%s` exists already; revoke it first or choose another name.", name)
	}
	if err != nil {
		return nil, err
	}
	return bot.Reply(":key: Token `%s` for %s:\n`%s`\nStore it in your pipeline's secrets now: it is shown only this once. Send it as `Authorization: Bearer <token>`.", name, scopeWords(strings.Join(services, ",")), secret), nil
}

// TokenList is /release token list (admins).
func (s *Service) TokenList(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can list pipeline tokens.")
	}
	tokens, err := s.Store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return bot.Reply("There are no pipeline tokens. `/release token create <name> [service=<s>]` makes one."), nil
	}
	lines := []string{"*Pipeline tokens*"}
	for _, t := range tokens {
		lines = append(lines, fmt.Sprintf("• `%s` for %s, created by %s %s", t.Name, scopeWords(t.Services), bot.Mention(t.CreatedBy), bot.Date(t.CreatedAt, "{date_short_pretty}")))
	}
	return &bot.Response{Text: strings.Join(lines, "\n"), Blocks: kit.PackLines(lines, bot.MaxMessageBlocks)}, nil
}

// TokenRevoke is /release token revoke <name> (admins).
func (s *Service) TokenRevoke(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return nil, bot.Userf("Only admins can revoke pipeline tokens.")
	}
	name := strings.ToLower(strings.TrimSpace(req.Args))
	if name == "" {
		return nil, bot.Userf("Tell me which token: `/release token revoke <name>`.")
	}
	found, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (bool, error) {
		ok, err := tx.DeleteToken(name)
		if err != nil || !ok {
			return ok, err
		}
		return true, tx.Audit(req.UserID, "token revoke", 0, name)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, bot.Userf("There is no token named `%s`. `/release token list` shows them.", kit.Plain(name))
	}
	return bot.Reply("Revoked token `%s`: pipelines using it are refused from now on.", name), nil
}

func scopeWords(services string) string {
	if services == "" {
		return "every service"
	}
	return strings.ReplaceAll(services, ",", ", ")
}

// newSecret is a token's secret: 32 random bytes, recognisable by prefix.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return "rbt_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is how a token's secret is stored and looked up.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
