package execution

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// CallbackMove is the modal a lifecycle button opens.
const CallbackMove = "exec.move"

// maxDowntime bounds the reported downtime: a week, in minutes.
const maxDowntime = 7 * 24 * 60

// button is what a lifecycle button moves a release to, and how the
// refusal and the modal speak of it.
type button struct {
	to     release.Status
	verb   string // for refusals: "start"
	title  string // the modal's title and submit label
	ask    bool   // the modal asks for the downtime
	reason bool   // the note is a reason (failure, rollback)
}

var buttons = map[string]button{
	kit.ActionStart:    {release.StatusInProgress, "start", "Start", false, false},
	kit.ActionComplete: {release.StatusCompleted, "complete", "Complete", true, false},
	kit.ActionFail:     {release.StatusFailed, "mark as failed", "Failed", true, true},
	kit.ActionRollback: {release.StatusRolledBack, "mark as rolled back", "Rolled back", true, true},
}

// Start, Complete, Fail and Rollback are the announcement's buttons: the
// owner (or an admin) gets a small modal, anyone else is told who may.
func (s *Service) Start(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.openMove(ctx, req, kit.ActionStart)
}

// Complete is the Complete button.
func (s *Service) Complete(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.openMove(ctx, req, kit.ActionComplete)
}

// Fail is the Failed button.
func (s *Service) Fail(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.openMove(ctx, req, kit.ActionFail)
}

// Rollback is the Rolled back button.
func (s *Service) Rollback(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	return s.openMove(ctx, req, kit.ActionRollback)
}

func (s *Service) clicked(ctx context.Context, req *bot.Request) (*storage.Release, error) {
	id, err := strconv.ParseInt(strings.SplitN(req.ActionValue(), "|", 2)[0], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("button value %q: %w", req.ActionValue(), err)
	}
	r, err := s.Store.Release(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, bot.Userf("%s no longer exists.", release.ID(id))
	}
	return r, err
}

func (s *Service) openMove(ctx context.Context, req *bot.Request, action string) (*bot.Response, error) {
	b := buttons[action]
	r, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	if !s.MayManage(req.UserID, r) {
		return nil, bot.Userf("Only the owner (%s) or an admin can %s %s.", bot.Mention(r.OwnerID), b.verb, kit.Name(r))
	}
	if err := release.CheckTransition(release.Status(r.Status), b.to); err != nil {
		return nil, kit.Refusal(r, err)
	}
	if b.to == release.StatusInProgress {
		if err := s.checksPassed(ctx, r); err != nil {
			return nil, err
		}
	}
	view := moveModal(r, action, b, req.ChannelID)
	if _, err := s.API.OpenView(ctx, req.TriggerID, view); err != nil {
		return nil, fmt.Errorf("open %s modal: %w", b.verb, err)
	}
	return nil, nil
}

// SubmitMove carries out the move the modal was opened for.
func (s *Service) SubmitMove(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	parts := strings.SplitN(req.View.PrivateMetadata, "|", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("move modal metadata %q", req.View.PrivateMetadata)
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	b, ok := buttons[parts[1]]
	if err != nil || !ok {
		return nil, fmt.Errorf("move modal metadata %q", req.View.PrivateMetadata)
	}
	values := req.View.State.Values
	m := Move{Actor: req.UserID, To: b.to, Note: strings.TrimSpace(values["note"]["note"].Value)}
	if n := len([]rune(m.Note)); n > kit.MaxReason {
		return &bot.Response{Errors: map[string]string{"note": fmt.Sprintf("Keep it within %d characters (this is %d).", kit.MaxReason, n)}}, nil
	}
	if b.reason && m.Note == "" {
		return &bot.Response{Errors: map[string]string{"note": "Please say what happened, for the thread and the audit."}}, nil
	}
	if b.ask {
		d, problem := parseDowntime(values["downtime"]["downtime"].Value)
		if problem != "" {
			return &bot.Response{Errors: map[string]string{"downtime": problem}}, nil
		}
		m.Downtime = &d
	}
	m.Allowed = func(r *storage.Release) error {
		if !s.MayManage(req.UserID, r) {
			return bot.Userf("Only the owner (%s) or an admin can %s %s.", bot.Mention(r.OwnerID), b.verb, kit.Name(r))
		}
		return nil
	}
	current, err := s.Store.Release(ctx, id)
	if err != nil {
		return nil, err
	}
	moved, err := s.Execute(ctx, current, m)
	if err != nil {
		err = Words(current, err)
		if msg, ok := bot.UserMessage(err); ok {
			return &bot.Response{Errors: map[string]string{"note": msg}}, nil
		}
		return nil, err
	}
	resp := bot.Reply("%s %s is now %s. The announcement and subscribers are updated.", release.Status(moved.Release.Status).Emoji(), kit.Name(moved.Release), release.Status(moved.Release.Status).Label())
	resp.NoticeChannel = parts[2]
	return resp, nil
}

// parseDowntime reads the downtime field: empty is none, else whole minutes.
func parseDowntime(s string) (int, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ""
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(s, "m"), " min"))
	if err != nil || n < 0 || n > maxDowntime {
		return 0, fmt.Sprintf("Write the downtime in whole minutes, from 0 to %d, like 12.", maxDowntime)
	}
	return n, ""
}

// moveModal asks for what a move records: a note (or reason) and, once the
// release ran, its downtime.
func moveModal(r *storage.Release, action string, b button, channel string) slack.ModalViewRequest {
	note := slack.NewPlainTextInputBlockElement(bot.PlainText("What should the thread say?", 150), "note")
	note.Multiline = true
	note.MaxLength = kit.MaxReason
	label := "Note"
	if b.reason {
		label = "What happened"
	}
	noteBlock := slack.NewInputBlock("note", bot.PlainText(label, 2000), nil, note)
	noteBlock.Optional = !b.reason
	blocks := []slack.Block{bot.Section(fmt.Sprintf("%s %s → %s (%s).", b.title, kit.Name(r), bot.Escape(r.Environment), bot.When(r.StartAt, r.EndAt)))}
	if b.ask {
		downtime := slack.NewPlainTextInputBlockElement(bot.PlainText("0", 150), "downtime")
		db := slack.NewInputBlock("downtime", bot.PlainText("Downtime (minutes)", 2000), nil, downtime)
		db.Optional = true
		blocks = append(blocks, db)
	}
	blocks = append(blocks, noteBlock)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackMove,
		Title:           bot.PlainText(b.title+" "+r.HumanID(), bot.MaxModalTitle),
		Submit:          bot.PlainText(b.title, bot.MaxModalTitle),
		Close:           bot.PlainText("Cancel", bot.MaxModalTitle),
		PrivateMetadata: strconv.FormatInt(r.ID, 10) + "|" + action + "|" + channel,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// MarkPassed is a check's Mark passed button: whoever verified it says so,
// and the audit keeps who.
func (s *Service) MarkPassed(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	r, err := s.clicked(ctx, req)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(req.ActionValue(), "|", 2)
	if len(parts) != 2 {
		return nil, fmt.Errorf("check button value %q", req.ActionValue())
	}
	name := parts[1]
	moved, err := s.RecordCheck(ctx, r.ID, Check{Actor: req.UserID, Name: name, Status: release.CheckPassed})
	if err != nil {
		return nil, kit.Refusal(r, err)
	}
	if !moved.Changed {
		return bot.Reply("`%s` had already passed for %s.", name, kit.Name(r)), nil
	}
	return bot.Reply(":white_check_mark: Marked `%s` passed for %s.", name, kit.Name(r)), nil
}

// checksPassed refuses, before the modal opens, a start whose readiness
// checks have not all passed; the submission checks again, in its
// transaction.
func (s *Service) checksPassed(ctx context.Context, r *storage.Release) error {
	required, err := s.RequiredChecks(ctx, r)
	if err != nil || len(required) == 0 {
		return err
	}
	cs, err := s.Store.Checks(ctx, r.ID)
	if err != nil {
		return err
	}
	if err := release.ChecksPassed(required, results(cs)); err != nil {
		return Words(r, &Refused{Reasons: []error{err}})
	}
	return nil
}
