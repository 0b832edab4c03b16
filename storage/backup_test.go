package storage_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// needTool finds a PostgreSQL client program. CI has them: there a missing
// one fails the test instead of skipping it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: the PostgreSQL backup test needs the PostgreSQL client programs", name)
		}
		t.Skipf("%s is not installed: skipping the pg_dump/pg_restore test", name)
	}
	return path
}

// The documented PostgreSQL backup (pg_dump --format=custom) and restore
// (pg_restore into an empty database) bring back every table and row.
func TestPostgresDumpAndRestore(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.Fresh(t, storage.Postgres)
	pgDump, pgRestore, psql := needTool(t, "pg_dump"), needTool(t, "pg_restore"), needTool(t, "psql")
	loadFixture(t, storage.Postgres, dbURL)
	s := open(t, dbURL)
	before := countRows(t, s)
	version, err := s.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	// The client programs take libpq URLs, which have no search_path:
	// name the test's schema instead.
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	libpq := u.String()
	dump := filepath.Join(t.TempDir(), "releasebot.dump")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
		}
	}
	run(pgDump, "--format=custom", "--no-owner", "--schema="+schema, "--file="+dump, libpq)
	// The disaster: the schema and everything in it is gone.
	run(psql, "--quiet", "--set=ON_ERROR_STOP=1", "--command=DROP SCHEMA "+schema+" CASCADE", libpq)
	run(pgRestore, "--no-owner", "--exit-on-error", "--dbname="+libpq, dump)

	restored := open(t, dbURL)
	if after := countRows(t, restored); !reflect.DeepEqual(after, before) {
		t.Fatalf("rows per table after restore %v, before %v", after, before)
	}
	if v, err := restored.SchemaVersion(context.Background()); err != nil || v != version {
		t.Fatalf("schema version after restore %d, %v; want %d", v, err, version)
	}
	checkFixtureReadable(t, restored)
}
