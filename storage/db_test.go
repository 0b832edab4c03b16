package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// Another process holding SQLite's write lock makes the store not writable,
// and releasing it makes the store writable again.
func TestCheckWritableSeesAnotherWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storagetest.Fresh(t, storage.SQLite)
	s := open(t, url)
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("fresh database not writable: %v", err)
	}
	other, err := openRaw(t, storage.SQLite, url).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err = s.CheckWritable(ctx)
	if !errors.Is(err, storage.ErrNotWritable) || !strings.Contains(err.Error(), "write lock") {
		t.Fatalf("with the write lock held elsewhere: %v, want ErrNotWritable", err)
	}
	if _, err := other.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("after the lock was released: %v", err)
	}
	create(t, s, newRelease("billing"))
}

func TestCheckWritablePostgres(t *testing.T) {
	t.Parallel()
	s := open(t, storagetest.Fresh(t, storage.Postgres))
	if err := s.CheckWritable(context.Background()); err != nil {
		t.Fatalf("fresh database not writable: %v", err)
	}
}

func TestTargetRedacted(t *testing.T) {
	cases := map[string]string{
		"postgres://rb:s3cret@db:5432/rb?sslmode=disable":     "postgres://rb:xxxxx@db:5432/rb?sslmode=disable",
		"postgres://rb@db/rb?password=s3cret&sslmode=require": "postgres://rb@db/rb?password=xxxxx&sslmode=require",
		"sqlite:/var/lib/rb.db":                               "sqlite:/var/lib/rb.db",
	}
	for in, want := range cases {
		target, err := storage.ParseURL(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := target.Redacted(); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
