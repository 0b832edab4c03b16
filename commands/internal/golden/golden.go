// Package golden compares Block Kit surfaces with testdata/*.golden.json
// and checks them against Slack's limits as the emulator enforces them.
// Only tests import it.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/slackemu"
)

// `go test ./commands/... -run Golden -update` rewrites testdata/*.golden.json.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Check fails unless the message is inside Slack's limits, as the
// emulator's chat.postMessage checks them.
func Check(t *testing.T, msg bot.Message) []byte {
	t.Helper()
	blocks, err := json.Marshal(msg.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if errs := slackemu.ValidateMessageBlocks(blocks); len(errs) > 0 {
		t.Fatalf("Slack would refuse these blocks:\n%s", strings.Join(errs, "\n"))
	}
	if len(msg.Blocks) > bot.MaxMessageBlocks {
		t.Fatalf("%d blocks", len(msg.Blocks))
	}
	if msg.Text == "" || len([]rune(msg.Text)) > bot.MaxMessageText {
		t.Fatalf("fallback text of %d characters", len([]rune(msg.Text)))
	}
	return blocks
}

// Compare compares msg with testdata/<name>.golden.json.
func Compare(t *testing.T, name string, msg bot.Message) {
	t.Helper()
	Check(t, msg)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(msg); err != nil {
		t.Fatal(err)
	}
	Bytes(t, name, buf.Bytes())
}

// Bytes compares got with testdata/<name>.golden.json, or rewrites the
// file under -update.
func Bytes(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; if that is intended, run `go test ./commands/... -run Golden -update` and review the diff.\ngot:\n%s", path, got)
	}
}
