package commands

import (
	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/freezes"
	"github.com/releasebot/releasebot/commands/home"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/commands/outboxadmin"
	"github.com/releasebot/releasebot/commands/planning"
	"github.com/releasebot/releasebot/commands/subscriptions"
)

// route is one entry of the table: a subcommand (with its help), a
// button's action id, a modal's callback id or an event type, and the
// handler that serves it.
type route struct {
	Command, Usage, Summary string
	// Section, when set, lists the subcommand under that heading at the
	// end of the help.
	Section    string
	Action     string
	Submission string
	Event      string
	// ReadOnly marks a subcommand that changes nothing: it keeps no
	// delivery record (bot.Dedup).
	ReadOnly bool
	Handler  bot.Handler
}

// routes is every way into releasebot, in the order /release help lists
// the subcommands. Each handler is a method of one capability's service,
// in that capability's package.
func (c *Commands) routes() []route {
	p, f, l, a, s, h, o, x := c.planning, c.freezes, c.lifecycle, c.approvals, c.subscriptions, c.home, c.outbox, c.execution
	return append([]route{
		// planning/handlers.go
		{Command: "new", Usage: "[<service> <version> <YYYY-MM-DD> <HH:MM> [env= type= risk= duration= owner= title= impact= rollback= components= reason= fixes= template=]]", Summary: "Plan a release; without arguments it opens a form.", Handler: p.New},
		{Command: "edit", Usage: "<id>", Summary: "Change a release in a form.", Handler: p.Edit},
		// planning/browse.go
		{Command: "list", Usage: "[upcoming|recent|all] [service=<s>] [env=<e>]", Summary: "List releases.", ReadOnly: true, Handler: p.List},
		{Command: "show", Usage: "<id>", Summary: "Show one release.", ReadOnly: true, Handler: p.Show},
		// planning/handlers.go
		{Command: "reschedule", Usage: "<id> <YYYY-MM-DD> <HH:MM> [duration=<d>]", Summary: "Move a release.", Handler: p.Reschedule},
		// lifecycle/handlers.go
		{Command: "cancel", Usage: "<id> [reason…]", Summary: "Cancel a release before it starts.", Handler: l.Cancel},
		// planning/browse.go
		{Command: "calendar", Usage: "[days=<n>]", Summary: "Releases and freezes day by day (default 14 days).", ReadOnly: true, Handler: p.Calendar},
		// freezes/handlers.go
		{Command: "freeze add", Usage: "<YYYY-MM-DD> <HH:MM> <YYYY-MM-DD> <HH:MM> [env=<e>] reason=\"…\"", Summary: "Add a freeze window (admins); without arguments it opens a form.", Handler: f.FreezeAdd},
		{Submission: freezes.CallbackFreeze, Handler: f.SubmitForm},
		{Command: "freeze list", Summary: "List current and coming freeze windows.", ReadOnly: true, Handler: f.FreezeList},
		{Command: "freeze remove", Usage: "<freeze-id>", Summary: "Remove a freeze window (admins).", Handler: f.FreezeRemove},
		// planning/suggest.go
		{Command: "suggest", Usage: "<service> [env=<e>] [duration=<d>]", Summary: "The next three good slots for a release.", ReadOnly: true, Handler: p.Suggest},
		// planning/handlers.go
		{Submission: planning.CallbackNew, Handler: p.SubmitNew},
		{Submission: planning.CallbackEdit, Handler: p.SubmitEdit},
		// planning/browse.go
		{Action: planning.ActionListMore, Handler: p.ListMore},
		{Action: kit.ActionShow, Handler: p.ShowClicked},
		{Action: kit.ActionEdit, Handler: p.EditClicked},

		// lifecycle/handlers.go
		{Command: "start", Usage: "<id>", Summary: "Mark an approved release as started.", Handler: l.Start},
		{Command: "complete", Usage: "<id> [note…]", Summary: "Mark a started release as completed.", Handler: l.Complete},
		{Command: "fail", Usage: "<id> [note…]", Summary: "Mark a started release as failed.", Handler: l.Fail},
		{Command: "rollback", Usage: "<id> [note…]", Summary: "Mark a started release as rolled back.", Handler: l.Rollback},

		// execution/commands.go
		{Command: "live", Usage: "[service] [env=<e>]", Summary: "What is live where: version, components, since when, through which release.", ReadOnly: true, Handler: x.Live},
		{Command: "incident", Usage: "<id> \"<what happened>\" [severity=sev1…sev4] [url=<link>]", Summary: "Link an incident to the release that caused it.", Handler: x.IncidentCommand},
		{Command: "token create", Section: outboxadmin.Section, Usage: "<name> [service=<s>,…]", Summary: "Create a pipeline token for the HTTP API, shown once (admins).", Handler: x.TokenCreate},
		{Command: "token list", Section: outboxadmin.Section, Summary: "List the pipeline tokens (admins).", Handler: x.TokenList},
		{Command: "token revoke", Section: outboxadmin.Section, Usage: "<name>", Summary: "Revoke a pipeline token (admins).", Handler: x.TokenRevoke},
		// execution/buttons.go
		{Action: kit.ActionStart, Handler: x.Start},
		{Action: kit.ActionComplete, Handler: x.Complete},
		{Action: kit.ActionFail, Handler: x.Fail},
		{Action: kit.ActionRollback, Handler: x.Rollback},
		{Action: kit.ActionMarkPassed, Handler: x.MarkPassed},
		{Submission: execution.CallbackMove, Handler: x.SubmitMove},

		// approvals/handlers.go
		{Command: "approvals", Summary: "Your pending approval decisions, with their buttons.", Handler: a.Approvals},
		{Command: "resubmit", Usage: "<id>", Summary: "Ask for approval again after a rejection.", Handler: a.Resubmit},
		{Command: "audit", Usage: "<id>", Summary: "The full history of a release: changes, rounds, decisions.", ReadOnly: true, Handler: a.Audit},
		// approvals/policies.go
		{Command: "policy show", Usage: "[<id>]", Summary: "Who approves which releases, and which rule a release falls under.", ReadOnly: true, Handler: a.PolicyShow},
		{Command: "policy set", Usage: "<standard|normal|emergency> approvers=<@user>,<@group>,… required=<any|all|majority|N> [env=<e>] [risk=<r>] [rollback=required|optional] [checks=<name>,…]", Summary: "Set an approval policy (admins); without arguments it opens a form.", Handler: a.PolicySet},
		{Submission: approvals.CallbackPolicy, Handler: a.SubmitPolicyForm},
		// standards/handlers.go
		{Command: "standard add", Usage: "<name> service=<s> [env=<e>] max-risk=<low|medium|high> \"<what it covers>\"", Summary: "Add a pre-approved standard-change template (admins).", Handler: c.standards.Add},
		{Command: "standard list", Summary: "The standard-change catalogue.", ReadOnly: true, Handler: c.standards.List},
		{Command: "standard remove", Usage: "<name>", Summary: "Remove a standard-change template (admins).", Handler: c.standards.Remove},
		// approvals/handlers.go
		{Action: kit.ActionApprove, Handler: a.Approve},
		{Action: kit.ActionReject, Handler: a.Reject},
		{Submission: approvals.CallbackReject, Handler: a.SubmitReject},
		{Action: kit.ActionResubmit, Handler: a.ResubmitClicked},

		// subscriptions/handlers.go
		{Command: "subscribe", Usage: "<service|all> [env=<e>] [here|me] [level=milestones|all]", Summary: "Hear about a service's releases here (default) or by DM; people hear milestones, channels all. Without arguments it opens a form.", Handler: s.Subscribe},
		{Submission: subscriptions.CallbackSubscribe, Handler: s.SubmitForm},
		{Command: "unsubscribe", Usage: "<service|all> [env=<e>] [here|me]", Summary: "Stop hearing about a service's releases.", Handler: s.Unsubscribe},
		{Command: "subscriptions", Summary: "What this channel and you are subscribed to.", ReadOnly: true, Handler: s.Subscriptions},
		{Command: "stakeholders add", Usage: "<service> <@user> …", Summary: "Add people surveyed after a service's releases.", Handler: s.StakeholdersAdd},
		{Command: "stakeholders remove", Usage: "<service> <@user> …", Summary: "Remove stakeholders of a service.", Handler: s.StakeholdersRemove},
		{Command: "stakeholders list", Usage: "<service>", Summary: "List a service's stakeholders.", ReadOnly: true, Handler: s.StakeholdersList},

		// home/handlers.go
		{Event: home.EventOpened, Handler: h.Opened},

		// metrics/service.go
		{Command: "metrics", Usage: "[service=<s>] [env=<e>] [days=<n>]", Summary: "Success rate, downtime, satisfaction, adoption and lead times, against the period before (default 90 days).", ReadOnly: true, Handler: c.metrics.Metrics},
		// calendarfeed/handlers.go
		{Command: "calendar feed", Usage: "[revoke]", Summary: "Your own iCalendar feed of coming releases and freezes (shown once), or end it.", Handler: c.calendarFeed.Feed},

		// outboxadmin/handlers.go
		{Command: "outbox failed", Usage: "[page]", Section: outboxadmin.Section, Summary: "Messages Slack refused for good, most recent first.", ReadOnly: true, Handler: o.Failed},
		{Command: "outbox retry", Usage: "<id|all>", Section: outboxadmin.Section, Summary: "Send failed messages again, once what Slack refused is fixed.", Handler: o.Retry},
	}, c.feedbackRoutes()...)
}
