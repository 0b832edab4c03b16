package bot

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Shutdown reads slack-go's unexported ack queue by reflection. This test
// pins the field: it fails when a new slack-go renames or retypes it, so
// that the upgrade comes with a look at flushAcks rather than a silent
// fallback to a fixed wait.
func TestAckQueueIsFoundInSlackGo(t *testing.T) {
	smc := socketmode.New(slack.New("xoxb-test", slack.OptionAppLevelToken("xapp-test")))
	length, ok := ackQueue(smc)
	if !ok {
		t.Fatalf("socketmode.Client has no field %s of type chan *socketmode.Response any more; see ackqueue.go", ackQueueField)
	}
	if n := length(); n != 0 {
		t.Fatalf("a new client has %d queued acks", n)
	}
	// Without a link the ack stays queued, which is what shutdown watches.
	if err := smc.AckCtx(context.Background(), "env-1", nil); err != nil {
		t.Fatal(err)
	}
	if n := length(); n != 1 {
		t.Fatalf("the queue the listener watches holds %d acks after one Ack; it is not slack-go's send queue", n)
	}
}

// A client whose layout changed is reported, not read blindly.
func TestAckQueueFailsSafe(t *testing.T) {
	type renamed struct{ responses chan *socketmode.Response }
	type retyped struct{ socketModeResponses chan socketmode.Response }
	type right struct{ socketModeResponses chan *socketmode.Response }
	for name, client := range map[string]any{
		"renamed":    &renamed{responses: make(chan *socketmode.Response)},
		"retyped":    &retyped{socketModeResponses: make(chan socketmode.Response)},
		"not a ptr":  right{},
		"nil":        (*right)(nil),
		"nil client": nil,
	} {
		if _, ok := ackQueue(client); ok {
			t.Errorf("%s: reported as found", name)
		}
	}
	if _, ok := ackQueue(&right{socketModeResponses: make(chan *socketmode.Response, 1)}); !ok {
		t.Error("the expected layout is not found")
	}
}
