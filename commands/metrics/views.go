package metrics

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
)

// Percent shows a share, or that there was nothing to count.
func Percent(v float64) string {
	if math.IsNaN(v) {
		return "no data"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

// Number shows a figure with one decimal, or that there was nothing to count.
func Number(v float64) string {
	if math.IsNaN(v) {
		return "no data"
	}
	return fmt.Sprintf("%.1f", v)
}

// Duration shows a lead time rounded for reading; negative means none.
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "no data"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute)/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	default:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	}
}

// trend is "(↑ from 40%)": the previous period's value beside the arrow.
func trend(now, before float64, show func(float64) string) string {
	t := release.Compare(now, before)
	if t == release.TrendUnknown {
		return ""
	}
	return fmt.Sprintf(" (%s from %s)", t.Arrow(), show(before))
}

func durTrend(now, before time.Duration) string {
	if now < 0 || before < 0 {
		return ""
	}
	return trend(now.Seconds(), before.Seconds(), func(v float64) string { return Duration(time.Duration(v) * time.Second) })
}

// ScopeText names what the figures count.
func ScopeText(sc Scope) string {
	what := "all services"
	if sc.Service != "" {
		what = bot.Escape(sc.Service)
	}
	if sc.Env != "" {
		what += " in " + bot.Escape(sc.Env)
	}
	return fmt.Sprintf("%s, last %d days", what, sc.Days)
}

// Lines are the figures one line each, with the previous period beside
// them; the digest and the App Home show the same lines.
func Lines(r Result) []string {
	n, b := r.Now, r.Before
	dist := make([]string, 5)
	for i, c := range n.Distribution {
		dist[i] = fmt.Sprintf("%d★ %d", i+1, c)
	}
	return []string{
		fmt.Sprintf("*Success rate* %s%s · change failure rate %s — %d finished", Percent(n.SuccessRate), trend(n.SuccessRate, b.SuccessRate, Percent), Percent(n.ChangeFailureRate), n.Finished),
		fmt.Sprintf("*Downtime* %d min total%s · %s min per release · worst %d min", n.DowntimeTotal, trend(float64(n.DowntimeTotal), float64(b.DowntimeTotal), func(v float64) string { return fmt.Sprintf("%.0f", v) }), Number(n.DowntimeAverage), n.DowntimeWorst),
		fmt.Sprintf("*Satisfaction* %s / 5%s · %s · response rate %s", Number(n.Satisfaction), trend(n.Satisfaction, b.Satisfaction, Number), strings.Join(dist, " "), Percent(n.ResponseRate)),
		fmt.Sprintf("*Adoption* %s%s", Percent(n.AdoptionRate), trend(n.AdoptionRate, b.AdoptionRate, Percent)),
		fmt.Sprintf("*Approval lead time* median %s%s · p90 %s", Duration(n.ApprovalMedian), durTrend(n.ApprovalMedian, b.ApprovalMedian), Duration(n.ApprovalP90)),
		fmt.Sprintf("*Plan → completed* median %s%s · p90 %s", Duration(n.LeadMedian), durTrend(n.LeadMedian, b.LeadMedian), Duration(n.LeadP90)),
		fmt.Sprintf("*Deployments* %.1f per week%s · emergency share %s", n.PerWeek, trend(n.PerWeek, b.PerWeek, func(v float64) string { return fmt.Sprintf("%.1f", v) }), Percent(n.EmergencyShare)),
		fmt.Sprintf("*Reviews* %s of required done%s · %d open follow-up actions", Percent(n.ReviewsDoneShare), trend(n.ReviewsDoneShare, b.ReviewsDoneShare, Percent), n.OpenActions),
	}
}

// definitionKeys are the definitions the view shows, in Lines' order.
var definitionKeys = []string{"success", "downtime", "satisfaction", "adoption", "approval", "lead", "frequency", "reviews"}

// View is /release metrics' answer: each figure with its definition.
func View(r Result) []slack.Block {
	blocks := []slack.Block{bot.Section(fmt.Sprintf("*Release metrics: %s* (compared with the %d days before)", ScopeText(r.Scope), r.Scope.Days))}
	for i, line := range Lines(r) {
		blocks = append(blocks, bot.Section(line),
			slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, release.Definitions[definitionKeys[i]], false, false)))
	}
	return blocks
}

// Summary is the notification text of the figures.
func Summary(r Result) string {
	return fmt.Sprintf("Release metrics, %s: success rate %s", ScopeText(r.Scope), Percent(r.Now.SuccessRate))
}

// Block is the figures under a title in one section, for the digest and
// the App Home.
func Block(title string, r Result) slack.Block {
	return bot.Section("*" + title + "* (`/release metrics` explains each)\n" + strings.Join(Lines(r), "\n"))
}
