package execution

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// liveView is /release live's answer: per service and environment, the
// version and components live now, since when and through which release.
func liveView(live []storage.LiveVersion, service, env string) string {
	scope := "every service"
	if service != "" {
		scope = service
	}
	if env != "" {
		scope += " in " + env
	}
	if len(live) == 0 {
		return fmt.Sprintf("Nothing is recorded as live for %s yet: a release shows here once it completes.", bot.Escape(scope))
	}
	lines := []string{fmt.Sprintf("*Live now* (%s)", bot.Escape(scope))}
	for _, l := range live {
		line := fmt.Sprintf("• *%s* → %s: `%s` since %s, through `%s`", bot.Escape(l.Service), bot.Escape(l.Environment), bot.Escape(l.Version),
			bot.Date(l.Since, "{date_short_pretty} {time}"), release.ID(l.ReleaseID))
		if l.Components != "" && l.Components != "—" {
			line += " · " + l.Components
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// Evidence is what /release show adds about a release's execution: its
// checks, downtime and pipeline run, incidents and hotfix links.
func Evidence(r *storage.Release, checks []storage.ReadinessCheck, required []string, incidents []storage.Incident, hotfixes []storage.Release, window time.Duration) []string {
	var lines []string
	if len(required) > 0 || len(checks) > 0 {
		var parts []string
		seen := map[string]bool{}
		for _, c := range checks {
			seen[c.Name] = true
			mark := ":white_check_mark:"
			if c.Status == string(release.CheckFailed) {
				mark = ":x:"
			}
			parts = append(parts, fmt.Sprintf("%s `%s`", mark, c.Name))
		}
		for _, name := range required {
			if !seen[name] {
				parts = append(parts, fmt.Sprintf(":hourglass: `%s`", name))
			}
		}
		lines = append(lines, "*Readiness checks*: "+strings.Join(parts, ", "))
	}
	if r.StartedAt != nil || r.PipelineURL != "" {
		var parts []string
		if r.StartedAt != nil {
			parts = append(parts, "started "+bot.Date(*r.StartedAt, "{date_short_pretty} {time}"))
		}
		if r.FinishedAt != nil {
			parts = append(parts, "finished "+bot.Date(*r.FinishedAt, "{date_short_pretty} {time}"))
		}
		if r.FinishedAt != nil && release.Status(r.Status) != release.StatusCancelled {
			parts = append(parts, fmt.Sprintf("%d min of downtime", r.DowntimeMinutes))
		}
		if r.PipelineURL != "" {
			parts = append(parts, "<"+r.PipelineURL+"|pipeline run>")
		}
		if r.CommitSHA != "" {
			parts = append(parts, "commit `"+bot.Escape(r.CommitSHA)+"`")
		}
		lines = append(lines, "*Execution*: "+strings.Join(parts, " · "))
	}
	if r.FixesID != nil {
		lines = append(lines, fmt.Sprintf(":adhesive_bandage: Hotfix for %s", release.ID(*r.FixesID)))
	}
	for _, i := range incidents {
		lines = append(lines, fmt.Sprintf(":rotating_light: Incident INC-%d: %s", i.ID, incidentText(&i)))
	}
	for _, h := range hotfixes {
		lines = append(lines, fmt.Sprintf(":adhesive_bandage: Hotfix %s %s %s (%s)", h.HumanID(), bot.Escape(h.Service), bot.Escape(h.Version), release.Status(h.Status).Label()))
	}
	if line := outcome(r, incidents, hotfixes, window); line != "" {
		lines = append(lines, line)
	}
	return lines
}

// outcome says whether a finished release succeeded, by release.Succeeded.
func outcome(r *storage.Release, incidents []storage.Incident, hotfixes []storage.Release, window time.Duration) string {
	st := release.Status(r.Status)
	if r.FinishedAt == nil || st == release.StatusCancelled || window == 0 {
		return ""
	}
	var problems []time.Time
	for _, i := range incidents {
		problems = append(problems, i.CreatedAt)
	}
	for _, h := range hotfixes {
		problems = append(problems, h.CreatedAt)
	}
	span := release.FormatDuration(window)
	if window%(24*time.Hour) == 0 {
		span = fmt.Sprintf("%d days", window/(24*time.Hour))
	}
	if release.Succeeded(st, *r.FinishedAt, problems, window) {
		return fmt.Sprintf("*Outcome*: succeeded (no incident or hotfix linked within %s of its end)", span)
	}
	if st == release.StatusCompleted {
		return fmt.Sprintf("*Outcome*: did not succeed: an incident or hotfix was linked within %s of its end", span)
	}
	return "*Outcome*: did not succeed: it " + st.Label()
}

// ShowLines reads and renders what /release show adds about r's execution.
func ShowLines(ctx context.Context, store *storage.Store, r *storage.Release, window time.Duration) ([]string, error) {
	required, err := store.RequiredChecks(ctx, r)
	if err != nil {
		return nil, err
	}
	checks, err := store.Checks(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	incidents, err := store.Incidents(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	hotfixes, err := store.Hotfixes(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return Evidence(r, checks, required, incidents, hotfixes, window), nil
}
