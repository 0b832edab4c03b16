package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// testClock is a store clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openAt(t *testing.T, url string) (*storage.Store, *testClock) {
	t.Helper()
	clk := &testClock{now: time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)}
	s, err := storage.Open(context.Background(), url, storage.WithClock(clk.Now))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.RegisterOutboxKinds(testKinds...)
	return s, clk
}

// testKinds are the kinds these tests enqueue that are ordered or record
// where they land, as commands/delivery registers them.
var testKinds = []storage.KindSpec{
	{Name: "notification", Ordering: storage.PerDestination},
	{Name: "thread_note", Ordering: storage.PerDestination},
	{Name: "announcement", Landing: storage.LandsAnnouncement},
	{Name: "approval_request", Landing: storage.LandsApprovalRequest},
	{Name: "round_progress", Landing: storage.LandsRoundProgress},
}

func enqueue(t *testing.T, s *storage.Store, m storage.OutboxMessage) *storage.OutboxMessage {
	t.Helper()
	if m.Op == "" {
		m.Op = storage.OpPost
	}
	if _, err := s.Enqueue(context.Background(), &m); err != nil {
		t.Fatalf("enqueue %s: %v", m.Key, err)
	}
	return &m
}

func keys(ms []storage.OutboxMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Key)
	}
	return out
}

func byKey(t *testing.T, s *storage.Store, key string) storage.OutboxMessage {
	t.Helper()
	var m storage.OutboxMessage
	if err := s.Gorm(context.Background()).Where("key = ?", key).Take(&m).Error; err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return m
}

// A reminder dropped by a change comes back when the next change plans it
// again; one that was sent, or is still pending, is left alone.
func TestReplanRevivesSupersededReminders(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("billing"))
		due := clk.Now().Add(time.Hour)
		// A plan is written when its change commits (batch.go): what it
		// did shows in the row.
		plan := func(key, channel string, at time.Time) {
			err := s.InTx(ctx, func(tx *storage.Tx) error {
				_, err := tx.Replan(&storage.OutboxMessage{Key: key, Kind: "reminder", ReleaseID: &r.ID, Channel: channel, Op: storage.OpPost, DueAt: at, Payload: `{"text":"1h"}`})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		plan("r:1", "UANA", due)
		plan("r:sent", "UANA", clk.Now())
		plan("r:1", "UBEN", due.Add(time.Minute))
		if m := byKey(t, s, "r:1"); m.Channel != "UANA" || !m.DueAt.Equal(due) {
			t.Fatalf("a pending reminder was planned twice: %+v", m)
		}
		// r:sent goes out; then the release changes: r:1 is dropped.
		claimed, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", keys(claimed), err)
		}
		if err := s.MarkSent(ctx, &claimed[0], "w", "D1", "1.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.InTx(ctx, func(tx *storage.Tx) error { _, err := tx.DropPending(r.ID, "reminder"); return err }); err != nil {
			t.Fatal(err)
		}
		if m := byKey(t, s, "r:1"); m.Status != storage.OutboxDropped || m.LastError != storage.Superseded {
			t.Fatalf("r:1 after the change: %s %q", m.Status, m.LastError)
		}
		// Planned again (the release moved back, or an edit kept its time).
		plan("r:1", "UBEN", due.Add(2*time.Minute))
		plan("r:sent", "UANA", clk.Now())
		m := byKey(t, s, "r:1")
		if m.Status != storage.OutboxPending || m.Channel != "UBEN" || !m.DueAt.Equal(due.Add(2*time.Minute)) || m.LastError != "" {
			t.Fatalf("r:1 not revived as planned: %+v", m)
		}
		if m := byKey(t, s, "r:sent"); m.Status != storage.OutboxSent {
			t.Fatalf("a sent reminder was touched: %s", m.Status)
		}
	})
}

// Notifications and thread lines of a release reach each destination in
// order: a newer one is not claimed while an older one is pending (even
// waiting for a later retry) or being sent; a failed one no longer blocks.
func TestClaimKeepsOrderPerDestination(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("billing"))
		other := create(t, s, newRelease("payments"))
		note := func(key string, rel int64, channel string) {
			enqueue(t, s, storage.OutboxMessage{Key: key, Kind: "notification", ReleaseID: &rel, Channel: channel})
		}
		note("a1", r.ID, "CGEN")
		note("a2", r.ID, "CGEN")
		note("b1", r.ID, "UDAN")
		note("c1", other.ID, "CGEN")
		enqueue(t, s, storage.OutboxMessage{Key: "d1", Kind: "direct", ReleaseID: &r.ID, Channel: "CGEN"})
		enqueue(t, s, storage.OutboxMessage{Key: "d2", Kind: "direct", ReleaseID: &r.ID, Channel: "CGEN"})

		claimed, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(keys(claimed)); got != "[a1 b1 c1 d1 d2]" {
			t.Fatalf("claimed %s", got)
		}
		var a1 storage.OutboxMessage
		for _, m := range claimed {
			if m.Key == "a1" {
				a1 = m
			}
		}
		// a1 goes back for a retry in a minute: a2 still waits.
		if err := s.RetryLater(ctx, &a1, "w", clk.Now().Add(time.Minute), "http_503", true); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimOutbox(ctx, "w", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed %v while a1 waits for its retry", keys(again))
		}
		clk.Advance(time.Minute)
		again, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || fmt.Sprint(keys(again)) != "[a1]" {
			t.Fatalf("after the backoff: %v %v", keys(again), err)
		}
		if err := s.Finish(ctx, &again[0], "w", storage.OutboxFailed, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		again, err = s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || fmt.Sprint(keys(again)) != "[a2]" {
			t.Fatalf("after a1 failed: %v %v", keys(again), err)
		}
	})
}

// Two updates of one Slack message never go out side by side: each is
// rendered when sent, and the older one could land last. Updates of other
// messages are not held up.
func TestClaimSerialisesUpdatesOfOneMessage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, _ := openAt(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("billing"))
		update := func(key string, ref int64) {
			enqueue(t, s, storage.OutboxMessage{Key: key, Kind: "approval_dm_update", ReleaseID: &r.ID, RefID: &ref, Op: storage.OpUpdate})
		}
		update("dan-1", 1)
		update("ben-1", 2)
		update("dan-2", 1)
		update("ben-2", 2)
		enqueue(t, s, storage.OutboxMessage{Key: "ann-1", Kind: "announcement_update", ReleaseID: &r.ID, Op: storage.OpUpdate})
		enqueue(t, s, storage.OutboxMessage{Key: "ann-2", Kind: "announcement_update", ReleaseID: &r.ID, Op: storage.OpUpdate})

		claimed, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || fmt.Sprint(keys(claimed)) != "[dan-1 ben-1 ann-1]" {
			t.Fatalf("first claim: %v %v", keys(claimed), err)
		}
		if again, _ := s.ClaimOutbox(ctx, "w", 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed %v while the older updates are being sent", keys(again))
		}
		for _, m := range claimed {
			if err := s.MarkSent(ctx, &m, "w", "D1", "1.1"); err != nil {
				t.Fatal(err)
			}
		}
		again, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || fmt.Sprint(keys(again)) != "[dan-2 ben-2 ann-2]" {
			t.Fatalf("after the first updates were sent: %v %v", keys(again), err)
		}
	})
}

// Replicas claiming at the same time never get the same message.
func TestClaimIsExclusive(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, _ := openAt(t, url)
		ctx := context.Background()
		const rows, workers = 300, 6
		for i := range rows {
			enqueue(t, s, storage.OutboxMessage{Key: fmt.Sprintf("m%d", i), Kind: "direct", Channel: fmt.Sprintf("U%d", i)})
		}
		var mu sync.Mutex
		got := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			name := fmt.Sprintf("w%d", w)
			wg.Go(func() {
				for {
					batch, err := s.ClaimOutbox(ctx, name, 7, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if len(batch) == 0 {
						return
					}
					mu.Lock()
					for _, m := range batch {
						if prev, dup := got[m.ID]; dup {
							errs <- fmt.Errorf("%s claimed by %s and %s", m.Key, prev, name)
						}
						got[m.ID] = name
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(got) != rows {
			t.Fatalf("%d of %d messages claimed", len(got), rows)
		}
	})
}

// A worker whose lease ran out loses the message: another claims it, and
// the first one can no longer record an outcome over the second's.
func TestExpiredLeaseChangesHands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		enqueue(t, s, storage.OutboxMessage{Key: "m", Kind: "direct", Channel: "UANA"})
		first, err := s.ClaimOutbox(ctx, "dead", 1, 30*time.Second)
		if err != nil || len(first) != 1 || first[0].ClaimedUntil == nil || !first[0].ClaimedUntil.Equal(clk.Now().Add(30*time.Second)) {
			t.Fatalf("claim: %+v %v", first, err)
		}
		if n, _ := s.ReleaseExpired(ctx); n != 0 {
			t.Fatal("released a live lease")
		}
		clk.Advance(31 * time.Second)
		// The holder itself never takes back a message it is sending,
		// even when its clock jumped past the lease.
		if n, err := s.ReleaseExpired(ctx, first[0].ID); n != 0 || err != nil {
			t.Fatalf("released a message its caller is sending: %d, %v", n, err)
		}
		if n, err := s.ReleaseExpired(ctx); n != 1 || err != nil {
			t.Fatalf("released %d, %v", n, err)
		}
		second, err := s.ClaimOutbox(ctx, "alive", 1, 30*time.Second)
		if err != nil || len(second) != 1 || second[0].Attempts != 2 {
			t.Fatalf("second claim: %+v %v", second, err)
		}
		if err := s.MarkSent(ctx, &first[0], "dead", "D1", "1.1"); !errors.Is(err, storage.ErrLeaseLost) {
			t.Fatalf("the dead worker recorded an outcome: %v", err)
		}
		if err := s.MarkSent(ctx, &second[0], "alive", "D1", "1.2"); err != nil {
			t.Fatal(err)
		}
		if m := byKey(t, s, "m"); m.Status != storage.OutboxSent || m.SentTS != "1.2" {
			t.Fatalf("%+v", m)
		}
	})
}

// Sending an announcement releases the messages waiting for it at once,
// instead of after their wait.
func TestMarkSentWakesWaitingMessages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		r := create(t, s, newRelease("billing"))
		enqueue(t, s, storage.OutboxMessage{Key: "announce", Kind: "announcement", ReleaseID: &r.ID, Channel: "CREL"})
		enqueue(t, s, storage.OutboxMessage{Key: "thread", Kind: "thread_note", ReleaseID: &r.ID, Op: storage.OpThread})
		enqueue(t, s, storage.OutboxMessage{Key: "later", Kind: "reminder", ReleaseID: &r.ID, Channel: "UANA", DueAt: clk.Now().Add(time.Hour)})
		claimed, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %v %v", keys(claimed), err)
		}
		if err := s.RetryLater(ctx, &claimed[1], "w", clk.Now().Add(2*time.Second), storage.WaitingPrefix+"announcement not posted yet", false); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, &claimed[0], "w", "CREL", "1.1"); err != nil {
			t.Fatal(err)
		}
		if m := byKey(t, s, "thread"); !m.DueAt.Equal(clk.Now()) {
			t.Fatalf("the waiting thread line is due %s, not now (%s)", m.DueAt, clk.Now())
		}
		if m := byKey(t, s, "later"); !m.DueAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatal("a reminder was moved")
		}
		if rel, _ := s.Release(ctx, r.ID); rel.AnnouncementTS != "1.1" {
			t.Fatalf("announcement ts %q", rel.AnnouncementTS)
		}
	})
}

// The backlog counts what should have gone out, not what is planned for
// later.
func TestOutboxBacklog(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		enqueue(t, s, storage.OutboxMessage{Key: "due1", Kind: "direct", Channel: "U1", DueAt: clk.Now().Add(-time.Minute)})
		enqueue(t, s, storage.OutboxMessage{Key: "due2", Kind: "direct", Channel: "U2"})
		enqueue(t, s, storage.OutboxMessage{Key: "retry", Kind: "direct", Channel: "U3"})
		enqueue(t, s, storage.OutboxMessage{Key: "later", Kind: "reminder", Channel: "U4", DueAt: clk.Now().Add(24 * time.Hour)})
		// "retry" fails and backs off; "due1" and "due2" are left.
		claimed, err := s.ClaimOutbox(ctx, "w", 3, time.Minute)
		if err != nil || len(claimed) != 3 {
			t.Fatal(keys(claimed), err)
		}
		for _, m := range claimed {
			if m.Key == "retry" {
				if err := s.RetryLater(ctx, &m, "w", clk.Now().Add(30*time.Second), "http_503", true); err != nil {
					t.Fatal(err)
				}
			} else if err := s.RetryLater(ctx, &m, "w", m.DueAt, "", false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ClaimOutbox(ctx, "w", 1, time.Minute); err != nil { // due1, now sending
			t.Fatal(err)
		}
		b, err := s.OutboxBacklog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.Due != 2 || b.Sending != 1 || b.OldestDue != 0 {
			t.Fatalf("backlog %+v, want 2 due (due2, retry), 1 sending, oldest due2 at 0s", b)
		}
	})
}

// blockedBy returns once another session waits for a lock that the
// session pid holds, or once done is closed. It is how the tests below put
// two transactions in the order that matters without timing them: SQLite
// has no row locks and no way to see a waiting writer, so there it returns
// at once.
func blockedBy(t *testing.T, s *storage.Store, pid int64, done <-chan struct{}) {
	t.Helper()
	if s.Dialect() != storage.Postgres {
		return
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		var n int64
		err := s.Gorm(context.Background()).Raw("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid).Scan(&n).Error
		if err != nil {
			t.Errorf("look for blocked sessions: %v", err)
			return
		}
		if n > 0 {
			return
		}
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

// backendPID is the PostgreSQL session running tx; 0 on SQLite.
func backendPID(t *testing.T, tx *storage.Tx) int64 {
	t.Helper()
	var pid int64
	if tx.DB().Name() == storage.Postgres {
		if err := tx.DB().Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
			t.Errorf("backend pid: %v", err)
		}
	}
	return pid
}

// Recording an announcement and changing its release at the same time
// take their locks in one order, release first, so neither waits for the
// other in a cycle. Before, MarkSent locked the announcement and the rows
// waiting for it, then the release, while a change locks the release,
// then those rows: PostgreSQL broke the deadlock by failing MarkSent, and
// the posted announcement stayed "sending", to be posted again once its
// lease ran out. Here each change holds the release until MarkSent is
// seen waiting for a lock it holds, then drops the waiting reminder:
// exactly the interleaving that deadlocked.
func TestMarkSentAndAChangeDoNotDeadlock(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, clk := openAt(t, url)
		ctx := context.Background()
		const releases = 6
		var ids []int64
		for i := range releases {
			r := create(t, s, newRelease(fmt.Sprintf("svc%d", i)))
			ids = append(ids, r.ID)
			enqueue(t, s, storage.OutboxMessage{Key: fmt.Sprintf("announce:%d", r.ID), Kind: "announcement", ReleaseID: &r.ID, Channel: "CREL"})
			enqueue(t, s, storage.OutboxMessage{Key: fmt.Sprintf("reminder:%d", r.ID), Kind: "reminder", ReleaseID: &r.ID, Op: storage.OpThread})
			enqueue(t, s, storage.OutboxMessage{Key: fmt.Sprintf("thread:%d", r.ID), Kind: "thread_note", ReleaseID: &r.ID, Op: storage.OpThread})
		}
		claimed, err := s.ClaimOutbox(ctx, "w", 100, time.Minute)
		if err != nil || len(claimed) != 3*releases {
			t.Fatalf("claim: %v %v", keys(claimed), err)
		}
		announcements := map[int64]storage.OutboxMessage{}
		for _, m := range claimed {
			if m.Kind == "announcement" {
				announcements[*m.ReleaseID] = m
				continue
			}
			if err := s.RetryLater(ctx, &m, "w", clk.Now().Add(2*time.Second), storage.WaitingPrefix+"announcement not posted yet", false); err != nil {
				t.Fatal(err)
			}
		}

		var wg sync.WaitGroup
		changeErrs := make([]error, releases)
		sentErrs := make([]error, releases)
		for i, id := range ids {
			wg.Go(func() {
				changeErrs[i] = s.InTx(ctx, func(tx *storage.Tx) error {
					r, err := tx.LockRelease(id)
					if err != nil {
						return err
					}
					pid := backendPID(t, tx)
					sent := make(chan struct{})
					wg.Go(func() {
						defer close(sent)
						ann := announcements[id]
						sentErrs[i] = s.MarkSent(ctx, &ann, "w", "CREL", fmt.Sprintf("1.%d", id))
					})
					blockedBy(t, s, pid, sent)
					if _, err := tx.DropPending(id, "reminder"); err != nil {
						return err
					}
					r.StartAt, r.EndAt = r.StartAt.Add(time.Hour), r.EndAt.Add(time.Hour)
					return tx.SaveRelease(r)
				})
			})
		}
		wg.Wait()
		for i, id := range ids {
			if changeErrs[i] != nil {
				t.Errorf("change of release %d: %v", id, changeErrs[i])
			}
			if sentErrs[i] != nil {
				t.Errorf("MarkSent of release %d's announcement: %v", id, sentErrs[i])
			}
		}
		if t.Failed() {
			return
		}
		for _, id := range ids {
			if m := byKey(t, s, fmt.Sprintf("announce:%d", id)); m.Status != storage.OutboxSent || m.SentTS != fmt.Sprintf("1.%d", id) {
				t.Errorf("announcement of %d: %s %q", id, m.Status, m.SentTS)
			}
			if m := byKey(t, s, fmt.Sprintf("reminder:%d", id)); m.Status != storage.OutboxDropped {
				t.Errorf("reminder of %d: %s, want dropped by the change", id, m.Status)
			}
			if rel, err := s.Release(ctx, id); err != nil || rel.AnnouncementTS != fmt.Sprintf("1.%d", id) || rel.Revision != 2 {
				t.Errorf("release %d: %+v %v", id, rel, err)
			}
		}
		// Nothing is left to be posted again once the leases run out:
		// only the thread lines, which the announcements woke.
		clk.Advance(2 * time.Minute)
		if n, err := s.ReleaseExpired(ctx); n != 0 || err != nil {
			t.Fatalf("%d messages still sending after the run (%v); they would be posted again", n, err)
		}
		again, err := s.ClaimOutbox(ctx, "w2", 100, time.Minute)
		if err != nil || len(again) != releases {
			t.Fatalf("claimed %v (%v), want the %d thread lines", keys(again), err, releases)
		}
		for _, m := range again {
			if m.Kind != "thread_note" {
				t.Fatalf("claimed %s again", m.Key)
			}
		}
	})
}

// A message's end and the messages that follow from it (the admins'
// alert about a destination that refuses messages) commit together: both
// or neither, and none when the lease was lost.
func TestFinishEnqueuesWithTheOutcome(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s, _ := openAt(t, url)
		ctx := context.Background()
		alert := func(key string) storage.OutboxMessage {
			return storage.OutboxMessage{Key: key, Kind: "admin_alert", Channel: "UADMIN", Op: storage.OpPost, Payload: `{"text":"broken"}`}
		}
		for _, k := range []string{"a", "b", "c", "d"} {
			enqueue(t, s, storage.OutboxMessage{Key: k, Kind: "direct", Channel: "C" + k})
		}
		claimed, err := s.ClaimOutbox(ctx, "w", 10, time.Minute)
		if err != nil || fmt.Sprint(keys(claimed)) != "[a b c d]" {
			t.Fatalf("claim: %v %v", keys(claimed), err)
		}
		if err := s.Finish(ctx, &claimed[0], "w", storage.OutboxFailed, "channel_not_found", alert("alert:Ca:1"), alert("alert:Ca:2")); err != nil {
			t.Fatal(err)
		}
		if m := byKey(t, s, "a"); m.Status != storage.OutboxFailed || m.LastError != "channel_not_found" {
			t.Fatalf("a: %s %q", m.Status, m.LastError)
		}
		for _, k := range []string{"alert:Ca:1", "alert:Ca:2"} {
			if m := byKey(t, s, k); m.Status != storage.OutboxPending {
				t.Fatalf("%s: %s", k, m.Status)
			}
		}
		// The alert cannot be written (the database refuses its op): the
		// failure is not recorded either, and the message stays with
		// its holder, who tries again.
		broken := alert("alert:Cb:1")
		broken.Op = "shout"
		if err := s.Finish(ctx, &claimed[1], "w", storage.OutboxFailed, "channel_not_found", alert("alert:Cb:0"), broken); err == nil {
			t.Fatal("an alert the database refuses was accepted")
		}
		if m := byKey(t, s, "b"); m.Status != storage.OutboxSending || m.ClaimedBy != "w" {
			t.Fatalf("b after a failed Finish: %s %q", m.Status, m.ClaimedBy)
		}
		// A worker that lost the lease records nothing and alerts no one.
		if err := s.Finish(ctx, &claimed[2], "other", storage.OutboxFailed, "is_archived", alert("alert:Cc:1")); !errors.Is(err, storage.ErrLeaseLost) {
			t.Fatalf("finish without the lease: %v", err)
		}
		// The same alert again (same destination and code) adds nothing.
		if err := s.Finish(ctx, &claimed[3], "w", storage.OutboxFailed, "channel_not_found", alert("alert:Ca:1")); err != nil {
			t.Fatal(err)
		}
		all, err := s.OutboxMessages(ctx, 0, "admin_alert")
		if err != nil || fmt.Sprint(keys(all)) != "[alert:Ca:1 alert:Ca:2]" {
			t.Fatalf("alerts: %v %v", keys(all), err)
		}
	})
}
