package kit

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// The announcement's execution buttons: the owner's lifecycle moves and
// Mark passed for each readiness check still missing.
const (
	ActionStart      = "exec.start"
	ActionComplete   = "exec.complete"
	ActionFail       = "exec.fail"
	ActionRollback   = "exec.rollback"
	ActionMarkPassed = "exec.check"
)

// TokenActorPrefix marks an audit actor that is a pipeline token, not a
// person: "token:ci-payments".
const TokenActorPrefix = "token:"

// Who names an actor in a message: a person as a mention, a pipeline by
// its token's name.
func Who(actor string) string {
	if name, ok := strings.CutPrefix(actor, TokenActorPrefix); ok {
		return "pipeline `" + name + "`"
	}
	return bot.Mention(actor)
}

// LifecycleButtons are the moves the release's state allows, for its
// owner, and a Mark passed button per required check not passed yet; nil
// when there is nothing to press.
func LifecycleButtons(r *storage.Release, notPassed []string) *slack.ActionBlock {
	v := strconv.FormatInt(r.ID, 10)
	var elems []slack.BlockElement
	switch release.Status(r.Status) {
	case release.StatusApproved:
		for _, name := range notPassed {
			elems = append(elems, bot.Button("Mark passed: "+name, bot.ActionID(ActionMarkPassed, v+"-"+name), v+"|"+name, bot.StyleDefault))
		}
		elems = append(elems, bot.Button("Start", bot.ActionID(ActionStart, v), v, bot.StylePrimary))
	case release.StatusInProgress:
		elems = append(elems,
			bot.Button("Complete", bot.ActionID(ActionComplete, v), v, bot.StylePrimary),
			bot.Button("Failed", bot.ActionID(ActionFail, v), v, bot.StyleDanger),
			bot.Button("Rolled back", bot.ActionID(ActionRollback, v), v, bot.StyleDefault))
	case release.StatusFailed:
		elems = append(elems, bot.Button("Rolled back", bot.ActionID(ActionRollback, v), v, bot.StyleDefault))
	default:
		return nil
	}
	return bot.Actions("lifecycle-"+v, elems...)
}
