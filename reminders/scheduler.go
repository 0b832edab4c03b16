package reminders

import (
	"context"
	"fmt"
	"log/slog"
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
}

// Scheduler runs jobs with robfig/cron. Every replica runs it: the jobs only
// enqueue outbox messages under unique keys, so a job running on three
// replicas at once still produces each message once.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
}

// NewScheduler makes a scheduler whose cron lines read in loc.
func NewScheduler(loc *time.Location, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{
		cron: cron.New(cron.WithLocation(loc), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger))),
		log:  log,
	}
}

// Add registers a job; a bad spec is an error at start-up, not a silent
// never-running job.
func (s *Scheduler) Add(ctx context.Context, j Job) error {
	if j.Timeout <= 0 {
		j.Timeout = 50 * time.Second
	}
	_, err := s.cron.AddFunc(j.Spec, func() { s.run(ctx, j) })
	if err != nil {
		return fmt.Errorf("schedule %s (%q): %w", j.Name, j.Spec, err)
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
	<-ctx.Done()
	<-s.cron.Stop().Done()
}
