// Package metrics is release management measuring itself: /release
// metrics, and the one place every other surface (the JSON endpoint, the
// report, the App Home, /metrics) reads the key figures from, so they all
// show the same numbers. The definitions are release.Compute's; the
// counting is storage.MetricsCounts's, in SQL.
package metrics

import (
	"context"
	"fmt"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// DefaultDays is the period /release metrics shows without days=.
const DefaultDays = 90

// Service serves the figures.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Scope is which releases the figures count.
type Scope struct {
	Service, Env string
	Days         int
}

// Result is a period's figures and the previous period's of the same
// length, to compare with.
type Result struct {
	Scope       Scope
	Period      release.Period
	Now, Before release.Figures
}

// Figures computes the scope's figures for the period ending now and the
// one before it.
func (s *Service) Figures(ctx context.Context, sc Scope) (Result, error) {
	cur, prev := s.periods(sc.Days)
	out := Result{Scope: sc, Period: cur}
	for _, p := range []struct {
		period release.Period
		into   *release.Figures
	}{{cur, &out.Now}, {prev, &out.Before}} {
		c, err := s.Store.MetricsCounts(ctx, storage.MetricsScope{Service: sc.Service, Env: sc.Env,
			From: p.period.From, To: p.period.To, Window: s.Config.SuccessWindow})
		if err != nil {
			return Result{}, fmt.Errorf("metrics of %+v: %w", sc, err)
		}
		*p.into = release.Compute(c, sc.Days)
	}
	return out, nil
}

func (s *Service) periods(days int) (cur, prev release.Period) { return release.Periods(s.Now(), days) }

// ParseScope reads service=, env= and days= (the default period when
// absent); the error is the sentence users read.
func ParseScope(service, env, days string) (Scope, error) {
	n, err := release.ParseDays(days, DefaultDays)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Service: service, Env: env, Days: n}, nil
}

const usage = "Usage: `/release metrics [service=<s>] [env=<e>] [days=<n>]`."

// Metrics is /release metrics: the key figures, only for the asker.
func (s *Service) Metrics(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	args, err := kit.ParseArgs(req.Args, "service", "env", "days")
	if err == nil && len(args.Positional) > 0 {
		err = fmt.Errorf("metrics takes only service=, env= and days=")
	}
	if err != nil {
		s.Log.InfoContext(ctx, "metrics refused", "kind", "usage")
		return nil, bot.Userf("%s %s", kit.Capitalize(err.Error()), usage)
	}
	sc, err := ParseScope(args.Get("service"), args.Get("env"), args.Get("days"))
	if err != nil {
		s.Log.InfoContext(ctx, "metrics refused", "kind", "bad_days")
		return nil, bot.Userf("%s, like `days=30`. %s", kit.Capitalize(err.Error()), usage)
	}
	res, err := s.Figures(ctx, sc)
	if err != nil {
		return nil, err
	}
	return &bot.Response{Text: Summary(res), Blocks: View(res)}, nil
}
