package reminders

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is work the scheduler runs on a cron schedule.
type Job struct {
	Name string
	// Spec is a standard cron line or a descriptor such as "@every 1m".
	Spec string
	Run  func(ctx context.Context) error
	// Timeout bounds one run (default 50 s, below the usual one-minute tick).
	Timeout time.Duration
	// CatchUp, when set, runs the job once at start-up if its last
	// scheduled time passed less than CatchUp ago, earlier the same day
	// (in the scheduler's zone): a bot that was down or being deployed at
	// 09:00 on Monday still sends that morning's digest when it comes back.
	// Only for jobs that are idempotent per day (the digest's outbox key
	// holds the day), since a replica that was up ran it too.
	CatchUp time.Duration
}

// Scheduler runs jobs with robfig/cron. Every replica runs it: the jobs only
// enqueue outbox messages under unique keys, so a job running on three
// replicas at once still produces each message once.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	loc  *time.Location
	now  func() time.Time
	// missed are the jobs whose last scheduled run fell in their catch-up
	// window, run once when the scheduler starts.
	missed []cron.EntryID
}

// NewScheduler makes a scheduler whose cron lines read in loc. now is the
// clock catch-up decisions are made by (time.Now if nil); ticks follow the
// wall clock.
func NewScheduler(loc *time.Location, log *slog.Logger, now func() time.Time) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	return &Scheduler{
		cron: cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger))),
		log:  log,
		loc:  loc,
		now:  now,
	}
}

// Add registers a job; a bad spec is an error at start-up, not a silent
// never-running job.
func (s *Scheduler) Add(ctx context.Context, j Job) error {
	if j.Timeout <= 0 {
		j.Timeout = 50 * time.Second
	}
	id, err := s.cron.AddFunc(j.Spec, func() { s.run(ctx, j) })
	if err != nil {
		return fmt.Errorf("schedule %s (%q): %w", j.Name, j.Spec, err)
	}
	if j.CatchUp > 0 {
		now := s.now().In(s.loc)
		// Only a run missed earlier the same day: a late run is keyed by
		// the day it happens (the digest's outbox key), so one missed
		// yesterday evening would come as a second digest today.
		if last := s.cron.Entry(id).Schedule.Next(now.Add(-j.CatchUp)); !last.After(now) && sameDay(last, now) {
			s.log.Info("catching up a scheduled run missed while the bot was down", "job", j.Name, "scheduled_at", last)
			s.missed = append(s.missed, id)
		}
	}
	return nil
}

func (s *Scheduler) run(ctx context.Context, j Job) {
	if ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("scheduled job panicked", "job", j.Name, "panic", fmt.Sprint(p))
		}
	}()
	if err := j.Run(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("scheduled job failed", "job", j.Name, "err", err, "duration", time.Since(start))
		return
	}
	s.log.Debug("scheduled job done", "job", j.Name, "duration", time.Since(start))
}

// Run starts the jobs and blocks until ctx ends; a running job is allowed to
// finish.
func (s *Scheduler) Run(ctx context.Context) {
	s.cron.Start()
	var catchUps sync.WaitGroup
	for _, id := range s.missed {
		// Through the chain, so a tick that comes meanwhile is skipped
		// rather than run alongside.
		catchUps.Go(s.cron.Entry(id).WrappedJob.Run)
	}
	<-ctx.Done()
	<-s.cron.Stop().Done()
	catchUps.Wait()
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
