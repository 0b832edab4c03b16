package commands

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/commands/internal/golden"
	"github.com/releasebot/releasebot/config"
)

// The help is generated from the route table; testdata/help.golden.json
// holds it as it was before the table moved here (text, blocks and the
// buttons' routes), and it must not change by accident.
func TestGoldenRouteTableHelp(t *testing.T) {
	r := bot.NewRouter("/release")
	New(Options{Config: config.Config{}}).Register(r)
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Help    *bot.Response
		Actions []string
	}{r.Help(""), r.ActionRoutes()}); err != nil {
		t.Fatal(err)
	}
	golden.Bytes(t, "help", got.Bytes())
}
