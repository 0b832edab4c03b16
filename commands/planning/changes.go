package planning

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/approvals"
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func toFreezes(ws []storage.FreezeWindow) []release.Freeze {
	out := make([]release.Freeze, len(ws))
	for i, w := range ws {
		out[i] = release.Freeze{ID: w.ID, Environment: w.Environment, Start: w.StartAt, End: w.EndAt, Reason: w.Reason}
	}
	return out
}

// outcome is what a planning transaction produced: the release planned
// or changed, or the field errors that refused it.
type outcome struct {
	created
	fe fieldErrors
}

// refused is an outcome that changes nothing and says why.
func refused(field, format string, args ...any) outcome {
	var o outcome
	o.fe.add(field, format, args...)
	return o
}

// create plans a release: freeze rule, conflicts, approval round,
// announcement, notifications and reminders, in one transaction.
func (s *Service) create(ctx context.Context, actor, channel string, p plan) (created, fieldErrors, error) {
	rp, err := s.rounds.PrepareRound(ctx, p.Type, p.Environment, p.Risk, p.Owner, actor)
	if err != nil {
		return created{}, nil, err
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (outcome, error) {
		if fe, err := policyRefusal(tx, p, rp); err != nil || len(fe) > 0 {
			return outcome{fe: fe}, err
		}
		slot := release.Slot{Service: p.Service, Environment: p.Environment, Start: p.Start, End: p.End(), Components: storage.ComponentNames(p.Components)}
		freezes, err := tx.Freezes(slot.Start, slot.End)
		if err != nil {
			return outcome{}, err
		}
		hit := release.FreezesHit(slot, toFreezes(freezes))
		if len(hit) > 0 && !release.FreezeOverride(p.Type, p.Reason) {
			return freezeRefused(hit[0], p.Type), nil
		}
		others, err := tx.Overlapping(slot)
		if err != nil {
			return outcome{}, err
		}
		// Fresh components each run: creating them fills in their ids,
		// which a run rolled back must not pass on.
		r := &storage.Release{CreatedBy: actor, Channel: channel, Status: string(release.StatusPlanned), Components: freshComponents(p.Components)}
		p.apply(r)
		if len(hit) > 0 {
			r.FreezeReason = p.Reason
		}
		r.RetroReview = p.Type == release.TypeEmergency
		if p.Fixes != 0 {
			if _, err := tx.LockRelease(int64(p.Fixes)); errors.Is(err, storage.ErrNotFound) {
				return refused("fixes", "There is no release %s to fix; `/release list recent` shows the recent ones.", p.Fixes), nil
			} else if err != nil {
				return outcome{}, err
			}
			r.FixesID = ptr(int64(p.Fixes))
		}
		// A release its policy pre-approves is written approved at once:
		// the same audit trail as planning then approving it, without
		// writing the row twice.
		preApproved := rp.PreApproved && rp.Hold == ""
		if preApproved {
			r.Status = string(release.StatusApproved)
		}
		details := fmt.Sprintf("%s %s → %s, %s, %s/%s risk", p.Service, p.Version, p.Environment, kit.FallbackTime(p.Start), p.Type, p.Risk)
		if p.Template != "" {
			details += ", standard template " + p.Template
		}
		if err := tx.CreateRelease(r, actor, details); err != nil {
			return outcome{}, err
		}
		if len(hit) > 0 {
			if err := tx.Audit(actor, "freeze override", r.ID, fmt.Sprintf("during freeze F-%d (%s): %s", hit[0].ID, hit[0].Reason, p.Reason)); err != nil {
				return outcome{}, err
			}
		}
		if p.Fixes != 0 {
			if err := execution.LinkHotfix(tx, r, int64(p.Fixes), actor); err != nil {
				return outcome{}, err
			}
		}
		opened := rp
		if preApproved {
			err = approvals.RecordPreApproval(tx, r, rp)
		} else {
			opened, err = approvals.OpenRound(tx, r, rp, actor)
		}
		if err != nil {
			return outcome{}, err
		}
		if err := delivery.RecordChange(tx, r, delivery.EvPlanned, actor, ""); err != nil {
			return outcome{}, err
		}
		conflicts := release.Conflicts(r.Slot(), others)
		if err := delivery.RecordOverlaps(tx, r, conflicts, actor); err != nil {
			return outcome{}, err
		}
		return outcome{created: created{r: r, conflicts: conflicts, rp: opened, override: hit}}, nil
	})
	return out.created, out.fe, err
}

// errUnchanged means an edit or reschedule changed nothing.
var errUnchanged = errors.New("nothing changed")

// change applies an edit or a reschedule: same checks as planning, a new
// approval round when the release needs approval, and everything the change
// causes, in one transaction. revision, when non-zero, must still be the
// release's: a form opened on an older version is refused, not merged.
func (s *Service) change(ctx context.Context, actor string, id, revision int64, ev delivery.Event, edit func(*storage.Release) plan) (created, fieldErrors, error) {
	current, err := s.Store.Release(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return created{}, nil, bot.Userf("%s no longer exists.", release.ID(id))
	}
	if err != nil {
		return created{}, nil, err
	}
	next := edit(current)
	rp, err := s.rounds.PrepareRound(ctx, next.Type, next.Environment, next.Risk, next.Owner, current.CreatedBy, actor)
	if err != nil {
		return created{}, nil, err
	}
	out, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (outcome, error) {
		r, err := tx.LockRelease(id)
		if err != nil {
			return outcome{}, err
		}
		if !s.MayManage(actor, r) {
			return outcome{}, bot.Userf("Only the owner (%s) or an admin can change %s.", bot.Mention(r.OwnerID), kit.Name(r))
		}
		if revision != 0 && r.Revision != revision {
			return outcome{}, bot.Userf("%s changed while you were editing it; close this form and run `/release edit %s` again.", kit.Name(r), r.HumanID())
		}
		if err := release.StillEditable(release.Status(r.Status)); err != nil {
			return outcome{}, kit.NotEditable(r, err, "changed")
		}
		return s.apply(tx, r, edit(r), rp, actor, ev)
	})
	if errors.Is(err, errUnchanged) {
		return created{}, nil, bot.Userf("Nothing changed in %s.", kit.Name(current))
	}
	return out.created, out.fe, err
}

// apply writes a change to the locked release r: the freeze rule, the
// new approval round and everything the change causes.
func (s *Service) apply(tx *storage.Tx, r *storage.Release, p plan, rp approvals.Plan, actor string, ev delivery.Event) (outcome, error) {
	st := release.Status(r.Status)
	before := fromRelease(r)
	if samePlan(before, p) {
		return outcome{}, errUnchanged
	}
	if fe, err := policyRefusal(tx, p, rp); err != nil || len(fe) > 0 {
		return outcome{fe: fe}, err
	}
	slot := release.Slot{ID: release.ID(r.ID), Service: p.Service, Environment: p.Environment, Start: p.Start, End: p.End(), Components: storage.ComponentNames(p.Components)}
	freezes, err := tx.Freezes(slot.Start, slot.End)
	if err != nil {
		return outcome{}, err
	}
	hit := release.FreezesHit(slot, toFreezes(freezes))
	// A freeze added after the release was planned refuses moving it or
	// changing what it is, not fixing its title or handing it over: the
	// freeze's author already saw it listed as affected.
	touchesFreeze := !p.Start.Equal(before.Start) || p.Duration != before.Duration ||
		p.Environment != before.Environment || p.Type != before.Type
	if len(hit) > 0 && !release.FreezeOverride(p.Type, firstNonEmpty(p.Reason, r.FreezeReason)) {
		if touchesFreeze {
			return freezeRefused(hit[0], p.Type), nil
		}
		hit = nil
	}
	others, err := tx.Overlapping(slot)
	if err != nil {
		return outcome{}, err
	}
	p.apply(r)
	switch {
	case len(hit) == 0:
		// Out of every freeze: an old override no longer applies.
		r.FreezeReason = ""
	case p.Reason != "":
		r.FreezeReason = p.Reason
	}
	r.RetroReview = r.RetroReview || p.Type == release.TypeEmergency
	if err := tx.ReplaceComponents(r.ID, p.Components); err != nil {
		return outcome{}, err
	}
	r.Components = p.Components
	if rp, err = s.store(tx, r, st, rp, actor, ev); err != nil {
		return outcome{}, err
	}
	if err := tx.Audit(actor, string(ev), r.ID, describeChange(before, p)); err != nil {
		return outcome{}, err
	}
	if len(hit) > 0 {
		if err := tx.Audit(actor, "freeze override", r.ID, fmt.Sprintf("during freeze F-%d (%s): %s", hit[0].ID, hit[0].Reason, r.FreezeReason)); err != nil {
			return outcome{}, err
		}
	}
	opened, err := approvals.OpenRound(tx, r, rp, actor)
	if err != nil {
		return outcome{}, err
	}
	if err := recordChange(tx, r, ev, actor, before, p); err != nil {
		return outcome{}, err
	}
	conflicts := release.Conflicts(r.Slot(), others)
	if moved := !p.Start.Equal(before.Start) || p.Duration != before.Duration || p.Environment != before.Environment || p.Service != before.Service ||
		componentsText(p.Components) != componentsText(before.Components); moved {
		if err := delivery.RecordOverlaps(tx, r, conflicts, actor); err != nil {
			return outcome{}, err
		}
	}
	return outcome{created: created{r: r, conflicts: conflicts, rp: opened, override: hit}}, nil
}

// store saves a changed release in the status the change leaves it in,
// and says which approval round it needs.
func (s *Service) store(tx *storage.Tx, r *storage.Release, st release.Status, rp approvals.Plan, actor string, ev delivery.Event) (approvals.Plan, error) {
	switch st {
	case release.StatusRejected:
		// It stays rejected until /release resubmit opens a new round.
		return approvals.HoldRejected(r), tx.SaveRelease(r)
	case release.StatusPlanned:
		return rp, tx.SaveRelease(r)
	}
	// Approved: the change needs a fresh decision.
	if err := tx.Transition(r, release.StatusPlanned, actor, string(ev)+": needs approval again"); err != nil {
		return rp, kit.Refusal(r, err)
	}
	return rp, nil
}

func samePlan(a, b plan) bool {
	return a.Service == b.Service && a.Version == b.Version && a.Environment == b.Environment &&
		a.Type == b.Type && a.Risk == b.Risk && a.Start.Equal(b.Start) && a.Duration == b.Duration &&
		a.Owner == b.Owner && a.Title == b.Title && a.Impact == b.Impact && a.Rollback == b.Rollback && a.Template == b.Template &&
		componentsText(a.Components) == componentsText(b.Components) && (b.Reason == "" || a.Reason == b.Reason)
}

// describeChange lists what changed, for the audit log: plain text that
// reads the same anywhere.
func describeChange(a, b plan) string {
	return listChanges(a, b, kit.FallbackTime, func(user string) string { return user }, func(text string) string { return text })
}

// describeChangeMrkdwn lists what changed for the thread and subscribers:
// times in each reader's zone, people as mentions.
func describeChangeMrkdwn(a, b plan) string {
	return listChanges(a, b, func(t time.Time) string { return bot.Date(t, "{date_short_pretty} {time}") }, bot.Mention, bot.Escape)
}

func listChanges(a, b plan, showTime func(time.Time) string, showUser, showText func(string) string) string {
	var parts []string
	add := func(field, from, to string) {
		if from != to {
			parts = append(parts, fmt.Sprintf("%s %s → %s", field, showText(orDash(from)), showText(orDash(to))))
		}
	}
	add("service", a.Service, b.Service)
	add("version", a.Version, b.Version)
	add("env", a.Environment, b.Environment)
	add("type", string(a.Type), string(b.Type))
	add("risk", string(a.Risk), string(b.Risk))
	if !a.Start.Equal(b.Start) {
		parts = append(parts, fmt.Sprintf("start %s → %s", showTime(a.Start), showTime(b.Start)))
	}
	add("duration", release.FormatDuration(a.Duration), release.FormatDuration(b.Duration))
	if a.Owner != b.Owner {
		parts = append(parts, fmt.Sprintf("owner %s → %s", showUser(a.Owner), showUser(b.Owner)))
	}
	add("components", componentsText(a.Components), componentsText(b.Components))
	for _, t := range []struct{ field, a, b string }{{"title", a.Title, b.Title}, {"impact", a.Impact, b.Impact}, {"rollback plan", a.Rollback, b.Rollback}} {
		if t.a != t.b {
			parts = append(parts, t.field+" updated")
		}
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// freshComponents copies components without the ids a create gave them.
func freshComponents(in []storage.ReleaseComponent) []storage.ReleaseComponent {
	var out []storage.ReleaseComponent
	for _, c := range in {
		out = append(out, storage.ReleaseComponent{Name: c.Name, Version: c.Version})
	}
	return out
}

func ptr(id int64) *int64 { return &id }

// recordChange writes the thread line, the notifications and the
// reminders of a change; an edit that moved the window is a milestone.
func recordChange(tx *storage.Tx, r *storage.Release, ev delivery.Event, actor string, before, p plan) error {
	note := describeChangeMrkdwn(before, p)
	if ev == delivery.EvEdited {
		return delivery.RecordEdit(tx, r, actor, note, !p.Start.Equal(before.Start) || p.Duration != before.Duration)
	}
	return delivery.RecordChange(tx, r, ev, actor, note)
}
