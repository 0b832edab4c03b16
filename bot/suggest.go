package bot

import (
	"fmt"
	"strings"
)

// suggest answers a subcommand that matched nothing with the closest one
// and its usage line, not the whole help: a typo needs one line to fix.
func (r *Router) suggest(words []string) *Response {
	first := strings.ToLower(words[0])
	var group []string
	for _, s := range r.subcommands {
		if strings.HasPrefix(s.Name, first+" ") {
			group = append(group, r.usageLine(s))
		}
	}
	if len(group) > 0 {
		// "freeze" alone, or "freeze frob": the group's commands.
		text := fmt.Sprintf("`%s %s` needs one more word:\n%s", r.command, first, strings.Join(group, "\n"))
		return &Response{Text: text, Blocks: helpBlocks(text, nil)}
	}
	var best *Subcommand
	bestDist := 0
	for i := range r.subcommands {
		s := &r.subcommands[i]
		candidate := first
		if strings.Contains(s.Name, " ") && len(words) > 1 {
			candidate += " " + strings.ToLower(words[1])
		}
		if d := editDistance(candidate, s.Name); best == nil || d < bestDist {
			best, bestDist = s, d
		}
	}
	text := fmt.Sprintf("I don't know `%s`.", Escape(Truncate(words[0], 80)))
	if best != nil {
		text += fmt.Sprintf(" Did you mean `%s %s`?\n%s", r.command, best.Name, r.usageLine(*best))
	}
	text += fmt.Sprintf("\n`%s help` lists every command.", r.command)
	return &Response{Text: text, Blocks: helpBlocks(text, nil)}
}

// usageLine is a subcommand's line in the help: usage, then summary.
func (r *Router) usageLine(s Subcommand) string {
	usage := r.command + " " + s.Name
	if s.Usage != "" {
		usage += " " + s.Usage
	}
	return fmt.Sprintf("`%s`\n        %s", usage, s.Summary)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
