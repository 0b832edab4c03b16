package app

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/metrics"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

// Deps is everything the capabilities need.
type Deps struct {
	Config    config.Config
	Store     *storage.Store
	API       *bot.API
	Clock     func() time.Time
	Logger    *slog.Logger
	BotUserID string
	Registry  prometheus.Registerer
	Tuning    Tuning
}

// Tuning holds the background loops' intervals; tests shorten them.
type Tuning struct {
	// OutboxPoll is how often the outbox looks for due messages (default 1s).
	OutboxPoll time.Duration
	// MinuteJobs is the schedule of the reminder checks (default every
	// minute, which keeps every reminder within a minute of its time).
	MinuteJobs string
	// OutboxBackoff is the first retry's wait after a 5xx (default 2s).
	OutboxBackoff time.Duration
	// OutboxLease is how long a replica holds the messages it claimed
	// (default 60s): after a crash, what it held waits that long for
	// another replica. See docs/outbox.md.
	OutboxLease time.Duration
	// OutboxMaxAttempts bounds the tries of a message on 5xx and network
	// errors before it is marked failed (default 8).
	OutboxMaxAttempts int
	// OutboxAuthProbe is the first wait, after Slack refused the bot token,
	// before auth.test checks whether it works again (default 5s); it
	// doubles while the token stays refused, up to OutboxAuthProbeMax
	// (default 1m).
	OutboxAuthProbe    time.Duration
	OutboxAuthProbeMax time.Duration
	// MetricsRefresh is the schedule of the /metrics key figures' refresh
	// (default every 5 minutes: a scrape never runs the queries).
	MetricsRefresh string
}

// system is the running capabilities.
type system struct {
	commands *commands.Commands
	outbox   *reminders.Outbox
	deps     Deps
	figures  *metrics.Exporter
}

// build creates the capabilities and registers their routes.
func build(r *bot.Router, d Deps) *system {
	sys := &system{deps: d}
	sys.commands = commands.New(commands.Options{
		Config: d.Config, Store: d.Store, API: d.API, Clock: d.Clock, Logger: d.Logger,
		Wake: func() { sys.outbox.Wake() },
	})
	// The queue orders and records messages by their kind's properties.
	d.Store.RegisterOutboxKinds(delivery.Specs()...)
	sys.outbox = reminders.NewOutbox(reminders.OutboxOptions{
		Store: d.Store, Sender: d.API, Resolver: sys.commands.Resolver, Logger: d.Logger, Registry: d.Registry,
		Clock: d.Clock, Admins: d.Config.Admins, PollInterval: d.Tuning.OutboxPoll, BaseBackoff: d.Tuning.OutboxBackoff,
		Lease: d.Tuning.OutboxLease, MaxAttempts: d.Tuning.OutboxMaxAttempts,
		AuthProbe: d.Tuning.OutboxAuthProbe, AuthProbeMax: d.Tuning.OutboxAuthProbeMax,
	})
	sys.figures = metrics.NewExporter(d.Registry, sys.commands.Metrics())
	sys.commands.Register(r)
	return sys
}

// digestCatchUp is how late a digest missed while no replica ran is still
// sent: the same working day, not the next morning next to a fresh one.
const digestCatchUp = 12 * time.Hour

// run runs the scheduler and the outbox until ctx ends.
func (sys *system) run(ctx context.Context) error {
	minute := sys.deps.Tuning.MinuteJobs
	if minute == "" {
		minute = "@every 1m"
	}
	sched := reminders.NewScheduler(sys.deps.Config.DefaultTimezone, sys.deps.Logger, sys.deps.Clock)
	jobs := []reminders.Job{
		{Name: "approval nudges", Spec: minute, Run: sys.commands.Jobs.NudgeApprovers},
		{Name: "weekly digest", Spec: sys.deps.Config.DigestCron, Run: sys.commands.Jobs.SendDigest, CatchUp: digestCatchUp},
		{Name: "prune deliveries", Spec: "@every 1h", Run: sys.commands.Jobs.Prune},
		{Name: "open surveys", Spec: minute, Run: sys.commands.Surveys.OpenDue},
		{Name: "review reminders", Spec: minute, Run: sys.commands.Reviews.RemindMissing},
		{Name: "expire stale releases", Spec: minute, Run: sys.commands.Expiry.Expire},
		{Name: "metrics gauges", Spec: cmp.Or(sys.deps.Tuning.MetricsRefresh, "@every 5m"), Run: sys.figures.Refresh},
	}
	for _, j := range jobs {
		if err := sched.Add(ctx, j); err != nil {
			return err
		}
	}
	go func() {
		// The gauges exist from start-up, not five minutes later.
		if err := sys.figures.Refresh(ctx); err != nil {
			sys.deps.Logger.WarnContext(ctx, "metrics gauges: first refresh", "err", err)
		}
	}()
	done := make(chan struct{})
	go func() { sys.outbox.Run(ctx); close(done) }()
	sched.Run(ctx)
	<-done
	return nil
}
