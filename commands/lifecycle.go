package commands

import (
	"context"
	"regexp"
	"strings"
	"unicode"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func (s *Service) registerLifecycle(r *bot.Router) {
	for _, step := range lifecycleSteps {
		r.HandleCommand(bot.Subcommand{Name: step.command, Usage: step.usage, Summary: step.summary, Handler: s.lifecycleHandler(step)})
	}
}

type lifecycleStep struct {
	command, usage, summary string
	to                      release.Status
	ev                      event
	verb                    string // what the reply says was done
	action                  string // what a refusal says the caller may not do
}

var lifecycleSteps = []lifecycleStep{
	{"start", "<id>", "Mark an approved release as started.", release.StatusInProgress, evStarted, "Started", "start"},
	{"complete", "<id> [note…]", "Mark a started release as completed.", release.StatusCompleted, evCompleted, "Completed", "complete"},
	{"fail", "<id> [note…]", "Mark a started release as failed.", release.StatusFailed, evFailed, "Marked as failed", "mark as failed"},
	{"rollback", "<id> [note…]", "Mark a started release as rolled back.", release.StatusRolledBack, evRolledBack, "Marked as rolled back", "mark as rolled back"},
}

func (s *Service) lifecycleHandler(step lifecycleStep) bot.Handler {
	return func(ctx context.Context, req *bot.Request) (*bot.Response, error) {
		id, note := idAndText(req.Args)
		if id == "" {
			return nil, bot.Userf("Tell me which release: `/release %s R-17`.", step.command)
		}
		if step.to == release.StatusInProgress && note != "" {
			return nil, bot.Userf("`/release start` takes only the release id.")
		}
		if n := len([]rune(note)); n > maxReason {
			return nil, bot.Userf("The note is %d characters long; keep it within %d.", n, maxReason)
		}
		r, err := s.moveRelease(ctx, req.UserID, id, step.to, step.ev, note, step.action, nil)
		if err != nil {
			return nil, err
		}
		return bot.Reply("%s %s. The announcement and subscribers are updated.", step.verb, name(r)), nil
	}
}

// idAndText splits "R-17 free text" at the first white space of any kind
// (Slack keeps the newlines people type) and unescapes the text.
func idAndText(args string) (id, text string) {
	id = strings.TrimSpace(args)
	if i := strings.IndexFunc(id, unicode.IsSpace); i >= 0 {
		id, text = id[:i], id[i:]
	}
	return id, strings.TrimSpace(unescape(text))
}

// moveRelease takes a release its owner or an admin asked to move to
// status to: the permission is checked on the locked row (the owner may
// have changed since it was read), and the change, its audit line and its
// notifications commit together. also adds what one move needs besides.
func (s *Service) moveRelease(ctx context.Context, user, id string, to release.Status, ev event, note, action string, also func(*storage.Tx, *storage.Release) error) (*storage.Release, error) {
	r, err := s.loadRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *storage.Tx) error {
		locked, err := tx.LockRelease(r.ID)
		if err != nil {
			return err
		}
		if !s.mayManage(user, locked) {
			return bot.Userf("Only the owner (%s) or an admin can %s %s.", bot.Mention(locked.OwnerID), action, name(locked))
		}
		if err := tx.Transition(locked, to, user, note); err != nil {
			return userFacing(locked, err)
		}
		if also != nil {
			if err := also(tx, locked); err != nil {
				return err
			}
		}
		r = locked
		return s.recordChange(tx, locked, ev, user, escapeNote(note))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// mentionPattern is a person or channel mentioned in typed text, as Slack
// sends it: <@U123|ana>, <#C123|general>.
var mentionPattern = regexp.MustCompile(`<([@#][UWC][A-Z0-9]+)(?:\|[^<>]*)?>`)

// escapeNote makes a typed note safe for mrkdwn and keeps the people and
// channels it mentions as mentions, so "ask @ben" pings ben rather than
// showing his id.
func escapeNote(note string) string {
	var b strings.Builder
	last := 0
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(note, -1) {
		b.WriteString(bot.Escape(note[last:m[0]]))
		b.WriteString("<" + note[m[2]:m[3]] + ">")
		last = m[1]
	}
	b.WriteString(bot.Escape(note[last:]))
	return b.String()
}
