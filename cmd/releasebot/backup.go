package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/releasebot/releasebot/storage"
)

const backupUsage = "usage: releasebot backup FILE\n" +
	"Copies the SQLite database that DATABASE_URL names to FILE, a new file, while the bot may keep running.\n" +
	"PostgreSQL is backed up with pg_dump: see docs/upgrading.md."

// backup is `releasebot backup FILE`. It needs only DATABASE_URL, not the
// Slack tokens.
func backup(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, backupUsage)
		return 2
	}
	target, err := storage.ParseURL(os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Fprintln(stderr, "DATABASE_URL:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := storage.Backup(ctx, target, args[0]); err != nil {
		fmt.Fprintln(stderr, "backup failed:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", target.Redacted(), args[0])
	return 0
}
