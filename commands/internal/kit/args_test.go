package kit

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseArgs(t *testing.T) {
	allowed := []string{"env", "title", "owner", "reason", "components"}
	for _, tc := range []struct {
		name       string
		in         string
		positional []string
		options    map[string]string
		errPart    string
	}{
		{name: "empty", in: "", positional: nil, options: map[string]string{}},
		{name: "words and an option", in: "billing 2.3.0 env=staging", positional: []string{"billing", "2.3.0"}, options: map[string]string{"env": "staging"}},
		{name: "extra spaces", in: "  billing \t 2.3.0\n env=staging  ", positional: []string{"billing", "2.3.0"}, options: map[string]string{"env": "staging"}},
		{name: "straight quotes keep spaces", in: `title="Quarterly billing fix" env=prod`, options: map[string]string{"title": "Quarterly billing fix", "env": "prod"}},
		{name: "curly quotes from Slack's clients", in: `title=“Quarterly billing fix”`, options: map[string]string{"title": "Quarterly billing fix"}},
		{name: "German low-high quotes", in: `title=„Quartals-Fix“`, options: map[string]string{"title": "Quartals-Fix"}},
		{name: "single curly quotes", in: `title=‘a b’`, options: map[string]string{"title": "a b"}},
		{name: "single straight quotes", in: `title='a b'`, options: map[string]string{"title": "a b"}},
		{name: "apostrophe inside a word is not a quote", in: `reason=it's`, options: map[string]string{"reason": "it's"}},
		{name: "apostrophe inside a quoted value", in: `reason="it's late"`, options: map[string]string{"reason": "it's late"}},
		{name: "other quotes inside quotes", in: `title="the ‘new’ API"`, options: map[string]string{"title": "the ‘new’ API"}},
		{name: "empty quoted value", in: `title=""`, options: map[string]string{"title": ""}},
		{name: "an equals sign inside a value", in: `reason="a=b"`, options: map[string]string{"reason": "a=b"}},
		{name: "a quoted word with = is positional", in: `"env=prod" x`, positional: []string{"env=prod", "x"}, options: map[string]string{}},
		{name: "a key that is not a key is positional", in: `Env=prod 1.0=x`, positional: []string{"Env=prod", "1.0=x"}, options: map[string]string{}},
		{name: "escaped mention stays for ParseUser", in: `owner=<@U0BEN|ben>`, options: map[string]string{"owner": "<@U0BEN|ben>"}},
		{name: "Slack's HTML escapes are undone", in: `title="R&amp;D &lt;beta&gt;"`, options: map[string]string{"title": "R&D <beta>"}},
		{name: "links Slack added become text", in: `reason="see <https://x.example/1|x.example/1> and <mailto:a@b.c|a@b.c>"`, options: map[string]string{"reason": "see https://x.example/1 and a@b.c"}},
		{name: "unknown key", in: `colour=red`, errPart: "unknown option `colour`; valid options are `env`, `title`, `owner`, `reason`, `components`"},
		{name: "duplicate key", in: `env=a env=b`, errPart: "option `env` is given twice"},
		{name: "unclosed quote", in: `title="open`, errPart: "a quote is not closed"},
		{name: "unclosed curly quote", in: `title=“open`, errPart: "a quote is not closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseArgs(tc.in, allowed...)
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("ParseArgs(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got.Positional, tc.positional) || !reflect.DeepEqual(got.Options, tc.options) {
				t.Fatalf("ParseArgs(%q) = %q %q; want %q %q", tc.in, got.Positional, got.Options, tc.positional, tc.options)
			}
		})
	}
	if _, err := ParseArgs("a b=c"); err == nil || !strings.Contains(err.Error(), "this command takes no options, but got `b=`") {
		t.Fatalf("no options allowed: %v", err)
	}
}

func TestParseUser(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<@U0BEN|ben>", "U0BEN"},
		{"<@U0BEN>", "U0BEN"},
		{" <@W123ABC|someone> ", "W123ABC"},
		{"U0BEN", "U0BEN"},
	} {
		if got, err := ParseUser(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseUser(%q) = %q, %v", tc.in, got, err)
		}
	}
	for _, in := range []string{"@ben", "ben", "", "<#C123|general>", "<!subteam^S0CAB|@cab>", "u0ben"} {
		if _, err := ParseUser(in); err == nil || !strings.Contains(err.Error(), "is not a person; mention them, like @ana") {
			t.Errorf("ParseUser(%q): %v", in, err)
		}
	}
}

// plain never lets a value ping, link or break the message's UTF-8.
func TestPlain(t *testing.T) {
	if got := Plain("<@U1> `x`"); got != "‹@U1› 'x'" {
		t.Errorf("plain: %q", got)
	}
	long := strings.Repeat("é", 100)
	got := Plain(long)
	if !utf8.ValidString(got) || utf8.RuneCountInString(got) != 81 || !strings.HasSuffix(got, "…") {
		t.Errorf("Plain(100 × é) = %q", got)
	}
}
