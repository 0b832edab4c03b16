// Package app wires releasebot together: configuration in, a running bot
// out. cmd/releasebot calls it with the process environment; end-to-end
// tests call it with a Slack emulator and a fresh database.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/reminders"
	"github.com/releasebot/releasebot/storage"
)

// Options are the seams tests use; production leaves them zero.
type Options struct {
	Logger *slog.Logger
	// Clock replaces time.Now for everything that schedules or stamps.
	Clock func() time.Time
	// Registry receives the metrics (default: a new registry).
	Registry *prometheus.Registry
	// OnReady is called with the HTTP server's address once the bot serves.
	OnReady func(httpAddr string)
	// AckBudget, PingTimeout: see bot.ListenerOptions.
	AckBudget   time.Duration
	PingTimeout time.Duration
	// ExtraRoutes registers more handlers on the router (tests use it to
	// add a handler that panics).
	ExtraRoutes func(*bot.Router)
	// Tuning shortens the background loops' intervals.
	Tuning Tuning
}

// Run starts the bot and blocks until ctx ends and everything has stopped.
func Run(ctx context.Context, cfg config.Config, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
		o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	log := o.Logger

	store, err := storage.Open(ctx, cfg.DatabaseURL.Reveal(), storage.WithClock(o.Clock), storage.WithLogger(log))
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer store.Close()
	log.Info("database ready", "dialect", store.Dialect())

	metrics := bot.NewMetrics(o.Registry)
	api := bot.NewAPI(bot.APIOptions{
		BotToken: cfg.SlackBotToken.Reveal(), AppToken: cfg.SlackAppToken.Reveal(),
		APIURL: cfg.SlackAPIURL, Metrics: metrics, Logger: log,
	})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Serve /healthz before talking to Slack, which may take a while.
	ready := &readiness{store: store}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: httpHandler(ready, o.Registry), ReadHeaderTimeout: 5 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
			cancel()
		}
	})
	stopHTTP := func() {
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}

	botUserID, err := identify(runCtx, api, log)
	if err != nil {
		stopHTTP()
		wg.Wait()
		return err
	}

	router := bot.NewRouter("/release")
	deps := Deps{Config: cfg, Store: store, API: api, Clock: o.Clock, Logger: log, BotUserID: botUserID, Registry: o.Registry, Tuning: o.Tuning}
	sys := build(router, deps)
	ready.outbox.Store(sys.outbox)
	if o.ExtraRoutes != nil {
		o.ExtraRoutes(router)
	}

	listener := bot.NewListener(bot.ListenerOptions{
		API: api, Router: router, Dedup: store, Metrics: metrics, Logger: log,
		Workers: cfg.Workers, AckBudget: o.AckBudget, PingTimeout: o.PingTimeout,
		DrainTimeout: cfg.ShutdownTimeout - 2*time.Second,
	})
	ready.listener.Store(listener)

	wg.Go(func() {
		if err := listener.Run(runCtx); err != nil {
			errs <- err
			cancel()
		}
	})
	wg.Go(func() {
		if err := sys.run(runCtx); err != nil {
			errs <- err
			cancel()
		}
	})
	log.Info("releasebot running", "http_addr", ln.Addr().String())
	if o.OnReady != nil {
		o.OnReady(ln.Addr().String())
	}

	<-runCtx.Done()
	log.Info("shutting down")
	stopHTTP()
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	log.Info("stopped")
	return errors.Join(all...)
}

// readiness answers /readyz: the database must answer, once the
// transport exists the Socket Mode link must be up, and the outbox must
// not be paused because Slack refuses the bot token.
type readiness struct {
	store    *storage.Store
	listener atomic.Pointer[bot.Listener]
	outbox   atomic.Pointer[reminders.Outbox]
}

func (r *readiness) problems(ctx context.Context) []string {
	var out []string
	if err := r.store.Ping(ctx); err != nil {
		out = append(out, "database unreachable")
	}
	if l := r.listener.Load(); l == nil || !l.Connected() {
		out = append(out, "slack socket mode not connected")
	}
	if ob := r.outbox.Load(); ob != nil {
		if code := ob.PauseReason(); code != "" {
			out = append(out, fmt.Sprintf("outbox paused: slack refuses the bot token (%s)", code))
		}
	}
	return out
}

func httpHandler(ready *readiness, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if problems := ready.problems(r.Context()); len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, p := range problems {
				fmt.Fprintln(w, p)
			}
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// identify checks the bot token. Slack refusing it stops the bot with a clear
// message; Slack being unreachable does not: the bot serves /healthz, reports
// not ready and keeps trying to connect.
func identify(ctx context.Context, api *bot.API, log *slog.Logger) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	auth, err := api.AuthTest(ctx)
	switch {
	case err == nil:
		log.Info("slack bot identified", "bot_user", auth.UserID, "team", auth.TeamID)
		return auth.UserID, nil
	case bot.IsPermanent(err):
		return "", fmt.Errorf("slack refused SLACK_BOT_TOKEN (%s): check the token and that the app is installed in the workspace", bot.ErrorCode(err))
	}
	log.Warn("slack is not reachable yet; will keep trying", "err", err)
	return "", nil
}
