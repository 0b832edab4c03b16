package commands

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/config"
)

// The help is generated from the route table; testdata/help.golden.json
// holds it as it was before the table moved here (text, blocks and the
// buttons' routes), and it must not change by accident.
func TestRouteTableHelp(t *testing.T) {
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
	want, err := os.ReadFile(filepath.Join("testdata", "help.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the help changed:\n%s", got.Bytes())
	}
}
