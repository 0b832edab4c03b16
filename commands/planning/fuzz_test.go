package planning

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
)

var fuzzSeeds = []string{
	"",
	"billing 2.3.0 2026-03-10 10:00",
	`billing 2.3.0 2026-03-10 10:00 env=staging type=emergency risk=high duration=1h30m owner=<@U0BEN|ben> title="Quarterly fix"`,
	`billing 2.3.0 2026-03-10 10:00 title=“curly quotes” impact=„low-high“ rollback='single' reason=‘curly single’`,
	`billing 2.3.0 2026-03-10 10:00 components="api@2.3.0,worker@1.4.1" reason="it's an outage"`,
	`"billing api" 2.3.0 2026-03-29 02:30 env=qa type=big risk=huge duration=9x`,
	`a b=c b=d "e=f" 'g h' it's`,
	`title="R&amp;D &lt;beta&gt; <https://x.example|x.example>"`,
	`title="unclosed`,
	"\x00 \xff=\xfe \"\u2028\"",
}

// slackEscape is what Slack does to a command's text before sending it.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// quoteValue writes v so that splitWords reads it back as one word; ok is
// false when every quote style appears in v.
func quoteValue(v string) (string, bool) {
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"‘", "’"}} {
		if !strings.Contains(v, q[1]) {
			return q[0] + slackEscape(v) + q[1], true
		}
	}
	return "", false
}

// FuzzParseNew: no input panics; whatever is accepted is a valid plan, and
// writing the plan back as a command reads back the same plan.
func FuzzParseNew(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	pc := parseContext{
		Caller: "U0ANA", Loc: mustLoad(f, "Europe/Berlin"),
		Now:          time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Environments: []string{"production", "staging", "development"},
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, fe := parseNew(text, pc)
		for _, e := range fe {
			if e.Message == "" {
				t.Fatalf("an error without a message: %+v", fe)
			}
			if utf8.ValidString(text) && !utf8.ValidString(e.Message) {
				t.Fatalf("the message breaks UTF-8: %q", e.Message)
			}
		}
		if len(fe) > 0 {
			return
		}
		switch {
		case release.ValidateService(p.Service) != nil, release.ValidateVersion(p.Version) != nil,
			!slices.Contains(pc.Environments, p.Environment), p.Start.Before(pc.Now), p.Start.Location() != time.UTC,
			p.Duration < time.Minute, p.Duration > release.MaxDuration, p.Owner == "",
			utf8.RuneCountInString(p.Title) > maxTitle, utf8.RuneCountInString(p.Impact) > maxImpact,
			utf8.RuneCountInString(p.Rollback) > maxRollback, utf8.RuneCountInString(p.Reason) > kit.MaxReason,
			len(p.Components) > maxComponents:
			t.Fatalf("%q was accepted as an invalid plan: %+v", text, p)
		}
		local := p.Start.In(pc.Loc)
		words := []string{p.Service, p.Version, local.Format("2006-01-02"), local.Format("15:04"),
			"env=" + p.Environment, "type=" + string(p.Type), "risk=" + string(p.Risk),
			"duration=" + release.FormatDuration(p.Duration), "owner=<@" + p.Owner + ">"}
		for _, kv := range [][2]string{{"title", p.Title}, {"impact", p.Impact}, {"rollback", p.Rollback}, {"reason", p.Reason}, {"components", componentsText(p.Components)}} {
			q, ok := quoteValue(kv[1])
			if !ok {
				return
			}
			words = append(words, kv[0]+"="+q)
		}
		line := strings.Join(words, " ")
		again, fe := parseNew(line, pc)
		if len(fe) > 0 {
			t.Fatalf("%q → %q refused: %v", text, line, fe)
		}
		if !samePlan(p, again) || p.Reason != again.Reason {
			t.Fatalf("%q → %+v\nwritten %q → %+v", text, p, line, again)
		}
	})
}
