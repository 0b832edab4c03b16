package bot

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// titleTaken refuses every new release and quotes the title typed, as
// the planning refusals do.
func titleTaken(_ context.Context, req *Request) (*Response, error) {
	_, title, _ := strings.Cut(req.Args, "title=")
	return nil, Userf("A release titled %s is already planned for that window.", title)
}

// Issue 10, defect 4: what users type never reaches the log above debug,
// not even inside the refusal that quotes it back to them.
func TestRefusalsAreLoggedWithoutWhatWasTyped(t *testing.T) {
	const title = "Zanzibar-Quokka-Migration-7731"
	r := NewRouter("/release")
	r.HandleCommand(Subcommand{Name: "new", Summary: "Plan.", Handler: titleTaken})
	l := startLink(t, r, linkOptions{level: slog.LevelInfo})

	reply := l.command(`/release new billing 2.3.0 title="` + title + `"`)
	mustContain(t, reply, "already planned", title)

	logs := l.logs()
	mustContain(t, logs, "request refused", "route=new")
	if strings.Contains(logs, "Zanzibar") || strings.Contains(logs, "Quokka") {
		t.Fatalf("the typed title reached the log at info level:\n%s", logs)
	}
}

// At debug level the refusal's text is there for whoever debugs it.
func TestRefusalTextOnlyAtDebug(t *testing.T) {
	const title = "Zanzibar-Quokka-Migration-7731"
	r := NewRouter("/release")
	r.HandleCommand(Subcommand{Name: "new", Summary: "Plan.", Handler: titleTaken})
	l := startLink(t, r, linkOptions{level: slog.LevelDebug})
	l.command(`/release new billing title="` + title + `"`)
	logs := l.logs()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, title) && !strings.Contains(line, "level=DEBUG") {
			t.Errorf("the title is logged above debug: %s", line)
		}
	}
	mustContain(t, logs, `msg="refusal shown to the user"`, title, "message_len=")
}
