package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// claimThroughProxy opens a store whose connections go through a proxy the
// test can cut, and claims one message with it.
func claimThroughProxy(t *testing.T) (*storagetest.Proxy, *storage.Store, *storage.OutboxMessage) {
	t.Helper()
	if !storagetest.PostgresEnabled() {
		t.Skipf("%s is not set: a lost connection needs PostgreSQL", storagetest.PostgresEnv)
	}
	proxy, url := storagetest.NewProxy(t, storagetest.Fresh(t, "postgres"))
	s, _ := openAt(t, url)
	enqueue(t, s, storage.OutboxMessage{Key: "m", Kind: "direct", Channel: "UANA"})
	claimed, err := s.ClaimOutbox(context.Background(), "w", 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	return proxy, s, &claimed[0]
}

// Slack has posted the message and the database is gone for a moment:
// recording it waits for the database instead of leaving the message to
// be posted again when its lease runs out.
func TestMarkSentOutlivesALostConnection(t *testing.T) {
	proxy, s, m := claimThroughProxy(t)
	back := proxy.CutFor(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.MarkSent(ctx, m, "w", "D1", "1.1"); err != nil {
		t.Fatalf("MarkSent across a lost connection: %v", err)
	}
	select {
	case <-back:
	default:
		t.Fatal("MarkSent returned before the database came back")
	}
	if got := byKey(t, s, "m"); got.Status != storage.OutboxSent || got.SentTS != "1.1" {
		t.Fatalf("%s %q", got.Status, got.SentTS)
	}
	// Recording it again (a commit whose answer was lost) is not a lost lease.
	if err := s.MarkSent(ctx, m, "w", "D1", "1.1"); err != nil {
		t.Fatalf("recording the same send again: %v", err)
	}
}

// Past its deadline MarkSent gives up and says why; the message stays
// claimed, for the lease to hand it on.
func TestMarkSentGivesUpAtItsDeadline(t *testing.T) {
	proxy, s, m := claimThroughProxy(t)
	proxy.Cut()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := s.MarkSent(ctx, m, "w", "D1", "1.1")
	if err == nil || !storage.ConnectionLost(err) {
		t.Fatalf("MarkSent with the database gone: %v", err)
	}
	proxy.Restore()
	if got := byKey(t, s, "m"); got.Status != storage.OutboxSending {
		t.Fatalf("%s", got.Status)
	}
}

// What Postgres and the driver answer when the connection is the problem,
// and only then, counts as a lost connection.
func TestConnectionLost(t *testing.T) {
	if storage.ConnectionLost(errors.New("syntax error")) || storage.ConnectionLost(storage.ErrLeaseLost) ||
		storage.ConnectionLost(context.DeadlineExceeded) {
		t.Fatal("an ordinary error counted as a lost connection")
	}
}

// Failed messages are listed most recent first and go back to the queue
// on request, attempts reset; messages in other states are left alone.
func TestRetryFailedMessages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		for _, k := range []string{"a", "b", "c", "d"} {
			enqueue(t, s, storage.OutboxMessage{Key: k, Kind: "direct", Channel: "UANA"})
		}
		claimed, err := s.ClaimOutbox(ctx, "w", 4, time.Minute)
		if err != nil || len(claimed) != 4 {
			t.Fatalf("claim: %v %v", keys(claimed), err)
		}
		for i := range claimed[:3] {
			clk.Advance(time.Second)
			if err := s.Finish(ctx, &claimed[i], "w", storage.OutboxFailed, "not_in_channel"); err != nil {
				t.Fatal(err)
			}
		}
		failed, total, err := s.FailedMessages(ctx, 0, 2)
		if err != nil || total != 3 || len(failed) != 2 || failed[0].Key != "c" || failed[1].Key != "b" {
			t.Fatalf("failed: %v of %d, %v", keys(failed), total, err)
		}
		if !failed[0].DueAt.Equal(clk.Now()) {
			t.Fatalf("failed at %s, want %s", failed[0].DueAt, clk.Now())
		}
		var back []storage.OutboxMessage
		if err := s.InTx(ctx, func(tx *storage.Tx) error {
			back, err = tx.RetryFailed(claimed[0].ID, claimed[3].ID)
			return err
		}); err != nil || len(back) != 1 || back[0].Key != "a" || back[0].LastError != "not_in_channel" {
			t.Fatalf("retry a and d: %v %v", keys(back), err)
		}
		if m := byKey(t, s, "a"); m.Status != storage.OutboxPending || m.Attempts != 0 || m.LastError != "" || !m.DueAt.Equal(clk.Now()) {
			t.Fatalf("a: %+v", m)
		}
		if m := byKey(t, s, "d"); m.Status != storage.OutboxSending {
			t.Fatalf("a message being sent was touched: %s", m.Status)
		}
		if err := s.InTx(ctx, func(tx *storage.Tx) error {
			back, err = tx.RetryFailed()
			return err
		}); err != nil || len(back) != 2 {
			t.Fatalf("retry all: %v %v", keys(back), err)
		}
		if _, total, _ := s.FailedMessages(ctx, 0, 10); total != 0 {
			t.Fatalf("%d still failed", total)
		}
	})
}
