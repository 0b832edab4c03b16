package bot

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/slack-go/slack"
)

// form is a one-field modal, titled step.
func form(step string) *slack.ModalViewRequest {
	input := slack.NewInputBlock("title", PlainText("Title", 2000), nil,
		slack.NewPlainTextInputBlockElement(nil, "title"))
	return &slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "form", Title: PlainText(step, 24),
		Submit: PlainText("Save", 24), Close: PlainText("Cancel", 24),
		Blocks: slack.Blocks{BlockSet: []slack.Block{input}},
	}
}

// formRouter opens the form on /release form; what is typed into the form
// decides how the submission is answered.
func formRouter(api func() *API) *Router {
	r := NewRouter("/release")
	r.HandleCommand(Subcommand{Name: "form", Summary: "A form.", Handler: func(ctx context.Context, req *Request) (*Response, error) {
		_, err := api().OpenView(ctx, req.TriggerID, *form("Step 1"))
		return nil, err
	}})
	r.HandleSubmission("form", func(_ context.Context, req *Request) (*Response, error) {
		switch req.View.State.Values["title"]["title"].Value {
		case "taken":
			return &Response{Errors: map[string]string{"title": "*Title* is taken; pick another."}}, nil
		case "update":
			return &Response{ViewAction: "update", View: form("Step 2")}, nil
		case "push":
			return &Response{ViewAction: "push", View: form("Step 3")}, nil
		case "clear":
			return &Response{ViewAction: "clear"}, nil
		case "fail":
			return nil, errors.New("database is locked")
		}
		return nil, nil
	})
	return r
}

// Every answer to a view submission travels in the ack as Slack expects
// it, built with slack-go's typed view-submission responses.
func TestViewSubmissionAnswers(t *testing.T) {
	var l *link
	l = startLink(t, formRouter(func() *API { return l.api }), linkOptions{})
	user := l.slack.As(ana)
	if res, err := user.Command(l.ctx(), releases, "/release form"); err != nil || res.TimedOut {
		t.Fatalf("open: %v %+v", err, res)
	}
	submit := func(value string) (int, string, map[string]string) {
		t.Helper()
		res, err := user.Submit(l.ctx(), map[string]string{"Title": value})
		if err != nil || res.Ack.Late {
			t.Fatalf("submit %q: %v late=%v", value, err, res.Ack.Late)
		}
		stack := user.Modals()
		if len(stack) == 0 {
			return 0, "", nil
		}
		return len(stack), stack[len(stack)-1].Title, res.Errors
	}

	if n, title, errs := submit("taken"); n != 1 || title != "Step 1" || errs["title"] != "Title is taken; pick another." {
		t.Fatalf("errors: %d modals, top %q, errors %v", n, title, errs)
	}
	if n, title, _ := submit("update"); n != 1 || title != "Step 2" {
		t.Fatalf("update: %d modals, top %q", n, title)
	}
	if n, title, _ := submit("push"); n != 2 || title != "Step 3" {
		t.Fatalf("push: %d modals, top %q", n, title)
	}
	n, title, errs := submit("fail")
	if n != 2 || title != "Step 3" {
		t.Fatalf("a failed handler must keep the form open: %d modals, top %q", n, title)
	}
	mustContain(t, errs["title"], "Sorry, something went wrong on my side and nothing was changed")
	if n, _, _ := submit("clear"); n != 0 {
		t.Fatalf("clear left %d modals", n)
	}

	if res, err := user.Command(l.ctx(), releases, "/release form"); err != nil || res.TimedOut {
		t.Fatalf("open again: %v %+v", err, res)
	}
	if n, _, _ := submit("fine"); n != 0 {
		t.Fatalf("an empty ack must close the form; %d modals", n)
	}
}

// The typed responses serialise exactly as the hand-built maps did.
func TestSubmissionPayloadJSON(t *testing.T) {
	l := &Listener{log: quiet}
	view := &slack.View{Blocks: form("x").Blocks}
	j := &job{envelope: "0123456789", req: &Request{Kind: KindSubmission, View: view}}
	for _, c := range []struct {
		name   string
		resp   *Response
		failed bool
		want   string
	}{
		{"errors", &Response{Errors: map[string]string{"title": "`x` is *bad*"}}, false, `{"response_action":"errors","errors":{"title":"\"x\" is bad"}}`},
		{"clear", &Response{ViewAction: "clear"}, false, `{"response_action":"clear"}`},
		{"failed", &Response{Text: "*Sorry*"}, true, `{"response_action":"errors","errors":{"title":"Sorry"}}`},
		{"nothing", &Response{Text: "saved"}, false, `null`},
		{"update without a view", &Response{ViewAction: "update"}, false, `null`},
		{"no response", nil, false, `null`},
	} {
		got, err := json.Marshal(l.submissionPayload(j, c.resp, c.failed))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	for _, action := range []string{"update", "push"} {
		got, err := json.Marshal(l.submissionPayload(j, &Response{ViewAction: action, View: form("Next")}, false))
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			ResponseAction string                 `json:"response_action"`
			View           slack.ModalViewRequest `json:"view"`
		}
		if err := json.Unmarshal(got, &back); err != nil || back.ResponseAction != action || back.View.Title.Text != "Next" {
			t.Errorf("%s: %s (%v)", action, got, err)
		}
	}
}
