package commands

import (
	"github.com/releasebot/releasebot/commands/delivery"
	"github.com/releasebot/releasebot/commands/reviews"
	"github.com/releasebot/releasebot/commands/surveys"
)

// feedbackRoutes are the routes of what follows a release: stakeholder
// surveys and post-release reviews. They close the table; /release help
// lists them after the release's own commands.
func (c *Commands) feedbackRoutes() []route {
	return []route{
		// surveys/service.go, surveys/handlers.go
		{Command: "survey", Usage: "<id> here", Summary: "Post a finished release's satisfaction survey in this channel, where anyone may answer.", Handler: c.Surveys.Survey},
		{Action: delivery.ActionSurveyScore, Handler: c.Surveys.Score},
		{Action: delivery.ActionSurveyAdoption, Handler: c.Surveys.Adoption},
		{Action: delivery.ActionSurveyFollowUp, Handler: c.Surveys.FollowUp},
		{Action: delivery.ActionSurveyComment, Handler: c.Surveys.Comment},
		{Submission: surveys.CallbackComment, Handler: c.Surveys.SubmitComment},
		// reviews/handlers.go, reviews/lists.go
		{Command: "review", Usage: "<id>", Summary: "Write or edit the post-release review of a finished release.", Handler: c.Reviews.Review},
		{Command: "actions", Usage: "[mine|<service>]", Summary: "Open follow-up actions from reviews, with their Done buttons.", ReadOnly: true, Handler: c.Reviews.Actions},
		{Command: "lessons", Usage: "[service] [days=<n>]", Summary: "What recent post-release reviews learned.", ReadOnly: true, Handler: c.Reviews.Lessons},
		{Action: delivery.ActionWriteReview, Handler: c.Reviews.WriteReview},
		{Action: delivery.ActionActionDone, Handler: c.Reviews.Done},
		{Submission: reviews.CallbackReview, Handler: c.Reviews.SubmitReview},
	}
}
