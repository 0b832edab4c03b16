package reviews

import "github.com/slack-go/slack"

// submitted is a submitted review form: block → action → value, where
// the action names which kind of element it is.
func submitted(values map[string]map[string]string) *slack.View {
	state := map[string]map[string]slack.BlockAction{}
	for block, actions := range values {
		state[block] = map[string]slack.BlockAction{}
		for action, v := range actions {
			var ba slack.BlockAction
			switch action {
			case "criteria":
				ba.SelectedOption.Value = v
			case "owner":
				ba.SelectedUser = v
			case "due":
				ba.SelectedDate = v
			default:
				ba.Value = v
			}
			state[block][action] = ba
		}
	}
	return &slack.View{State: &slack.ViewState{Values: state}}
}
