package kit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Args is a command line after the subcommand: positional words and
// key=value options, with Slack's escaping undone.
type Args struct {
	Positional []string
	Options    map[string]string
	order      []string
}

// Has reports whether key was given.
func (a Args) Has(key string) bool { _, ok := a.Options[key]; return ok }

// Get returns the value of key, or "".
func (a Args) Get(key string) string { return a.Options[key] }

// quotePairs lists the quotes people type; Slack's clients often turn
// straight quotes into curly ones.
var quotePairs = map[rune]rune{'"': '"', '“': '”', '„': '“', '\'': '\'', '‘': '’'}

// ParseArgs splits text into words; quotes group words, key=value pairs
// become options. allowed lists the option keys the command takes; any other
// key is an error that names the valid ones.
func ParseArgs(text string, allowed ...string) (Args, error) {
	words, err := splitWords(text)
	if err != nil {
		return Args{}, err
	}
	a := Args{Options: map[string]string{}}
	for _, w := range words {
		key, value, isOption := cutOption(w)
		if !isOption {
			a.Positional = append(a.Positional, Unescape(w.text))
			continue
		}
		if !slices.Contains(allowed, key) {
			if len(allowed) == 0 {
				return Args{}, fmt.Errorf("this command takes no options, but got `%s=`", key)
			}
			return Args{}, fmt.Errorf("unknown option `%s`; valid options are %s", key, codeList(allowed))
		}
		if a.Has(key) {
			return Args{}, fmt.Errorf("option `%s` is given twice", key)
		}
		a.Options[key] = Unescape(value)
		a.order = append(a.order, key)
	}
	return a, nil
}

func codeList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = "`" + s + "`"
	}
	return strings.Join(quoted, ", ")
}

type word struct {
	text string
	// quotedFrom is the index in text where a quoted part began, -1 when
	// nothing was quoted; a quote before '=' means the word is not an option.
	quotedFrom int
}

var optionKey = regexp.MustCompile(`^[a-z][a-z_-]*$`)

func cutOption(w word) (string, string, bool) {
	key, value, ok := strings.Cut(w.text, "=")
	if !ok || !optionKey.MatchString(key) || (w.quotedFrom >= 0 && w.quotedFrom < len(key)) {
		return "", "", false
	}
	return key, value, true
}

func splitWords(text string) ([]word, error) {
	var out []word
	var cur strings.Builder
	inWord, quotedFrom := false, -1
	var closing, prev rune
	for _, r := range text {
		last := prev
		prev = r
		switch {
		case closing != 0:
			if r == closing {
				closing = 0
				continue
			}
			cur.WriteRune(r)
		case quotePairs[r] != 0 && (r != '\'' || !inWord || last == '='):
			// An apostrophe inside a word (it's) is not a quote; one
			// right after key= is (title='Billing fix').
			closing = quotePairs[r]
			if quotedFrom < 0 {
				quotedFrom = cur.Len()
			}
			inWord = true
		case unicode.IsSpace(r):
			if inWord {
				out = append(out, word{cur.String(), quotedFrom})
				cur.Reset()
				inWord, quotedFrom = false, -1
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if closing != 0 {
		return nil, fmt.Errorf("a quote is not closed; write quoted values like title=\"Quarterly billing fix\"")
	}
	if inWord {
		out = append(out, word{cur.String(), quotedFrom})
	}
	return out, nil
}

// Unescape undoes Slack's escaping of &, < and > and turns links it added
// (<https://x|x>) back into text; mentions are kept for ParseUser.
func Unescape(s string) string {
	s = linkPattern.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		if url, label, ok := strings.Cut(inner, "|"); ok {
			if strings.HasPrefix(url, "mailto:") {
				return label
			}
			return url
		}
		return inner
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

var linkPattern = regexp.MustCompile(`<(?:https?|mailto):[^>]*>`)

var (
	userMention  = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)
	groupMention = regexp.MustCompile(`^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$`)
	bareUserID   = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
)

// ParseUser reads "<@U123|ana>" (what Slack sends with escaping on) or a
// bare user id.
func ParseUser(s string) (string, error) {
	s = strings.TrimSpace(s)
	if m := userMention.FindStringSubmatch(s); m != nil {
		return m[1], nil
	}
	if bareUserID.MatchString(s) {
		return s, nil
	}
	return "", fmt.Errorf("%q is not a person; mention them, like @ana", Plain(s))
}

// ParseGroup reads "<!subteam^S123|@cab>".
func ParseGroup(s string) (string, bool) {
	if m := groupMention.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return m[1], true
	}
	return "", false
}

// Plain shows a value in an error message without letting it ping or link.
func Plain(s string) string {
	// Cut by characters, not bytes: a cut through a character would leave
	// invalid UTF-8 in the message.
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return strings.NewReplacer("<", "‹", ">", "›", "`", "'").Replace(s)
}
