package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

func open(t *testing.T, url string) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newRelease(service string) *storage.Release {
	start := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	return &storage.Release{
		Service: service, Version: "1.2.3", Environment: "production", Type: "normal", Risk: "medium",
		OwnerID: "UOWNER", CreatedBy: "UOWNER", Channel: "CREL", StartAt: start, EndAt: start.Add(time.Hour),
		Status:     string(release.StatusPlanned),
		Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}, {Name: "worker", Version: "1.4.1"}},
	}
}

func create(t *testing.T, s *storage.Store, r *storage.Release) *storage.Release {
	t.Helper()
	err := s.InTx(context.Background(), func(tx *storage.Tx) error { return tx.CreateRelease(r, r.OwnerID, "test") })
	if err != nil {
		t.Fatalf("create release: %v", err)
	}
	return r
}

func TestReleaseRoundTrip(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		r := create(t, s, newRelease("billing"))
		if r.HumanID() != fmt.Sprintf("R-%d", r.ID) || r.ID == 0 {
			t.Fatalf("human id %q for id %d", r.HumanID(), r.ID)
		}
		got, err := s.Release(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Service != "billing" || !got.StartAt.Equal(r.StartAt) || !got.EndAt.Equal(r.EndAt) || len(got.Components) != 2 || got.Components[1].Name != "worker" {
			t.Fatalf("read back %+v", got)
		}
		if _, offset := got.StartAt.Zone(); offset != 0 {
			t.Fatalf("start not UTC: %v", got.StartAt)
		}
		if _, err := s.Release(context.Background(), 999999); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("missing release: %v", err)
		}
		trail, err := s.AuditTrail(context.Background(), r.ID)
		if err != nil || len(trail) != 1 || trail[0].Action != "created" || trail[0].Actor != "UOWNER" {
			t.Fatalf("audit trail %+v, %v", trail, err)
		}
	})
}

// The database itself enforces the rules, not only the Go code.
func TestDatabaseConstraints(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("search"))
		db := s.Gorm(ctx)

		cases := []struct {
			name string
			run  func() error
		}{
			{"component of a missing release", func() error {
				return db.Create(&storage.ReleaseComponent{ReleaseID: 424242, Name: "x", Version: "1"}).Error
			}},
			{"duplicate component name", func() error {
				return db.Create(&storage.ReleaseComponent{ReleaseID: r.ID, Name: "api", Version: "9"}).Error
			}},
			{"unknown status", func() error {
				bad := newRelease("search")
				bad.Status = "shipped"
				bad.Components = nil
				return db.Create(bad).Error
			}},
			{"unknown type", func() error {
				bad := newRelease("search")
				bad.Type = "yolo"
				bad.Components = nil
				return db.Create(bad).Error
			}},
			{"missing service", func() error {
				return db.Exec("INSERT INTO releases (version, environment, type, risk, owner_id, created_by, channel, start_at, end_at, status, created_at, updated_at) VALUES ('1','production','normal','low','U','U','C',?,?,'planned',?,?)",
					r.StartAt, r.EndAt, r.StartAt, r.StartAt).Error
			}},
			{"freeze ending before it starts", func() error {
				return db.Create(&storage.FreezeWindow{StartAt: r.EndAt, EndAt: r.StartAt, Reason: "x", CreatedBy: "U", CreatedAt: r.StartAt}).Error
			}},
			{"second decision by one approver", func() error {
				round := storage.ApprovalRound{ReleaseID: r.ID, Number: 1, Revision: 1, Status: "open", Required: "any", Needed: 1, PolicySource: "test", OpenedAt: r.StartAt}
				if err := db.Create(&round).Error; err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				if err := db.Create(&storage.ApprovalDecision{RoundID: round.ID, ApproverID: "UA", Decision: "approve", DecidedAt: r.StartAt}).Error; err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				return db.Create(&storage.ApprovalDecision{RoundID: round.ID, ApproverID: "UA", Decision: "reject", DecidedAt: r.StartAt}).Error
			}},
			{"duplicate outbox key", func() error {
				m := storage.OutboxMessage{Key: "k1", Kind: "test", Channel: "C1", Op: "post", Payload: "{}", DueAt: r.StartAt, Status: "pending", CreatedAt: r.StartAt}
				if err := db.Create(&m).Error; err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				m.ID = 0
				return db.Create(&m).Error
			}},
			{"changing the audit log", func() error {
				return db.Exec("UPDATE audit_entries SET actor = 'UEVIL'").Error
			}},
			{"deleting from the audit log", func() error {
				return db.Exec("DELETE FROM audit_entries").Error
			}},
		}
		for _, c := range cases {
			err := c.run()
			if err == nil {
				t.Errorf("%s: the database accepted it", c.name)
			} else if len(err.Error()) > 6 && err.Error()[:6] == "setup:" {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		trail, _ := s.AuditTrail(ctx, r.ID)
		if len(trail) != 1 || trail[0].Actor != "UOWNER" {
			t.Fatalf("audit log changed: %+v", trail)
		}
	})
}

func TestLifecycleTransitions(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("auth"))
		step := func(to release.Status) error {
			return s.InTx(ctx, func(tx *storage.Tx) error {
				locked, err := tx.LockRelease(r.ID)
				if err != nil {
					return err
				}
				return tx.Transition(locked, to, "UADMIN", "")
			})
		}
		if err := step(release.StatusInProgress); !errors.Is(err, release.ErrIllegalTransition) {
			t.Fatalf("start before approval: %v", err)
		}
		for _, to := range []release.Status{release.StatusApproved, release.StatusInProgress, release.StatusCompleted} {
			if err := step(to); err != nil {
				t.Fatalf("→ %s: %v", to, err)
			}
		}
		err := step(release.StatusCancelled)
		if !errors.Is(err, release.ErrIllegalTransition) || err.Error() != r.HumanID()+": it is completed, which is final" {
			t.Fatalf("cancel after completion: %v", err)
		}
		got, _ := s.Release(ctx, r.ID)
		if got.Status != "completed" || got.StartedAt == nil || got.FinishedAt == nil || got.Revision != 4 {
			t.Fatalf("after lifecycle: status %s revision %d", got.Status, got.Revision)
		}
		trail, _ := s.AuditTrail(ctx, r.ID)
		var actions []string
		for _, e := range trail {
			actions = append(actions, e.Action)
		}
		if fmt.Sprint(actions) != "[created status:approved status:in_progress status:completed]" {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

// A failure after the status change rolls back the change and its audit entry.
func TestTransitionIsAtomic(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("auth"))
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *storage.Tx) error {
			locked, err := tx.LockRelease(r.ID)
			if err != nil {
				return err
			}
			if err := tx.Transition(locked, release.StatusCancelled, "UOWNER", "changed my mind"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		got, _ := s.Release(ctx, r.ID)
		trail, _ := s.AuditTrail(ctx, r.ID)
		if got.Status != "planned" || got.Revision != 1 || len(trail) != 1 {
			t.Fatalf("partial write: status %s revision %d audit %d", got.Status, got.Revision, len(trail))
		}
	})
}

// 50 concurrent edits of one release: every one lands, none is lost, and
// of 50 concurrent cancellations exactly one succeeds.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("payments"))
		const n = 50

		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.InTx(ctx, func(tx *storage.Tx) error {
					locked, err := tx.LockRelease(r.ID)
					if err != nil {
						return err
					}
					locked.Impact += fmt.Sprintf("[%d]", i)
					if err := tx.SaveRelease(locked); err != nil {
						return err
					}
					return tx.Audit("U", "edited", r.ID, fmt.Sprint(i))
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("edit: %v", err)
			}
		}
		got, _ := s.Release(ctx, r.ID)
		for i := range n {
			if !contains(got.Impact, fmt.Sprintf("[%d]", i)) {
				t.Fatalf("edit %d lost: %q", i, got.Impact)
			}
		}
		if got.Revision != n+1 {
			t.Fatalf("revision %d, want %d", got.Revision, n+1)
		}

		var ok, refused int
		var mu sync.Mutex
		for range n {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx *storage.Tx) error {
					locked, err := tx.LockRelease(r.ID)
					if err != nil {
						return err
					}
					return tx.Transition(locked, release.StatusCancelled, "U", "")
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, release.ErrIllegalTransition):
					refused++
				default:
					t.Errorf("cancel: %v", err)
				}
			})
		}
		wg.Wait()
		if ok != 1 || refused != n-1 {
			t.Fatalf("cancellations: %d succeeded, %d refused", ok, refused)
		}
		trail, _ := s.AuditTrail(ctx, r.ID)
		if len(trail) != 1+n+1 {
			t.Fatalf("audit entries %d, want %d", len(trail), n+2)
		}
	})
}

// Replicas starting together migrate the same database safely.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				s, err := storage.Open(context.Background(), url)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
		}
		create(t, open(t, url), newRelease("reports"))
	})
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel()
		s := open(t, url)
		ctx := context.Background()
		first, err := s.FirstDelivery(ctx, "cmd:123")
		if err != nil || !first {
			t.Fatalf("first delivery: %v %v", first, err)
		}
		again, err := s.FirstDelivery(ctx, "cmd:123")
		if err != nil || again {
			t.Fatalf("redelivery: %v %v", again, err)
		}
		if err := s.Forget(ctx, "cmd:123"); err != nil {
			t.Fatal(err)
		}
		retry, err := s.FirstDelivery(ctx, "cmd:123")
		if err != nil || !retry {
			t.Fatalf("after forget: %v %v", retry, err)
		}
	})
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		in, dialect, path string
		bad               bool
	}{
		{"", storage.SQLite, "releasebot.db", false},
		{"sqlite:/var/lib/rb.db", storage.SQLite, "/var/lib/rb.db", false},
		{"sqlite:///var/lib/rb.db", storage.SQLite, "/var/lib/rb.db", false},
		{"file:data/rb.db", storage.SQLite, "data/rb.db", false},
		{"postgres://u@h:5432/db?sslmode=disable", storage.Postgres, "", false},
		{"postgresql://u@h/db", storage.Postgres, "", false},
		{"mysql://u@h/db", "", "", true},
		{"sqlite:", "", "", true},
		{"postgres:///nohost", "", "", true},
	}
	for _, c := range cases {
		got, err := storage.ParseURL(c.in)
		if (err != nil) != c.bad || got.Dialect != c.dialect || got.Path != c.path {
			t.Errorf("ParseURL(%q) = %+v, %v", c.in, got, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
