// Package execution is how a release is carried out, by a pipeline or by
// a person: the deploy gate, the moves from approved to finished with
// their evidence (downtime, pipeline run, commit), readiness checks,
// incidents and hotfix links, what is live where, and the pipeline tokens.
// The HTTP API (package httpapi) and the announcement's buttons both call
// this package, so both obey the same rules of package release.
package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Service serves execution, from Slack and from the HTTP API.
type Service struct{ *kit.Deps }

// New builds the service.
func New(d *kit.Deps) *Service { return &Service{Deps: d} }

// Move is one step of a release's execution.
type Move struct {
	// Actor is a Slack user id, or kit.TokenActorPrefix and a token's name.
	Actor string
	To    release.Status
	// Downtime is the downtime in minutes, when reported.
	Downtime *int
	URL      string
	Commit   string
	Note     string
	// Pipeline says the move comes from a pipeline: a start must pass the
	// whole deploy gate, not only the readiness checks, and the owner's
	// permission is the token's scope instead.
	Pipeline bool
	// Allowed, when set, checks the locked release may be moved by Actor.
	Allowed func(*storage.Release) error
}

// Moved is what a move did; Changed is false when the release already
// was where the move asked (a repeated call).
type Moved struct {
	Release *storage.Release
	Changed bool
}

// Refused lists every reason of the rules why a release may not start.
type Refused struct{ Reasons []error }

func (e *Refused) Error() string {
	words := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		words[i] = r.Error()
	}
	return strings.Join(words, "; ")
}

// events maps a status reached to the change people hear about.
var events = map[release.Status]delivery.Event{
	release.StatusInProgress: delivery.EvStarted, release.StatusCompleted: delivery.EvCompleted,
	release.StatusFailed: delivery.EvFailed, release.StatusRolledBack: delivery.EvRolledBack,
}

// RequiredChecks are the readiness checks the policy of r's type and
// environment requires.
func (s *Service) RequiredChecks(ctx context.Context, r *storage.Release) ([]string, error) {
	return s.Store.RequiredChecks(ctx, r)
}

// results reads a release's checks as the rules see them.
func results(cs []storage.ReadinessCheck) map[string]release.CheckStatus {
	out := make(map[string]release.CheckStatus, len(cs))
	for _, c := range cs {
		out[c.Name] = release.CheckStatus(c.Status)
	}
	return out
}

// GateReasons is the deploy gate for the locked release r at now: every
// reason it may not be deployed, none when it may.
func (s *Service) gateReasons(tx *storage.Tx, r *storage.Release, required []string, whole bool) ([]error, error) {
	cs, err := tx.Checks(r.ID)
	if err != nil {
		return nil, err
	}
	if !whole {
		if err := release.ChecksPassed(required, results(cs)); err != nil {
			return []error{err}, nil
		}
		return nil, nil
	}
	now := tx.Now()
	fs, err := tx.Freezes(now, now.Add(time.Minute))
	if err != nil {
		return nil, err
	}
	freezes := make([]release.Freeze, len(fs))
	for i, f := range fs {
		freezes[i] = release.Freeze{ID: f.ID, Environment: f.Environment, Start: f.StartAt, End: f.EndAt, Reason: f.Reason}
	}
	return release.Gate(release.GateRequest{Slot: r.Slot(), Type: release.Type(r.Type), FreezeReason: r.FreezeReason,
		Now: now, Freezes: freezes, Required: required, Results: results(cs)}), nil
}

// Gate judges whether release r (as read before) may be deployed now:
// every reason it may not, none when it may.
func (s *Service) Gate(ctx context.Context, r *storage.Release) ([]error, error) {
	required, err := s.RequiredChecks(ctx, r)
	if err != nil {
		return nil, err
	}
	var reasons []error
	err = s.Store.InTx(ctx, func(tx *storage.Tx) error {
		reasons, err = s.gateReasons(tx, r, required, true)
		return err
	})
	return reasons, err
}

// Execute moves release current (as read before; its row is locked and
// read again) as m says, in one transaction with its audit entry, what is
// live, the announcement, thread and subscribers.
func (s *Service) Execute(ctx context.Context, current *storage.Release, m Move) (Moved, error) {
	id := current.ID
	var required []string
	if m.To == release.StatusInProgress {
		var err error
		if required, err = s.RequiredChecks(ctx, current); err != nil {
			return Moved{}, err
		}
	}
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (Moved, error) {
		r, err := tx.LockRelease(id)
		if err != nil {
			return Moved{}, err
		}
		if m.Allowed != nil {
			if err := m.Allowed(r); err != nil {
				return Moved{}, err
			}
		}
		if release.Status(r.Status) == m.To {
			return Moved{Release: r}, nil
		}
		// A pipeline's start hears every reason of the gate at once, its
		// status included; anything else is refused by the lifecycle first.
		if !m.Pipeline || m.To != release.StatusInProgress {
			if err := release.CheckTransition(release.Status(r.Status), m.To); err != nil {
				return Moved{}, err
			}
		}
		if m.To == release.StatusInProgress {
			reasons, err := s.gateReasons(tx, r, required, m.Pipeline)
			if err != nil {
				return Moved{}, err
			}
			if len(reasons) > 0 {
				return Moved{}, &Refused{Reasons: reasons}
			}
		}
		evidence(r, m)
		if err := tx.Transition(r, m.To, m.Actor, auditNote(m)); err != nil {
			return Moved{}, err
		}
		if err := s.afterMove(tx, r); err != nil {
			return Moved{}, err
		}
		return Moved{Release: r, Changed: true}, delivery.RecordChange(tx, r, events[m.To], m.Actor, threadNote(m))
	})
}

// evidence writes what the move reports on the release before it is saved.
func evidence(r *storage.Release, m Move) {
	if m.Downtime != nil {
		r.DowntimeMinutes = *m.Downtime
	}
	if m.URL != "" {
		r.PipelineURL = m.URL
	}
	if m.Commit != "" {
		r.CommitSHA = m.Commit
	}
}

// AfterMove keeps what is live where in step with a status change of the
// locked release r, in the change's transaction: a completion makes its
// version live, a rollback puts back what was live before it.
func (s *Service) AfterMove(tx *storage.Tx, r *storage.Release) error { return s.afterMove(tx, r) }

func (s *Service) afterMove(tx *storage.Tx, r *storage.Release) error {
	switch release.Status(r.Status) {
	case release.StatusCompleted:
		return tx.MakeLive(r, kit.Components(r))
	case release.StatusRolledBack:
		_, err := tx.RestoreLive(r)
		return err
	}
	return nil
}

// StartAllowed is the readiness rule a person's start of the locked
// release r must pass: every check in required (RequiredChecks, read
// before the transaction) passed.
func (s *Service) StartAllowed(tx *storage.Tx, r *storage.Release, required []string) error {
	reasons, err := s.gateReasons(tx, r, required, false)
	if err != nil || len(reasons) == 0 {
		return err
	}
	return Words(r, &Refused{Reasons: reasons})
}

// auditNote is the move's evidence as the audit trail keeps it.
func auditNote(m Move) string {
	var parts []string
	if m.Downtime != nil {
		parts = append(parts, fmt.Sprintf("downtime %d min", *m.Downtime))
	}
	if m.URL != "" {
		parts = append(parts, "pipeline "+m.URL)
	}
	if m.Commit != "" {
		parts = append(parts, "commit "+m.Commit)
	}
	if m.Note != "" {
		parts = append(parts, m.Note)
	}
	return strings.Join(parts, "; ")
}

// threadNote is the move's evidence as the thread shows it (mrkdwn).
func threadNote(m Move) string {
	var parts []string
	if m.Downtime != nil {
		parts = append(parts, fmt.Sprintf("%d min of downtime", *m.Downtime))
	}
	if m.URL != "" {
		parts = append(parts, "<"+m.URL+"|pipeline run>")
	}
	if m.Commit != "" {
		parts = append(parts, "commit `"+bot.Escape(m.Commit)+"`")
	}
	if m.Note != "" {
		parts = append(parts, kit.EscapeNote(m.Note))
	}
	return strings.Join(parts, " · ")
}

// Words turns a refusal of an execution rule about r into what a Slack
// user reads; other errors pass unchanged.
func Words(r *storage.Release, err error) error {
	var refused *Refused
	if errors.As(err, &refused) {
		if len(refused.Reasons) == 1 {
			return bot.Userf("%s can't start yet: %s. Nothing was changed.", kit.Name(r), refused.Reasons[0])
		}
		lines := make([]string, len(refused.Reasons))
		for i, reason := range refused.Reasons {
			lines[i] = "\n• " + reason.Error()
		}
		return bot.Userf("%s can't start yet:%s\nNothing was changed.", kit.Name(r), strings.Join(lines, ""))
	}
	return kit.Refusal(r, err)
}
