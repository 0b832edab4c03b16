package delivery

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The deciders see overlaps where they decide: the announcements and the
// approval requests of both releases show them, rendered when they are
// sent from the calendar as it is then, and the owner of a release that a
// new or moved one overlaps is told.

// conflicts lists the active releases that overlap r on its service or
// environment now.
func (rs *Resolver) conflicts(ctx context.Context, r *storage.Release) ([]release.Conflict, error) {
	if !release.Status(r.Status).Active() {
		return nil, nil
	}
	slots, err := rs.d.Store.ActiveSlots(ctx, r.StartAt, r.EndAt)
	if err != nil {
		return nil, err
	}
	return release.Conflicts(r.Slot(), slots), nil
}

// withConflicts adds the overlaps to a message about r, before its
// buttons.
func (rs *Resolver) withConflicts(ctx context.Context, r *storage.Release, msg bot.Message) (bot.Message, error) {
	cs, err := rs.conflicts(ctx, r)
	if err != nil || len(cs) == 0 {
		return msg, err
	}
	block := bot.Section(ConflictsText(cs))
	blocks := append([]slack.Block(nil), msg.Blocks...)
	at := len(blocks)
	if at > 0 && blocks[at-1].BlockType() == slack.MBTAction {
		at--
	}
	msg.Blocks = append(blocks[:at], append([]slack.Block{block}, blocks[at:]...)...)
	return msg, nil
}

// ConflictsText lists overlapping releases for the people who decide.
func ConflictsText(cs []release.Conflict) string {
	lines := []string{fmt.Sprintf(":warning: *Overlaps %d other release%s*", len(cs), kit.Plural(len(cs)))}
	for i, c := range cs {
		if i == kit.MaxConflictLines {
			lines = append(lines, fmt.Sprintf("…and %d more; `/release calendar` shows them all.", len(cs)-i))
			break
		}
		lines = append(lines, "• "+ConflictLine(c))
	}
	return strings.Join(lines, "\n")
}

// ConflictLine is one overlapping release and what it shares.
func ConflictLine(c release.Conflict) string {
	return fmt.Sprintf("*%s* %s %s → %s (%s, %s)", c.Other.ID, bot.Escape(c.Other.Service), bot.Escape(c.Other.Version),
		bot.Escape(c.Other.Environment), kit.Span(c.Other.Start, c.Other.End), sharedText(c))
}

// sharedText says what two overlapping releases share: the service, the
// environment, the components they both touch.
func sharedText(c release.Conflict) string {
	what := ""
	switch {
	case c.SameService && c.SameEnvironment:
		what = "the same service and environment"
	case c.SameService:
		what = "the same service"
	case c.SameEnvironment:
		what = "the same environment"
	}
	if len(c.SharedComponents) == 0 {
		return what
	}
	names := make([]string, len(c.SharedComponents))
	for i, n := range c.SharedComponents {
		names[i] = "`" + bot.Escape(n) + "`"
	}
	comps := "component " + strings.Join(names, ", ")
	if len(names) > 1 {
		comps = "components " + strings.Join(names, ", ")
	}
	if what == "" {
		return "the same " + comps
	}
	return what + " and " + comps
}

// RecordOverlaps tells the other side of each conflict, in the transaction
// that planned or moved r by actor: the other release's announcement and
// open approval requests are brought up to date, and its owner (and r's,
// when someone else made the change) is told by DM, unless they made it. Keys carry r's
// revision, so each change tells once.
func RecordOverlaps(tx *storage.Tx, r *storage.Release, cs []release.Conflict, actor string) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = int64(c.Other.ID)
	}
	owners, err := tx.Owners(ids)
	if err != nil {
		return err
	}
	for _, c := range cs {
		other := int64(c.Other.ID)
		state := fmt.Sprintf("overlap-%d-%d", r.ID, r.Revision)
		if _, err := tx.Enqueue(update(announcementUpdateName, fmt.Sprintf("announce-%s:%d", state, other), other, nil)); err != nil {
			return err
		}
		rounds, err := tx.OpenRounds(other)
		if err != nil {
			return err
		}
		for _, round := range rounds {
			for _, a := range round.Approvers {
				if _, err := tx.Enqueue(UpdateApprovalDM(other, a.ID, state)); err != nil {
					return err
				}
			}
		}
		if owners[other] == actor {
			continue // the reply to the change told them
		}
		msg := overlapNotice(r, c)
		if err := Direct(tx, fmt.Sprintf("overlap:%d:%d:%d", other, r.ID, r.Revision), other, owners[other], msg); err != nil {
			return err
		}
	}
	if actor == r.OwnerID {
		return nil
	}
	mine := bot.Message{Text: fmt.Sprintf("%s overlaps %d other release%s", kit.PlainName(r), len(cs), kit.Plural(len(cs))),
		Blocks: []slack.Block{bot.Section(fmt.Sprintf("%s, planned for you by %s, overlaps other releases.\n%s", kit.Name(r), bot.Mention(actor), ConflictsText(cs)))}}
	return Direct(tx, fmt.Sprintf("overlap-owner:%d:%d", r.ID, r.Revision), r.ID, r.OwnerID, mine)
}

// overlapNotice tells the owner of the release c.Other that r now overlaps it.
func overlapNotice(r *storage.Release, c release.Conflict) bot.Message {
	mirror := release.Conflict{Other: r.Slot(), SameService: c.SameService, SameEnvironment: c.SameEnvironment, SharedComponents: c.SharedComponents}
	text := fmt.Sprintf(":warning: Your release *%s* %s %s now overlaps %s, owned by %s. Its approvers see both. Agree the order with %s, or move yours with `/release reschedule %s …`.",
		c.Other.ID, bot.Escape(c.Other.Service), bot.Escape(c.Other.Version), ConflictLine(mirror), bot.Mention(r.OwnerID), bot.Mention(r.OwnerID), c.Other.ID)
	return bot.Message{Text: fmt.Sprintf("%s now overlaps your %s", kit.PlainName(r), c.Other.ID), Blocks: []slack.Block{bot.Section(text)}}
}
