package kit

import (
	"reflect"
	"slices"
	"strings"
	"testing"
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

// FuzzParseArgs: no input panics, only allowed keys come out, and what comes
// out, written back as Slack would send it, reads back the same.
func FuzzParseArgs(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	allowed := []string{"b", "env", "title", "owner", "reason", "impact", "rollback", "components"}
	f.Fuzz(func(t *testing.T, text string) {
		a, err := ParseArgs(text, allowed...)
		if err != nil {
			if a.Positional != nil || a.Options != nil {
				t.Fatalf("error %v with a result %+v", err, a)
			}
			return
		}
		var words []string
		for _, p := range a.Positional {
			q, ok := quoteValue(p)
			if !ok {
				return
			}
			words = append(words, q)
		}
		for _, k := range a.order {
			if !slices.Contains(allowed, k) {
				t.Fatalf("key %q is not allowed", k)
			}
			q, ok := quoteValue(a.Options[k])
			if !ok {
				return
			}
			words = append(words, k+"="+q)
		}
		if len(a.order) != len(a.Options) {
			t.Fatalf("order %v vs options %v", a.order, a.Options)
		}
		line := strings.Join(words, " ")
		b, err := ParseArgs(line, allowed...)
		if err != nil {
			t.Fatalf("%q → %q: %v", text, line, err)
		}
		if !reflect.DeepEqual(a.Positional, b.Positional) || !reflect.DeepEqual(a.Options, b.Options) {
			t.Fatalf("%q → %+v\nwritten %q → %+v", text, a, line, b)
		}
	})
}
