// Package storagetest gives each test a fresh database of every kind the
// suite runs on: always SQLite, and PostgreSQL when RELEASEBOT_TEST_POSTGRES
// names a server.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable that points the suite at a PostgreSQL server,
// e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "RELEASEBOT_TEST_POSTGRES"

// Dialects the suite runs on, in order.
var Dialects = []string{"sqlite", "postgres"}

// Each runs fn as a subtest for every dialect with the URL of a fresh, empty
// database. Without RELEASEBOT_TEST_POSTGRES the PostgreSQL subtest skips and
// says why; with it set and the server unreachable, it fails.
func Each(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	for _, dialect := range Dialects {
		t.Run(dialect, func(t *testing.T) {
			fn(t, Fresh(t, dialect))
		})
	}
}

// Fresh returns the URL of a new empty database of the dialect, removed when
// the test ends.
func Fresh(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "releasebot.db")
	case "postgres":
		return freshPostgres(t)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return ""
}

// PostgresEnabled reports whether the PostgreSQL suite runs.
func PostgresEnabled() bool { return os.Getenv(PostgresEnv) != "" }

// freshPostgres creates a schema of its own for the test and points the URL's
// search_path at it, so tests run in parallel on one database without
// seeing each other's rows.
func freshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: skipping the PostgreSQL run (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", PostgresEnv, err)
	}
	defer conn.Close(context.Background())

	schema := "t_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
