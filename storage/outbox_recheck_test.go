package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// The claim records when a try began; the row keeps it only while a post's
// outcome is unknown, and the next claim then says to look for the
// message in Slack (Recheck) with the earliest such start.
func TestClaimRecordsAttemptsWhoseOutcomeIsUnknown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		enqueue(t, s, storage.OutboxMessage{Key: "m", Kind: "direct", Channel: "UANA"})
		claim := func() storage.OutboxMessage {
			t.Helper()
			got, err := s.ClaimOutbox(ctx, "w", 1, time.Minute)
			if err != nil || len(got) != 1 {
				t.Fatalf("claim: %+v %v", got, err)
			}
			return got[0]
		}
		first := claim()
		began := clk.Now()
		if first.Recheck || first.AttemptedAt == nil || !first.AttemptedAt.Equal(began) {
			t.Fatalf("first claim: recheck %v, attempted %v, want %v", first.Recheck, first.AttemptedAt, began)
		}
		// The try ended knowing Slack has not got it (a 429, a wait).
		first.AttemptedAt = nil
		if err := s.RetryLater(ctx, &first, "w", clk.Now(), "rate limited", false); err != nil {
			t.Fatal(err)
		}
		if m := byKey(t, s, "m"); m.AttemptedAt != nil {
			t.Fatalf("attempted_at %v kept after a try known not to have posted", m.AttemptedAt)
		}
		clk.Advance(time.Second)
		second := claim()
		if second.Recheck || !second.AttemptedAt.Equal(clk.Now()) {
			t.Fatalf("second claim: recheck %v, attempted %v", second.Recheck, second.AttemptedAt)
		}
		began = clk.Now()
		// A timeout: the outcome is unknown, the start stays.
		if err := s.RetryLater(ctx, &second, "w", clk.Now(), "timeout", true); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		third := claim()
		if !third.Recheck || !third.AttemptedAt.Equal(began) {
			t.Fatalf("third claim: recheck %v, attempted %v, want the timed-out try's start %v", third.Recheck, third.AttemptedAt, began)
		}
		// The replica dies holding it: the lease runs out, the start stays.
		clk.Advance(2 * time.Minute)
		if n, err := s.ReleaseExpired(ctx); n != 1 || err != nil {
			t.Fatalf("released %d, %v", n, err)
		}
		fourth := claim()
		if !fourth.Recheck || !fourth.AttemptedAt.Equal(began) {
			t.Fatalf("after a lost lease: recheck %v, attempted %v, want %v", fourth.Recheck, fourth.AttemptedAt, began)
		}
	})
}
