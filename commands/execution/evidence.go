package execution

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// Check is a readiness check's result as a pipeline or a person reports it.
type Check struct {
	Actor   string
	Name    string
	Status  release.CheckStatus
	URL     string
	Allowed func(*storage.Release) error
}

// RecordCheck records a check's result on release id; Changed is false
// when it already had that result (a repeated call).
func (s *Service) RecordCheck(ctx context.Context, id int64, c Check) (Moved, error) {
	return kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (Moved, error) {
		r, err := tx.LockRelease(id)
		if err != nil {
			return Moved{}, err
		}
		if c.Allowed != nil {
			if err := c.Allowed(r); err != nil {
				return Moved{}, err
			}
		}
		if release.Status(r.Status).Finished() {
			return Moved{}, &release.TransitionError{From: release.Status(r.Status), To: release.Status(r.Status)}
		}
		cs, err := tx.Checks(r.ID)
		if err != nil {
			return Moved{}, err
		}
		for _, old := range cs {
			if old.Name == c.Name && old.Status == string(c.Status) && old.URL == c.URL {
				return Moved{Release: r}, nil
			}
		}
		row := storage.ReadinessCheck{ReleaseID: r.ID, Name: c.Name, Status: string(c.Status), URL: c.URL, Actor: c.Actor}
		if err := tx.SetCheck(&row); err != nil {
			return Moved{}, err
		}
		details := fmt.Sprintf("%s %s", c.Name, c.Status)
		if c.URL != "" {
			details += " (" + c.URL + ")"
		}
		if err := tx.Audit(c.Actor, "check", r.ID, details); err != nil {
			return Moved{}, err
		}
		emoji := ":white_check_mark:"
		if c.Status == release.CheckFailed {
			emoji = ":x:"
		}
		line := fmt.Sprintf("%s Readiness check `%s` %s, reported by %s", emoji, c.Name, c.Status, kit.Who(c.Actor))
		if c.URL != "" {
			line += " · <" + c.URL + "|details>"
		}
		ref := c.Name + ":" + strconv.FormatInt(tx.Now().UnixNano(), 36)
		if err := delivery.ThreadLine(tx, r, delivery.EvCheck, ref, line); err != nil {
			return Moved{}, err
		}
		return Moved{Release: r, Changed: true}, delivery.UpdateAnnouncementFor(tx, r, delivery.EvCheck, ref)
	})
}

// Incident is an incident to link to a release.
type Incident struct {
	Actor, Summary, URL string
	Severity            release.Severity
	Allowed             func(*storage.Release) error
}

// LinkIncident links an incident to release id, with its audit entry and
// its line in the release's thread.
func (s *Service) LinkIncident(ctx context.Context, id int64, in Incident) (*storage.Incident, *storage.Release, error) {
	type out struct {
		i *storage.Incident
		r *storage.Release
	}
	o, err := kit.InTx(ctx, s.Deps, func(tx *storage.Tx, _ time.Time) (out, error) {
		r, err := tx.LockRelease(id)
		if err != nil {
			return out{}, err
		}
		if in.Allowed != nil {
			if err := in.Allowed(r); err != nil {
				return out{}, err
			}
		}
		i := &storage.Incident{ReleaseID: r.ID, Summary: in.Summary, Severity: string(in.Severity), URL: in.URL, ReportedBy: in.Actor}
		if err := tx.AddIncident(i); err != nil {
			return out{}, err
		}
		if err := tx.Audit(in.Actor, "incident", r.ID, fmt.Sprintf("INC-%d %s: %s %s", i.ID, i.Severity, i.Summary, i.URL)); err != nil {
			return out{}, err
		}
		line := fmt.Sprintf(":rotating_light: Incident INC-%d linked by %s: %s", i.ID, kit.Who(in.Actor), incidentText(i))
		return out{i, r}, delivery.ThreadLine(tx, r, delivery.EvIncident, strconv.FormatInt(i.ID, 10), line)
	})
	return o.i, o.r, err
}

// incidentText is an incident in one line of mrkdwn.
func incidentText(i *storage.Incident) string {
	text := kit.EscapeNote(i.Summary)
	if i.Severity != "" {
		text = "*" + i.Severity + "* " + text
	}
	if i.URL != "" {
		text += " · <" + i.URL + "|details>"
	}
	return text
}

// LinkHotfix records, in the transaction that planned hotfix, that it
// repairs release fixed: an audit entry and a line in fixed's thread.
func LinkHotfix(tx *storage.Tx, hotfix *storage.Release, fixed int64, actor string) error {
	r, err := tx.LockRelease(fixed)
	if err != nil {
		return err
	}
	if err := tx.Audit(actor, "hotfix", r.ID, fmt.Sprintf("%s %s %s planned to fix it", hotfix.HumanID(), hotfix.Service, hotfix.Version)); err != nil {
		return err
	}
	line := fmt.Sprintf(":adhesive_bandage: Hotfix %s planned by %s to repair this release", kit.Name(hotfix), kit.Who(actor))
	return delivery.ThreadLine(tx, r, delivery.EvHotfix, strconv.FormatInt(hotfix.ID, 10), line)
}
