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
	"github.com/releasebot/releasebot/httpapi"
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
	// OnListen is called with the HTTP server's address as soon as it
	// serves, before the database and Slack are reached.
	OnListen func(httpAddr string)
	// DatabaseRetry is the first wait before trying an unreachable
	// database again (default 1s); each wait doubles up to
	// DatabaseRetryMax (default 30s).
	DatabaseRetry    time.Duration
	DatabaseRetryMax time.Duration
	// StoreOptions are passed on to storage.OpenTarget (tests count the
	// database work through storage.WithConnPool).
	StoreOptions []storage.Option
}

// Run starts the bot and blocks until ctx ends and everything has stopped.
func Run(ctx context.Context, cfg config.Config, o Options) error {
	o = o.withDefaults()
	log := o.Logger
	target, err := storage.ParseURL(cfg.DatabaseURL.Reveal())
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The transport's series exist, at zero, from the first scrape.
	metrics := bot.NewMetrics(o.Registry)
	// Serve /healthz before the database and Slack, which may take a while;
	// /readyz says what is still missing.
	ready := &readiness{}
	ready.setDatabaseProblem("database not connected yet")
	web, err := serveHTTP(ctx, cfg.HTTPAddr, ready, o.Registry, cancel)
	if err != nil {
		return err
	}
	if o.OnListen != nil {
		o.OnListen(web.addr)
	}
	store, err := openStore(runCtx, target, o, ready)
	if err != nil {
		stopped := runCtx.Err() != nil
		_ = web.stop(ctx)
		if stopped {
			log.Info("stopped before the database answered")
			return nil
		}
		return fmt.Errorf("database: %w", err)
	}
	defer store.Close()
	ready.store.Store(store)
	log.Info("database ready", "dialect", store.Dialect())

	api := bot.NewAPI(bot.APIOptions{
		BotToken: cfg.SlackBotToken.Reveal(), AppToken: cfg.SlackAppToken.Reveal(),
		APIURL: cfg.SlackAPIURL, Metrics: metrics, Logger: log,
	})
	botUserID, err := identify(runCtx, api, log)
	if err != nil {
		_ = web.stop(ctx)
		return err
	}

	router := bot.NewRouter("/release")
	deps := Deps{Config: cfg, Store: store, API: api, Clock: o.Clock, Logger: log, BotUserID: botUserID, Registry: o.Registry, Tuning: o.Tuning}
	sys := build(router, deps)
	ready.outbox.Store(sys.outbox)
	ready.api.Store(sys.pipelineAPI())
	if o.ExtraRoutes != nil {
		o.ExtraRoutes(router)
	}

	listener := bot.NewListener(bot.ListenerOptions{
		API: api, Router: router, Dedup: store, Metrics: metrics, Logger: log,
		Workers: cfg.Workers, AckBudget: o.AckBudget, PingTimeout: o.PingTimeout,
		DrainTimeout: cfg.ShutdownTimeout - 2*time.Second,
	})
	ready.listener.Store(listener)

	web.wg.Go(func() { web.fail(listener.Run(runCtx)) })
	web.wg.Go(func() { web.fail(sys.run(runCtx)) })
	log.Info("releasebot running", "http_addr", web.addr)
	if o.OnReady != nil {
		o.OnReady(web.addr)
	}

	<-runCtx.Done()
	log.Info("shutting down")
	err = web.stop(ctx)
	log.Info("stopped")
	return err
}

func (o Options) withDefaults() Options {
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
	if o.DatabaseRetry <= 0 {
		o.DatabaseRetry = time.Second
	}
	if o.DatabaseRetryMax <= 0 {
		o.DatabaseRetryMax = 30 * time.Second
	}
	return o
}

// openStore opens the database, waiting for it while it does not answer:
// on Kubernetes the bot and its PostgreSQL often start together, and
// exiting would only turn the wait into a crash loop. Everything else (a
// failed migration, say) stops the bot.
func openStore(ctx context.Context, target storage.Target, o Options, ready *readiness) (*storage.Store, error) {
	delay := o.DatabaseRetry
	for attempt := 1; ; attempt++ {
		store, err := storage.OpenTarget(ctx, target, append([]storage.Option{storage.WithClock(o.Clock), storage.WithLogger(o.Logger)}, o.StoreOptions...)...)
		if err == nil {
			return store, nil
		}
		if !errors.Is(err, storage.ErrUnreachable) || ctx.Err() != nil {
			return nil, err
		}
		ready.setDatabaseProblem(err.Error())
		o.Logger.Warn("database not reachable yet; will try again", "database", target.Redacted(),
			"attempt", attempt, "retry_in_ms", delay.Milliseconds(), "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, o.DatabaseRetryMax)
	}
}

// webServer is the HTTP server and the goroutines that stop the bot when
// they fail.
type webServer struct {
	addr   string
	srv    *http.Server
	wg     sync.WaitGroup
	errs   chan error
	cancel context.CancelFunc
}

func serveHTTP(ctx context.Context, addr string, ready *readiness, reg *prometheus.Registry, cancel context.CancelFunc) (*webServer, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on HTTP_ADDR %s: %w", addr, err)
	}
	w := &webServer{
		addr: ln.Addr().String(), errs: make(chan error, 4), cancel: cancel,
		srv: &http.Server{Handler: httpHandler(ready, reg), ReadHeaderTimeout: 5 * time.Second},
	}
	w.wg.Go(func() {
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.fail(fmt.Errorf("http server: %w", err))
		}
	})
	return w, nil
}

// fail records a part's error and stops the bot.
func (w *webServer) fail(err error) {
	if err != nil {
		w.errs <- err
		w.cancel()
	}
}

// stop shuts the HTTP server down, waits for every part and returns their
// errors.
func (w *webServer) stop(ctx context.Context) error {
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = w.srv.Shutdown(shutdownCtx)
	w.wg.Wait()
	close(w.errs)
	var all []error
	for err := range w.errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// readiness answers /readyz: the database must take writes, once the
// transport exists the Socket Mode link must be up, and the outbox must not
// be paused because Slack refuses the bot token.
type readiness struct {
	store    atomic.Pointer[storage.Store]
	dbIssue  atomic.Pointer[string]
	listener atomic.Pointer[bot.Listener]
	outbox   atomic.Pointer[reminders.Outbox]
	// api is the pipeline API, served once the database is open.
	api atomic.Pointer[http.Handler]
}

// setDatabaseProblem is what /readyz says until the store is open.
func (r *readiness) setDatabaseProblem(p string) { r.dbIssue.Store(&p) }

func (r *readiness) problems(ctx context.Context) []string {
	var out []string
	if s := r.store.Load(); s == nil {
		out = append(out, *r.dbIssue.Load())
	} else if err := s.CheckWritable(ctx); err != nil {
		out = append(out, err.Error())
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
	mux.Handle(httpapi.Prefix, pipelineAPI(ready))
	mux.Handle("GET /calendar.ics", pipelineAPI(ready))
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
