package home

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/storage"
)

// decision is a round waiting for the user, with its release.
type decision struct {
	r     *storage.Release
	round *storage.ApprovalRound
}

// homeData is what a Home shows.
type homeData struct {
	now          time.Time
	pending      []decision // at most homeSection
	pendingTotal int
	own          []storage.Release // the user's coming releases, at most homeSection
	week         []storage.Release // the next 7 days, at most homeSection
	weekTotal    int64
	figures      slack.Block // the key figures, nil when not read
}

// homeView is the App Home: pending decisions with their buttons, the
// user's coming releases and the next week for everyone.
func homeView(d homeData) []slack.Block {
	blocks := []slack.Block{bot.Header("Releases"), bot.Context("Updated " + bot.Date(d.now, "{date_short_pretty} at {time}") + " · `/release help` lists every command")}
	blocks = append(blocks, bot.Section(fmt.Sprintf("*Waiting for your decision* (%d)", d.pendingTotal)))
	if d.pendingTotal == 0 {
		blocks = append(blocks, bot.Context("Nothing to decide. :sparkles:"))
	}
	for _, p := range d.pending {
		blocks = append(blocks, bot.Section(kit.ReleaseLine(p.r)+"\n"+kit.ProgressText(p.round)), kit.ListDecisionButtons(p.round.ID, p.r))
	}
	if d.pendingTotal > len(d.pending) {
		blocks = append(blocks, bot.Context(fmt.Sprintf("…and %d more: `/release approvals`", d.pendingTotal-len(d.pending))))
	}

	own := make([]string, len(d.own))
	for i := range d.own {
		own[i] = kit.ReleaseLine(&d.own[i])
	}
	blocks = append(blocks, bot.Divider(), bot.Section(fmt.Sprintf("*Your coming releases* (%d)", len(own))))
	if len(own) == 0 {
		blocks = append(blocks, bot.Context("None. Plan one with `/release new`."))
	} else {
		blocks = append(blocks, kit.PackLines(own, 5)...)
	}

	blocks = append(blocks, bot.Divider(), bot.Section(fmt.Sprintf("*The next 7 days* (%d)", d.weekTotal)))
	var lines []string
	for i := range d.week {
		lines = append(lines, kit.ReleaseLine(&d.week[i]))
	}
	if int(d.weekTotal) > len(d.week) {
		lines = append(lines, fmt.Sprintf("…and %d more: `/release calendar days=7`", int(d.weekTotal)-len(d.week)))
	}
	if len(lines) == 0 {
		blocks = append(blocks, bot.Context("Nothing planned."))
	} else {
		blocks = append(blocks, kit.PackLines(lines, 5)...)
	}
	if d.figures != nil {
		blocks = append(blocks, bot.Divider(), d.figures)
	}
	if len(blocks) > bot.MaxViewBlocks {
		blocks = blocks[:bot.MaxViewBlocks]
	}
	return blocks
}
