package bot

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Block Kit limits (Slack answers invalid_blocks past them).
const (
	MaxMessageBlocks = 50
	MaxViewBlocks    = 100
	MaxSectionText   = 3000
	MaxFieldText     = 2000
	MaxFields        = 10
	MaxHeaderText    = 150
	MaxButtonText    = 75
	MaxButtonValue   = 2000
	MaxOptionText    = 75
	MaxOptionValue   = 150
	MaxOptions       = 100
	MaxModalTitle    = 24
	MaxMetadata      = 3000
	MaxContextItems  = 10
	MaxActions       = 25
	MaxMessageText   = 40000
)

// Sections shows a long text in as many sections as it needs, rather than
// cutting it at a section's limit: a release's impact may be 2,000
// characters before escaping and several times that after. Each cut falls
// on a line break or a space where there is one, and never inside an
// escape, a mention or a link.
func Sections(text string) []slack.Block {
	var out []slack.Block
	for text != "" {
		chunk := text
		if utf8.RuneCountInString(chunk) > MaxSectionText {
			chunk = safePrefix(string([]rune(text)[:MaxSectionText]))
			if i := strings.LastIndex(chunk, "\n"); i > len(chunk)/2 {
				chunk = chunk[:i]
			} else if i := strings.LastIndex(chunk, " "); i > len(chunk)/2 {
				chunk = chunk[:i]
			}
			if chunk == "" {
				// One token longer than a section: nothing better than a hard cut.
				chunk = string([]rune(text)[:MaxSectionText])
			}
		}
		text = strings.TrimLeft(text[len(chunk):], " \n")
		if chunk = strings.TrimRight(chunk, " \n"); chunk != "" {
			out = append(out, Section(chunk))
		}
	}
	return out
}

// safePrefix drops a trailing piece of an escape (&am) or of a mention or
// link (<@U1): Slack would show it as typed.
func safePrefix(s string) string {
	if i := strings.LastIndexAny(s, "&<"); i >= 0 {
		closer := ";"
		if s[i] == '<' {
			closer = ">"
		}
		if !strings.Contains(s[i:], closer) {
			return s[:i]
		}
	}
	return s
}

// Truncate shortens s to at most max characters, ending with "…" when cut.
// The cut never leaves half an escape (&amp;) or half a mention or link
// (<@U…>): Slack would show the pieces as typed.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return safePrefix(string([]rune(s)[:max-1])) + "…"
}

// Escape makes user text safe inside mrkdwn: Slack reads &, < and > as
// control characters.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackToken is a mention, channel link, date or URL in mrkdwn.
var slackToken = regexp.MustCompile(`<([^<>]*)>`)

// Unmarkdown renders mrkdwn as a plain-text field shows it well: Slack
// prints a modal's field errors as typed, so a date token, an escape or a
// pair of asterisks would reach the user raw.
func Unmarkdown(mrkdwn string) string {
	s := slackToken.ReplaceAllStringFunc(mrkdwn, func(tok string) string {
		target, label, labelled := strings.Cut(tok[1:len(tok)-1], "|")
		switch {
		case strings.HasPrefix(target, "!date^"):
			return label // the fallback, already readable
		case labelled && (strings.HasPrefix(target, "@") || strings.HasPrefix(target, "#")):
			return target[:1] + label
		case labelled:
			return label
		case strings.HasPrefix(target, "!subteam^"):
			return "a user group"
		case strings.HasPrefix(target, "!"):
			return "@" + target[1:]
		}
		return target
	})
	return strings.NewReplacer("*", "", "`", "\"", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// Mention renders a user id as a mention.
func Mention(userID string) string {
	if userID == "" {
		return "nobody"
	}
	return "<@" + userID + ">"
}

// ChannelLink renders a channel id as a link.
func ChannelLink(channelID string) string { return "<#" + channelID + ">" }

// Date formats t with Slack's date syntax so every reader sees it in their
// own time zone; fallback (in UTC) is for clients that cannot render it.
// format uses Slack's tokens, e.g. "{date_short_pretty} {time}".
func Date(t time.Time, format string) string {
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.UTC().Format("Mon 2 Jan 2006 15:04 UTC"))
}

// When renders a start time and a duration the way release messages show them.
func When(start, end time.Time) string {
	return fmt.Sprintf("%s – %s", Date(start, "{date_short_pretty} {time}"), Date(end, "{time}"))
}

// Section is a mrkdwn section block, cut to Slack's limit.
func Section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, Truncate(text, MaxSectionText), false, false), nil, nil)
}

// SectionWithButton is a section with a button beside the text.
func SectionWithButton(text string, button *slack.ButtonBlockElement) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, Truncate(text, MaxSectionText), false, false), nil, slack.NewAccessory(button))
}

// Fields is a section of up to ten two-column fields.
func Fields(fields ...string) *slack.SectionBlock {
	if len(fields) > MaxFields {
		fields = fields[:MaxFields]
	}
	objs := make([]*slack.TextBlockObject, 0, len(fields))
	for _, f := range fields {
		objs = append(objs, slack.NewTextBlockObject(slack.MarkdownType, Truncate(f, MaxFieldText), false, false))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

// Header is a plain-text header block.
func Header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, MaxHeaderText), true, false))
}

// Context is a small-print block.
func Context(texts ...string) *slack.ContextBlock {
	if len(texts) > MaxContextItems {
		texts = texts[:MaxContextItems]
	}
	elems := make([]slack.MixedElement, 0, len(texts))
	for _, t := range texts {
		elems = append(elems, slack.NewTextBlockObject(slack.MarkdownType, Truncate(t, MaxSectionText), false, false))
	}
	return slack.NewContextBlock("", elems...)
}

// Divider is a horizontal rule.
func Divider() *slack.DividerBlock { return slack.NewDividerBlock() }

// Button styles.
const (
	StylePrimary = slack.StylePrimary
	StyleDanger  = slack.StyleDanger
	StyleDefault = slack.StyleDefault
)

// Button makes a button; route is the router key, value its data.
func Button(label, actionID, value string, style slack.Style) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionID, Truncate(value, MaxButtonValue), slack.NewTextBlockObject(slack.PlainTextType, Truncate(label, MaxButtonText), true, false))
	if style != StyleDefault {
		b.Style = style
	}
	return b
}

// Actions is a row of buttons.
func Actions(blockID string, elems ...slack.BlockElement) *slack.ActionBlock {
	if len(elems) > MaxActions {
		elems = elems[:MaxActions]
	}
	return slack.NewActionBlock(blockID, elems...)
}

// PlainText is a plain_text object, e.g. for modal titles.
func PlainText(text string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, Truncate(text, max), false, false)
}
