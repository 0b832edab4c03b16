package slackemu

// ValidateMessageBlocks checks a message's blocks (a JSON array) against
// Slack's Block Kit limits exactly as the emulator's chat.postMessage does,
// and returns Slack's "[ERROR] … [json-pointer:…]" lines; none means Slack
// would accept them. Golden-file tests use it to check rendered surfaces
// without running a bot.
func ValidateMessageBlocks(raw []byte) []string {
	_, errs := checkMessageBlocks(raw)
	return errs
}
