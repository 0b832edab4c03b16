package manifests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/releasebot/releasebot/bot"
)

// scopesFor is the bot-token scopes each Web API method the bot calls needs,
// from the "Scopes" facts of https://docs.slack.dev/reference/methods/<method>.
var scopesFor = map[string][]string{
	"auth.test":          nil,
	"chat.getPermalink":  nil,
	"chat.postEphemeral": {"chat:write"},
	// chat:write.public lets it post in public channels it has not joined
	// (https://docs.slack.dev/reference/scopes/chat.write.public): planning
	// announces there. A user ID as channel posts to the App Home's
	// Messages tab with chat:write alone, so no im:write.
	"chat.postMessage": {"chat:write", "chat:write.public"},
	"chat.update":      {"chat:write"},
	// One scope per conversation type: the bot asks about the conversation
	// a command came from, which may be any of them (defect 6).
	"conversations.info": {"channels:read", "groups:read", "im:read", "mpim:read"},
	// The outbox looks for a message whose post was cut off before
	// posting it again (exactly once after a crash), in whatever kind of
	// conversation it went to, and finds the DM a post to a user id landed
	// in among the bot's DMs (types=im only).
	"conversations.history": {"channels:history", "groups:history", "im:history", "mpim:history"},
	"conversations.replies": {"channels:history", "groups:history", "im:history", "mpim:history"},
	"users.conversations":   {"im:read"},
	"usergroups.users.list": {"usergroups:read"},
	"usergroups.list":       {"usergroups:read"},
	"users.info":            {"users:read"},
	"views.open":            nil,
	"views.publish":         nil,
	"views.update":          nil,
}

// slackGoCalls are slack-go client methods called directly, outside
// bot.API's named wrappers (the outbox does), and the Web API method each
// calls.
var slackGoCalls = map[string]string{
	"AuthTestContext":      "auth.test", // the outbox's probe of a refused token
	"PostMessageContext":   "chat.postMessage",
	"UpdateMessageContext": "chat.update",
}

// methodName matches a Web API method name in a string literal.
var methodName = regexp.MustCompile(`^(admin|apps|auth|bookmarks|bots|calls|chat|conversations|dialog|dnd|emoji|files|pins|reactions|search|stars|team|usergroups|users|views|workflows)(\.[a-z][A-Za-z]*)+$`)

// calledMethods finds the Web API methods the bot's code calls: method
// names in string literals (what bot.API and the outbox count calls under)
// and slack-go methods called on API.Client().
func calledMethods(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{} // method → where
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// The emulator and the tests name methods they do not call.
			switch d.Name() {
			case ".git", "slackemu", "e2e", "manifests", "testdata", "docs":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				// bot.CalledMethods lists the methods; it calls none.
				return !slices.ContainsFunc(n.Names, func(id *ast.Ident) bool { return id.Name == "CalledMethods" })
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && methodName.MatchString(s) {
					found[s] = fset.Position(n.Pos()).String()
				}
			case *ast.SelectorExpr:
				if call, ok := n.X.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Client" && len(call.Args) == 0 {
						where := fset.Position(n.Pos()).String()
						method, known := slackGoCalls[n.Sel.Name]
						if !known {
							t.Errorf("%s calls slack-go's %s: add it to slackGoCalls with the Web API method it calls", where, n.Sel.Name)
						}
						found[method] = where
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

type slackManifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `json:"command"`
		} `json:"slash_commands"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot  []string `json:"bot"`
			User []string `json:"user"`
		} `json:"scopes"`
	} `json:"oauth_config"`
}

// The app asks for exactly the scopes the bot's calls need: a missing one
// fails at run time with missing_scope, an unused one asks the installing
// admin for access nobody uses.
func TestSlackAppScopesMatchTheCalls(t *testing.T) {
	raw, err := os.ReadFile("slack-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m slackManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("slack-app.yaml: %v", err)
	}
	if len(m.OAuthConfig.Scopes.User) > 0 {
		t.Errorf("user scopes %v: the bot acts only with its bot token", m.OAuthConfig.Scopes.User)
	}

	need := map[string]string{} // scope → why
	if len(m.Features.SlashCommands) > 0 {
		need["commands"] = "the slash command " + m.Features.SlashCommands[0].Command
	}
	called := calledMethods(t)
	for method, where := range called {
		scopes, known := scopesFor[method]
		if !known {
			t.Errorf("%s calls %s: add it to scopesFor with the scopes from Slack's reference", where, method)
		}
		for _, s := range scopes {
			need[s] = method + " (" + where + ")"
		}
	}
	for method := range scopesFor {
		if _, ok := called[method]; !ok {
			t.Errorf("scopesFor lists %s, which nothing calls any more", method)
		}
	}

	have := map[string]bool{}
	for _, s := range m.OAuthConfig.Scopes.Bot {
		if have[s] {
			t.Errorf("scope %s is listed twice", s)
		}
		have[s] = true
		if _, ok := need[s]; !ok {
			t.Errorf("slack-app.yaml asks for %s, which no call needs", s)
		}
	}
	for s, why := range need {
		if !have[s] {
			t.Errorf("slack-app.yaml lacks %s, needed by %s", s, why)
		}
	}
}

// The pre-created metric series cover exactly the methods the bot calls.
func TestCalledMethodsListIsComplete(t *testing.T) {
	called := calledMethods(t)
	for method, where := range called {
		if !slices.Contains(bot.CalledMethods, method) {
			t.Errorf("%s calls %s, missing from bot.CalledMethods", where, method)
		}
	}
	for _, method := range bot.CalledMethods {
		if _, ok := called[method]; !ok && method != "response_url" {
			t.Errorf("bot.CalledMethods lists %s, which nothing calls", method)
		}
	}
}
