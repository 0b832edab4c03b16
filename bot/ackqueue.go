package bot

import (
	"reflect"

	"github.com/slack-go/slack/socketmode"
)

// ackQueueField is the unexported channel on which slack-go's
// socketmode.Client queues responses (acks) until its sender goroutine
// writes them to the link. Shutdown watches it drain so that the acks of
// the last handlers are written before the link closes; slack-go offers no
// way to flush. TestAckQueueIsFoundInSlackGo fails when a new slack-go
// renames or retypes it.
const ackQueueField = "socketModeResponses"

// ackQueue returns a function that reports how many acks client has queued
// but not written yet. client is a *socketmode.Client; ok is false when its
// layout no longer has the queue, and shutdown then waits a fixed moment
// instead of watching it.
func ackQueue(client any) (length func() int, ok bool) {
	v := reflect.ValueOf(client)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	queue := v.Elem().FieldByName(ackQueueField)
	if !queue.IsValid() || queue.Type() != reflect.TypeFor[chan *socketmode.Response]() {
		return nil, false
	}
	// Len reads the channel without receiving from it; reflection allows
	// that on an unexported field.
	return queue.Len, true
}
