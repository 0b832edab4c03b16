// Command releasebot runs the release management bot: it reads its
// configuration from the environment, connects to Slack over Socket Mode
// and serves /healthz, /readyz and /metrics on HTTP_ADDR. `releasebot
// -version` prints the build (see package buildinfo for the stamping).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work in a minimal container image too

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/buildinfo"
	"github.com/releasebot/releasebot/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "backup" {
		return backup(args[1:], stdout, stderr)
	}
	flags := flag.NewFlagSet("releasebot", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		_ = config.Usage(stdout)
		fmt.Fprintln(stdout, "\nreleasebot -version prints the version, commit, build date and Go version.")
	}
	showVersion := flags.Bool("version", false, "print the version, commit, build date and Go version, then exit")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, buildinfo.Get())
		return 0
	}

	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg, app.Options{Logger: log}); err != nil {
		log.Error("releasebot stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
