package reminders_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/releasebot/releasebot/reminders"
)

// A malformed schedule is an error at start-up, not a job that never runs.
func TestSchedulerRefusesBadSpecs(t *testing.T) {
	s := reminders.NewScheduler(time.UTC, slog.New(slog.DiscardHandler), nil)
	for _, spec := range []string{"", "every minute", "61 * * * *", "0 9 * * FUNDAY"} {
		err := s.Add(context.Background(), reminders.Job{Name: "digest", Spec: spec, Run: func(context.Context) error { return nil }})
		if err == nil || !strings.Contains(err.Error(), "digest") {
			t.Fatalf("%q: %v", spec, err)
		}
	}
	if err := s.Add(context.Background(), reminders.Job{Name: "digest", Spec: "0 9 * * MON", Run: func(context.Context) error { return nil }}); err != nil {
		t.Fatal(err)
	}
}

// A job that panics does not stop the scheduler, a slow run is not
// overlapped by the next tick, and shutdown waits for the running job.
func TestSchedulerSurvivesPanicsAndSkipsOverlaps(t *testing.T) {
	s := reminders.NewScheduler(time.UTC, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	var panics, runs, running, overlaps atomic.Int32
	ran := make(chan struct{}, 10)
	mustAdd := func(j reminders.Job) {
		if err := s.Add(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(reminders.Job{Name: "bad", Spec: "@every 1s", Run: func(context.Context) error { panics.Add(1); panic("boom") }})
	mustAdd(reminders.Job{Name: "slow", Spec: "@every 1s", Run: func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer running.Add(-1)
		runs.Add(1)
		ran <- struct{}{}
		// Longer than the interval: the next tick must be skipped.
		t := time.NewTimer(1500 * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return nil
	}})
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for range 2 {
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow job did not run twice")
		}
	}
	cancel()
	<-done
	if panics.Load() < 2 {
		t.Fatalf("the panicking job ran %d times", panics.Load())
	}
	if overlaps.Load() != 0 {
		t.Fatalf("%d overlapping runs", overlaps.Load())
	}
	if running.Load() != 0 {
		t.Fatal("Run returned while a job was running")
	}
}

// A job whose last scheduled time passed within its catch-up window while
// no scheduler ran is run once at start-up; older misses and jobs without
// a window are left for their next time.
func TestSchedulerCatchesUpRecentMisses(t *testing.T) {
	monday0905 := time.Date(2030, 3, 4, 9, 5, 0, 0, time.UTC)
	s := reminders.NewScheduler(time.UTC, slog.New(slog.DiscardHandler), func() time.Time { return monday0905 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := map[string]*atomic.Int32{}
	caughtUp := make(chan struct{}, 4)
	for _, j := range []reminders.Job{
		{Name: "missed five minutes ago", Spec: "0 9 * * MON", CatchUp: time.Hour},
		{Name: "missed two hours ago", Spec: "0 7 * * MON", CatchUp: time.Hour},
		{Name: "no catch-up", Spec: "0 9 * * MON"},
		// Within the window, but yesterday: today's run would be a second one.
		{Name: "missed yesterday evening", Spec: "0 18 * * SUN", CatchUp: 24 * time.Hour},
	} {
		n := &atomic.Int32{}
		runs[j.Name] = n
		j.Run = func(context.Context) error {
			n.Add(1)
			caughtUp <- struct{}{}
			return nil
		}
		if err := s.Add(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	<-caughtUp
	cancel()
	<-done // Run waits for catch-up runs, so the counts below are final.
	for name, want := range map[string]int32{"missed five minutes ago": 1, "missed two hours ago": 0, "no catch-up": 0, "missed yesterday evening": 0} {
		if got := runs[name].Load(); got != want {
			t.Errorf("%s: ran %d times, want %d", name, got, want)
		}
	}
}
