// Package commands puts releasebot's capabilities together: it builds one
// service per capability (planning, freezes, lifecycle, approvals,
// subscriptions, home, the admins' outbox commands, the scheduled jobs and
// the outbox's renderer) and registers their handlers from the one route
// table in routes.go.
package commands

import (
	"log/slog"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/calendarfeed"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/digest"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/expiry"
	"github.com/releasebot/releasebot/commands/freezes"
	"github.com/releasebot/releasebot/commands/home"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/commands/lifecycle"
	"github.com/releasebot/releasebot/commands/metrics"
	"github.com/releasebot/releasebot/commands/outboxadmin"
	"github.com/releasebot/releasebot/commands/planning"
	"github.com/releasebot/releasebot/commands/reviews"
	"github.com/releasebot/releasebot/commands/standards"
	"github.com/releasebot/releasebot/commands/subscriptions"
	"github.com/releasebot/releasebot/commands/surveys"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/storage"
)

// Options configures New.
type Options struct {
	Config config.Config
	Store  *storage.Store
	API    *bot.API
	Clock  func() time.Time
	Logger *slog.Logger
	// Wake tells the outbox that new messages are waiting.
	Wake func()
}

// Commands is every /release capability.
type Commands struct {
	planning      *planning.Service
	freezes       *freezes.Service
	lifecycle     *lifecycle.Service
	approvals     *approvals.Service
	subscriptions *subscriptions.Service
	home          *home.Service
	outbox        *outboxadmin.Service
	execution     *execution.Service
	standards     *standards.Service
	// Jobs are the scheduled jobs: nudges, the digest, pruning.
	Jobs *digest.Service
	// Resolver renders outbox messages when they are delivered.
	Resolver *delivery.Resolver
	// Surveys and Reviews serve their commands and run their scheduled
	// jobs: opening due surveys, reminding of missing reviews.
	Surveys *surveys.Service
	Reviews *reviews.Service
	// Expiry retires releases whose window passed unapproved (a job).
	Expiry       *expiry.Service
	metrics      *metrics.Service
	calendarFeed *calendarfeed.Service
}

// New builds every capability.
func New(o Options) *Commands {
	d := kit.NewDeps(o.Config, o.Store, o.API, o.Clock, o.Logger, o.Wake)
	h := home.New(d)
	a := approvals.New(d, h)
	e := execution.New(d)
	return &Commands{
		execution: e,
		planning:  planning.New(d, a), freezes: freezes.New(d), lifecycle: lifecycle.New(d, e), approvals: a,
		subscriptions: subscriptions.New(d), home: h, outbox: outboxadmin.New(d), Jobs: digest.New(d), Resolver: delivery.NewResolver(d),
		Surveys: surveys.New(d), Reviews: reviews.New(d),
		standards: standards.New(d), Expiry: expiry.New(d), metrics: metrics.New(d), calendarFeed: calendarfeed.New(d),
	}
}

// Register puts every route of the table on the router.
func (c *Commands) Register(r *bot.Router) {
	for _, rt := range c.routes() {
		switch {
		case rt.Action != "":
			r.HandleAction(rt.Action, rt.Handler)
		case rt.Submission != "":
			r.HandleSubmission(rt.Submission, rt.Handler)
		case rt.Event != "":
			r.HandleEvent(rt.Event, rt.Handler)
		default:
			r.HandleCommand(bot.Subcommand{Name: rt.Command, Usage: rt.Usage, Summary: rt.Summary, Section: rt.Section, ReadOnly: rt.ReadOnly, Handler: rt.Handler})
		}
	}
}

// Execution is the capability the pipeline API (package httpapi) calls.
func (c *Commands) Execution() *execution.Service { return c.execution }

// Planning is the capability the pipeline API plans releases with.
func (c *Commands) Planning() *planning.Service { return c.planning }

// Metrics is the capability every surface reads the key figures from.
func (c *Commands) Metrics() *metrics.Service { return c.metrics }
