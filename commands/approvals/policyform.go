package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/kit"
	"github.com/releasebot/releasebot/release"
)

// CallbackPolicy is the policy form's callback id.
const CallbackPolicy = "policy.form"

// maxGroupOptions is Block Kit's limit on a static select's options.
const maxGroupOptions = 100

// openPolicyForm opens the policy form: what `/release policy set` without
// arguments does. Slack has no user-group picker, so the workspace's groups
// (usergroups.list) are offered as static options; without them the form
// still works with people.
func (s *Service) openPolicyForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	groups, err := s.API.UserGroups(ctx)
	if err != nil {
		s.Log.Warn("policy form: user groups unavailable; offering people only", "err", err)
		groups = nil
	}
	if _, err := s.API.OpenView(ctx, req.TriggerID, policyModal(s.Config.Environments, groups)); err != nil {
		return nil, fmt.Errorf("open policy form: %w", err)
	}
	return nil, nil
}

// policyModal is the policy form; block ids are the fields checkPolicy
// names in its refusals.
func policyModal(envs []string, groups []bot.UserGroup) slack.ModalViewRequest {
	options := func(values ...string) []*slack.OptionBlockObject {
		out := make([]*slack.OptionBlockObject, len(values))
		for i, v := range values {
			out[i] = slack.NewOptionBlockObject(v, bot.PlainText(v, bot.MaxOptionText), nil)
		}
		return out
	}
	static := func(placeholder string, opts []*slack.OptionBlockObject) *slack.SelectBlockElement {
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, bot.PlainText(placeholder, 150), "v", opts...)
	}
	var types, risks []string
	for _, t := range release.Types {
		types = append(types, string(t))
	}
	for _, r := range release.Risks {
		risks = append(risks, string(r))
	}
	input := kit.Input
	required := slack.NewPlainTextInputBlockElement(bot.PlainText("any, all, majority or a number", 150), "v")
	required.MaxLength = 20
	checks := slack.NewPlainTextInputBlockElement(bot.PlainText("staging-verified, load-test", 150), "v")
	checks.MaxLength = 500
	blocks := []slack.Block{
		input("type", "Type", "", static("Choose a type", options(types...)), false),
		input("env", "Environment", "Leave empty for every environment.", static("Every environment", options(envs...)), true),
		input("risk", "Risk", "Leave empty for every risk.", static("Every risk", options(risks...)), true),
		input("approvers", "Approvers", "People, and below user groups; at least one of either.",
			slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, bot.PlainText("Choose people", 150), "v"), true),
	}
	if g := groupOptions(groups); len(g) > 0 {
		blocks = append(blocks, input("groups", "Approver groups", "", slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, bot.PlainText("Choose groups", 150), "v", g...), true))
	}
	blocks = append(blocks,
		input("required", "Approvals required", "any, all, majority or a number.", required, false),
		input("rollback", "Rollback plan", "Leave empty: required for high risk only.", static("Required for high risk", options(string(release.RollbackRequired), string(release.RollbackOptional))), true),
		input("checks", "Readiness checks", "Names that must pass before a start, separated by commas.", checks, true))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackPolicy,
		Title: bot.PlainText("Set a policy", bot.MaxModalTitle), Submit: bot.PlainText("Set", bot.MaxModalTitle), Close: bot.PlainText("Cancel", bot.MaxModalTitle),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// groupOptions offers groups as "@handle (name)", their id as the value.
func groupOptions(groups []bot.UserGroup) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, g := range groups {
		if len(out) == maxGroupOptions {
			break
		}
		label := "@" + g.Handle
		if g.Name != "" && g.Name != g.Handle {
			label += " (" + g.Name + ")"
		}
		out = append(out, slack.NewOptionBlockObject(g.ID, bot.PlainText(label, bot.MaxOptionText), nil))
	}
	return out
}

// SubmitPolicyForm sets the policy the form describes through the typed
// command's checks and transaction; a refusal stays in the form, on the
// block it is about.
func (s *Service) SubmitPolicyForm(ctx context.Context, req *bot.Request) (*bot.Response, error) {
	if !s.IsAdmin(req.UserID) {
		return &bot.Response{Errors: map[string]string{"type": "Only admins can set approval policies."}}, nil
	}
	val := func(block string) slack.BlockAction { return req.View.State.Values[block]["v"] }
	in := policyInput{Type: val("type").SelectedOption.Value, Env: val("env").SelectedOption.Value, Risk: val("risk").SelectedOption.Value,
		Required: strings.TrimSpace(val("required").Value), Rollback: val("rollback").SelectedOption.Value, Checks: strings.TrimSpace(val("checks").Value)}
	in.Approvers = append(in.Approvers, val("approvers").SelectedUsers...)
	for _, o := range val("groups").SelectedOptions {
		in.Approvers = append(in.Approvers, o.Value)
	}
	resp, err := s.setPolicy(ctx, req.UserID, in)
	var pe *policyError
	if errors.As(err, &pe) {
		s.Log.Info("policy form refused", "user", req.UserID, "field", pe.field)
		return &bot.Response{Errors: map[string]string{pe.field: pe.Error()}}, nil
	}
	if err != nil || resp == nil {
		return resp, err
	}
	return &bot.Response{Text: resp.Text}, nil
}
