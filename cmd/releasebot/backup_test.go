package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// populate writes a row in every table of the schema.
func populate(t *testing.T, s *storage.Store) {
	t.Helper()
	at := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	db := s.Gorm(context.Background())
	r := &storage.Release{Service: "billing", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "high",
		Title: "Backup me", OwnerID: "UOWNER", CreatedBy: "UOWNER", Channel: "CREL", StartAt: at, EndAt: at.Add(time.Hour),
		Status: "planned", Revision: 1, Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}}}
	rows := []any{r}
	must := func(v any) {
		t.Helper()
		if err := db.Create(v).Error; err != nil {
			t.Fatalf("insert %T: %v", v, err)
		}
	}
	must(r)
	round := &storage.ApprovalRound{ReleaseID: r.ID, Number: 1, Revision: 1, Status: "open", Required: "1", Needed: 1, PolicySource: "default", OpenedAt: at}
	must(round)
	rows = append(rows,
		&storage.ApprovalPolicy{Type: "normal", Approvers: "UANA", Required: "1", UpdatedBy: "UADMIN", UpdatedAt: at},
		&storage.RoundApprover{RoundID: round.ID, UserID: "UANA"},
		&storage.ApprovalDecision{RoundID: round.ID, ApproverID: "UANA", Decision: "approve", DecidedAt: at},
		&storage.FreezeWindow{StartAt: at, EndAt: at.Add(time.Hour), Reason: "audit", CreatedBy: "UADMIN", CreatedAt: at},
		&storage.Subscription{Service: "billing", Target: "CNEWS", TargetKind: "channel", CreatedBy: "UOWNER", CreatedAt: at},
		&storage.Stakeholder{Service: "billing", UserID: "USTAKE", AddedBy: "UOWNER", CreatedAt: at},
		&storage.OutboxMessage{Key: "announce:1", Kind: "announcement", ReleaseID: &r.ID, Op: "post", DueAt: at, Status: "pending", CreatedAt: at},
		&storage.AuditEntry{At: at, Actor: "UOWNER", Action: "created", ReleaseID: &r.ID},
		&storage.ProcessedEnvelope{Key: "cmd:1", CreatedAt: at},
		&storage.UserProfile{UserID: "UANA", Name: "Ana", FetchedAt: at},
		&storage.APIToken{Name: "ci", Hash: "00", CreatedBy: "UADMIN", CreatedAt: at},
		&storage.CalendarFeed{UserID: "USTAKE", Hash: "01", CreatedAt: at},
		&storage.ReadinessCheck{ReleaseID: r.ID, Name: "tests", Status: "passed", Actor: "token:ci", UpdatedAt: at},
		&storage.Incident{ReleaseID: r.ID, Summary: "errors", ReportedBy: "UOWNER", CreatedAt: at},
		&storage.LiveVersion{Service: "billing", Environment: "production", Version: "1.0.0", ReleaseID: r.ID, Since: at},
		&storage.IdempotencyKey{Key: "ci:run-1", RequestHash: "00", Status: 200, Body: "{}", CreatedAt: at},
		&storage.StandardTemplate{Name: "billing-flags", Service: "billing", MaxRisk: "low", Covers: "Flag flips", CreatedBy: "UADMIN", CreatedAt: at},
	)
	for _, v := range rows[1:] {
		must(v)
	}
	// Surveys and reviews (migration 20).
	sv := &storage.Survey{ReleaseID: r.ID, OpenedAt: at, ClosesAt: at.Add(time.Hour)}
	must(sv)
	must(&storage.SurveyInvite{SurveyID: sv.ID, UserID: "USTAKE"})
	must(&storage.SurveyResponse{SurveyID: sv.ID, UserID: "USTAKE", Score: 4, AnsweredAt: at, UpdatedAt: at})
	rv := &storage.Review{ReleaseID: r.ID, AuthorID: "UOWNER", Criteria: "yes", CreatedAt: at, UpdatedAt: at}
	must(rv)
	must(&storage.ReviewAction{ReviewID: rv.ID, ReleaseID: r.ID, Service: "billing", Text: "Alert", OwnerID: "UANA", DueOn: "2026-03-05"})
}

// rowCounts counts the rows of every table, goose's version table included.
func rowCounts(t *testing.T, s *storage.Store) map[string]int64 {
	t.Helper()
	tables, err := s.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := s.Gorm(context.Background()).Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// A backup taken while the bot's store is open brings back every table
// when it is put in place of the database; a second backup never
// overwrites the first.
func TestBackupRestoresEveryTable(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "releasebot.db")
	ctx := context.Background()
	s, err := storage.Open(ctx, "sqlite:"+live)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	populate(t, s)
	before := rowCounts(t, s)
	for table, n := range before {
		if n == 0 && table != "sqlite_sequence" {
			t.Fatalf("table %s has no row to back up", table)
		}
	}

	t.Setenv("DATABASE_URL", "sqlite:"+live)
	dest := filepath.Join(dir, "backup.db")
	var out, errOut bytes.Buffer
	if code := run([]string{"backup", dest}, &out, &errOut); code != 0 {
		t.Fatalf("backup exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "backed up") {
		t.Fatalf("backup says %q", out.String())
	}

	// Restoring a SQLite backup is putting the file in the database's place.
	restoredPath := filepath.Join(t.TempDir(), "releasebot.db")
	data, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restoredPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := storage.Open(ctx, "sqlite:"+restoredPath)
	if err != nil {
		t.Fatalf("open the restored database: %v", err)
	}
	defer restored.Close()
	if after := rowCounts(t, restored); !reflect.DeepEqual(after, before) {
		t.Fatalf("rows per table after restore %v, before %v", after, before)
	}
	if r, err := restored.Release(ctx, 1); err != nil || r.Title != "Backup me" || len(r.Components) != 1 {
		t.Fatalf("restored release %+v, %v", r, err)
	}

	errOut.Reset()
	if code := run([]string{"backup", dest}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "already exists") {
		t.Fatalf("second backup to the same file: exit %d, %q", code, errOut.String())
	}
	if again, err := os.ReadFile(dest); err != nil || !bytes.Equal(again, data) {
		t.Fatalf("the existing backup changed: %v", err)
	}
}

func TestBackupRefusesPostgresAndBadArguments(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://rb:s3cret@127.0.0.1:1/rb")
	var out, errOut bytes.Buffer
	if code := run([]string{"backup", filepath.Join(t.TempDir(), "b.db")}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "pg_dump") {
		t.Fatalf("PostgreSQL backup: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"backup"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage: releasebot backup FILE") {
		t.Fatalf("no file: exit %d, %q", code, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "s3cret") {
		t.Fatal("the password was printed")
	}
}
