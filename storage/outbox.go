package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outbox statuses.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
	OutboxDropped = "dropped"
)

// Outbox operations.
const (
	OpPost   = "post"
	OpThread = "thread"
	OpUpdate = "update"
)

// Ordering is how the messages of one outbox kind queue behind each other.
type Ordering int

const (
	// Unordered messages go out as soon as they are due, side by side.
	// Updates of one Slack message (op update) are serialised whatever
	// their kind.
	Unordered Ordering = iota
	// PerDestination messages go out in order per release and
	// destination: a subscriber reads "planned" before "rescheduled", and
	// a thread's lines follow the changes.
	PerDestination
)

// Landing is what recording a sent message writes besides the message
// itself, so that the messages that belong to it can find it.
type Landing int

const (
	// LandsNowhere means nothing else refers to the message.
	LandsNowhere Landing = iota
	// LandsAnnouncement is the release's announcement (its thread, its
	// updates).
	LandsAnnouncement
	// LandsApprovalRequest is an approver's request DM (its updates).
	LandsApprovalRequest
	// LandsRoundProgress is a round's progress line (its updates).
	LandsRoundProgress
)

// KindSpec is what the queue needs to know of an outbox kind. The kinds
// themselves, with their keys and rendering, live with the code that
// renders them (commands/delivery), which registers them here.
type KindSpec struct {
	Name     string
	Ordering Ordering
	Landing  Landing
}

// outboxKinds is the registered kinds as the queries use them.
type outboxKinds struct {
	ordered []string
	landing map[string]Landing
}

// RegisterOutboxKinds tells the store how each kind is ordered and where
// it lands. It is called once, before the outbox runs; a kind it was not
// told of is unordered and lands nowhere.
func (s *Store) RegisterOutboxKinds(specs ...KindSpec) {
	k := &outboxKinds{landing: map[string]Landing{}}
	for _, spec := range specs {
		if spec.Ordering == PerDestination {
			k.ordered = append(k.ordered, spec.Name)
		}
		if spec.Landing != LandsNowhere {
			k.landing[spec.Name] = spec.Landing
		}
	}
	s.kinds.Store(k)
}

func (s *Store) outboxKinds() *outboxKinds {
	if k := s.kinds.Load(); k != nil {
		return k
	}
	return &outboxKinds{}
}

// Enqueue adds a message to the outbox within the change that causes it. A
// message whose key is already there is not added again. The row is
// written with the change's other rows when the change is done
// (batch.go), so the result is always true: whether the key was new is
// known only then.
func (tx *Tx) Enqueue(m *OutboxMessage) (bool, error) {
	stamp(m, tx.Now())
	return true, tx.addOutbox(m, batchEnqueue)
}

// Enqueue adds a message outside any other change (the scheduler's).
func (s *Store) Enqueue(ctx context.Context, m *OutboxMessage) (bool, error) {
	return enqueue(s.db.WithContext(ctx), s.Now(), m)
}

// stamp fills in what every new outbox row carries.
func stamp(m *OutboxMessage, now time.Time) {
	if m.Status == "" {
		m.Status = OutboxPending
	}
	if m.DueAt.IsZero() {
		m.DueAt = now
	}
	m.DueAt = m.DueAt.UTC()
	m.CreatedAt = now
}

func enqueue(db *gorm.DB, now time.Time, m *OutboxMessage) (bool, error) {
	stamp(m, now)
	res := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(m)
	if res.Error != nil {
		return false, translate(res.Error, "enqueue "+m.Kind)
	}
	return res.RowsAffected == 1, nil
}

// WaitingPrefix starts the last_error of a message put back because what
// it belongs to was not posted yet.
const WaitingPrefix = "waiting: "

// Superseded is the reason recorded on messages DropPending dropped.
const Superseded = "superseded"

// DropPending drops the release's messages of the given kinds that have not
// gone out yet: a rescheduled release's old reminders, a cancelled one's.
func (tx *Tx) DropPending(releaseID int64, kinds ...string) (int64, error) {
	if err := tx.flushOutbox(); err != nil {
		return 0, err
	}
	res := tx.db.Model(&OutboxMessage{}).
		Where("release_id = ? AND kind IN ? AND status = ?", releaseID, kinds, OutboxPending).
		Updates(map[string]any{"status": OutboxDropped, "last_error": Superseded})
	return res.RowsAffected, translate(res.Error, "drop pending messages")
}

// Replan enqueues a planned message (a reminder) that a change may have
// just superseded: a row with the same key that DropPending dropped comes
// back as pending with the new time, destination and content, while a row
// that was sent, failed or is still pending stays as it is. Without this, a
// release moved away and back, or edited without moving, would lose its
// reminders to their own old, dropped keys.
//
// Like Enqueue, the row is written when the change is done (batch.go), so
// the result is always true.
func (tx *Tx) Replan(m *OutboxMessage) (bool, error) {
	m.Status = ""
	stamp(m, tx.Now())
	return true, tx.addOutbox(m, batchReplan)
}

// Messages of a PerDestination kind are not claimed while an older one of
// the same kind, release and destination is still pending or being sent,
// whatever its due time (it may be waiting for the announcement, or
// backing off after a 5xx).
//
// Updates of one Slack message are serialised the same way, per release,
// kind, destination and target row: each is rendered from the state when it
// is sent, and two sent side by side could land in the wrong order, the
// older picture over the newer.

// ClaimOutbox leases up to n due messages to worker by. On PostgreSQL,
// SKIP LOCKED lets replicas claim side by side without waiting for or
// taking each other's rows; on SQLite the IMMEDIATE transaction serialises
// claims. A worker that dies loses its lease after lease; ReleaseExpired
// then hands the rows out again.
func (s *Store) ClaimOutbox(ctx context.Context, by string, n int, lease time.Duration) ([]OutboxMessage, error) {
	var claimed []OutboxMessage
	ordered := s.outboxKinds().ordered
	err := s.InTxRetry(ctx, func(tx *Tx) error {
		claimed = nil
		now := tx.Now()
		var ids []int64
		q := tx.forUpdateSkipLocked().Model(&OutboxMessage{}).
			Where("status = ? AND due_at <= ?", OutboxPending, now).
			Where(`NOT ((kind IN ? OR op = ?) AND EXISTS (SELECT 1 FROM outbox_messages older
				WHERE older.release_id = outbox_messages.release_id AND older.kind = outbox_messages.kind
				AND older.channel = outbox_messages.channel AND older.id < outbox_messages.id
				AND older.status IN ?
				AND (outbox_messages.op <> ? OR COALESCE(older.ref_id, 0) = COALESCE(outbox_messages.ref_id, 0))))`,
				ordered, OpUpdate, []string{OutboxPending, OutboxSending}, OpUpdate).
			Order("due_at, id").Limit(n)
		if err := q.Pluck("id", &ids).Error; err != nil {
			return translate(err, "find due messages")
		}
		if len(ids) == 0 {
			return nil
		}
		// Rows an earlier try may have posted keep that try's start, which
		// bounds where the next one looks for them in Slack.
		var recheck []int64
		err := tx.db.Model(&OutboxMessage{}).Where("id IN ? AND attempted_at IS NOT NULL", ids).Pluck("id", &recheck).Error
		if err != nil {
			return translate(err, "find messages to look for")
		}
		until := now.Add(lease)
		err = tx.db.Model(&OutboxMessage{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": OutboxSending, "claimed_by": by, "claimed_until": until,
			"attempts": gorm.Expr("attempts + 1"), "attempted_at": gorm.Expr("COALESCE(attempted_at, ?)", now),
		}).Error
		if err != nil {
			return translate(err, "claim messages")
		}
		if err := tx.db.Where("id IN ?", ids).Order("due_at, id").Find(&claimed).Error; err != nil {
			return translate(err, "read claimed messages")
		}
		for i := range claimed {
			claimed[i].Recheck = slices.Contains(recheck, claimed[i].ID)
		}
		return nil
	})
	return claimed, err
}

func (tx *Tx) forUpdateSkipLocked() *gorm.DB {
	if tx.store.dialect == Postgres {
		return tx.db.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	return tx.db
}

// ReleaseExpired returns messages whose worker's lease ran out to the
// pending queue; it reports how many. except lists messages the caller is
// sending right now: a replica never takes back its own message mid-send,
// even if its clock jumped past the lease.
func (s *Store) ReleaseExpired(ctx context.Context, except ...int64) (int64, error) {
	var n int64
	err := s.retry(ctx, func() error {
		q := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("status = ? AND claimed_until < ?", OutboxSending, s.Now())
		if len(except) > 0 {
			q = q.Where("id NOT IN ?", except)
		}
		res := q.Updates(map[string]any{"status": OutboxPending, "claimed_by": ""})
		n = res.RowsAffected
		return translate(res.Error, "release expired leases")
	})
	return n, err
}

// claimedBy narrows an update to a message still leased by worker by, so a
// worker whose lease expired cannot overwrite the outcome of the next one.
func claimedBy(db *gorm.DB, m *OutboxMessage, by string) *gorm.DB {
	return db.Model(&OutboxMessage{}).Where("id = ? AND status = ? AND claimed_by = ?", m.ID, OutboxSending, by)
}

// ErrLeaseLost means another worker took the message over.
var ErrLeaseLost = fmt.Errorf("outbox lease lost")

// MarkSent records delivery and, for kinds that need it, where the message
// landed (the release announcement, an approver's request), in one
// transaction.
//
// The message is already in Slack: a failure here means it is posted again
// once its lease runs out. So the transaction is run again when it loses
// to a concurrent one, and it takes its locks in the order the changes to
// a release do (the release first, then its messages, rounds and
// approvers), so that it cannot deadlock with them in the first place.
// When the connection to the database is lost (a restart, a failover, a
// network blip), it is tried again with backoff until ctx's deadline,
// which the outbox sets shortly before the lease ends; without a deadline
// a lost connection is not retried.
func (s *Store) MarkSent(ctx context.Context, m *OutboxMessage, by, channel, ts string) error {
	landing := s.outboxKinds().landing[m.Kind]
	for attempt := 1; ; attempt++ {
		err := s.InTxRetry(ctx, func(tx *Tx) error { return markSent(tx, m, landing, by, channel, ts) })
		if err == nil || ctx.Err() != nil || !ConnectionLost(err) {
			return err
		}
		wait := recordBackoff(attempt)
		if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) < wait {
			return fmt.Errorf("%w (the database stayed unreachable; gave up after %d tries)", err, attempt)
		}
		s.log.WarnContext(ctx, "outbox: database unreachable while recording a sent message; trying again",
			"outbox_id", m.ID, "attempt", attempt, "wait_ms", wait.Milliseconds(), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (not retried: %w)", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// recordBackoff is the wait before recording a sent message again after a
// lost connection: 50 ms doubling to 1 s, with jitter so that replicas do
// not all knock at once when the database comes back.
func recordBackoff(attempt int) time.Duration {
	d := min(50*time.Millisecond<<min(attempt-1, 10), time.Second)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// ConnectionLost reports whether err means the database could not be
// reached or the connection broke, rather than that it refused the
// statement: running it again on a new connection may succeed.
func ConnectionLost(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; context errors also pass for net.Error
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is "connection exception"; 57P01-57P03 are a server
		// shutting down or not yet accepting connections (a restart).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// markSent is one try of MarkSent.
func markSent(tx *Tx, m *OutboxMessage, landing Landing, by, channel, ts string) error {
	now := tx.Now()
	if m.ReleaseID != nil && landing != LandsNowhere {
		// NO KEY UPDATE waits for a change holding the release
		// (LockRelease) without holding up rows that merely refer to
		// the release, as a plain FOR UPDATE would.
		var locked []int64
		err := tx.locking("NO KEY UPDATE").Model(&Release{}).
			Where("id = ?", *m.ReleaseID).Pluck("id", &locked).Error
		if err != nil {
			return translate(err, "lock release")
		}
	}
	res := claimedBy(tx.db, m, by).Updates(map[string]any{
		"status": OutboxSent, "sent_ts": ts, "sent_channel": channel, "sent_at": now, "last_error": "",
	})
	if res.Error != nil {
		return translate(res.Error, "mark sent")
	}
	if res.RowsAffected == 0 {
		return alreadySent(tx, m, by, ts)
	}
	if m.ReleaseID != nil && landing != LandsNowhere {
		// Messages of the release waiting for this one (a thread line
		// for its announcement, an update for its request) need not
		// sit out their wait.
		err := tx.db.Model(&OutboxMessage{}).
			Where("release_id = ? AND status = ? AND due_at > ? AND last_error LIKE ?", *m.ReleaseID, OutboxPending, now, WaitingPrefix+"%").
			Update("due_at", now).Error
		if err != nil {
			return translate(err, "wake waiting messages")
		}
	}
	return recordLanding(tx, m, landing, channel, ts)
}

// recordLanding writes where a sent message landed, for the messages that
// belong to it.
func recordLanding(tx *Tx, m *OutboxMessage, landing Landing, channel, ts string) error {
	switch landing {
	case LandsAnnouncement:
		if m.ReleaseID != nil {
			err := tx.db.Model(&Release{}).Where("id = ? AND announcement_ts = ''", *m.ReleaseID).
				Updates(map[string]any{"channel": channel, "announcement_ts": ts}).Error
			if err != nil {
				return translate(err, "record announcement")
			}
		}
	case LandsRoundProgress:
		if m.RefID != nil {
			err := tx.db.Model(&ApprovalRound{}).Where("id = ?", *m.RefID).Update("progress_ts", ts).Error
			if err != nil {
				return translate(err, "record round progress")
			}
		}
	case LandsApprovalRequest:
		if m.RefID != nil {
			err := tx.db.Model(&RoundApprover{}).Where("id = ?", *m.RefID).
				Updates(&RoundApprover{DMChannel: channel, DMTS: ts}).Error // column names from the model (DMTS is "dmts")
			if err != nil {
				return translate(err, "record approval request")
			}
		}
	}
	return nil
}

// alreadySent tells a lost lease from a commit of this very record whose
// answer the connection lost: the row then says sent, by by, with ts.
func alreadySent(tx *Tx, m *OutboxMessage, by, ts string) error {
	var n int64
	err := tx.db.Model(&OutboxMessage{}).
		Where("id = ? AND status = ? AND claimed_by = ? AND sent_ts = ?", m.ID, OutboxSent, by, ts).Count(&n).Error
	if err != nil {
		return translate(err, "check sent message")
	}
	if n == 1 {
		return nil
	}
	return ErrLeaseLost
}

// RetryLater puts a message back in the queue for due. A rate-limited
// attempt does not count against the retry limit. It records
// m.AttemptedAt, which the caller sets to nil once it knows Slack does not
// have the message (this try never posted it, or looked and did not find
// it), and leaves set when a post's outcome is unknown.
func (s *Store) RetryLater(ctx context.Context, m *OutboxMessage, by string, due time.Time, reason string, countAttempt bool) error {
	var attempted any // a nil *time.Time is not NULL to every driver
	if m.AttemptedAt != nil {
		attempted = m.AttemptedAt.UTC()
	}
	updates := map[string]any{"status": OutboxPending, "due_at": due.UTC(), "claimed_by": "", "last_error": truncate(reason, 500),
		"attempted_at": attempted}
	if !countAttempt {
		updates["attempts"] = gorm.Expr("attempts - 1")
	}
	return s.retry(ctx, func() error {
		res := claimedBy(s.db.WithContext(ctx), m, by).Updates(updates)
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrLeaseLost
		}
		return translate(res.Error, "reschedule message")
	})
}

// Finish ends a message's life without sending it: failed (with the reason)
// or dropped (no longer relevant). The messages in then, such as the
// admins' alert about a destination that refuses messages, are enqueued
// in the same transaction: an alert enqueued afterwards would be lost to
// a crash in between, and the failed message never alerts again. They are
// enqueued only if the lease was still held, since otherwise the outcome
// is the new holder's to record.
//
// A failed row's due_at becomes the moment it failed, for the admins'
// list of failed messages (/release outbox failed).
func (s *Store) Finish(ctx context.Context, m *OutboxMessage, by, status, reason string, then ...OutboxMessage) error {
	return s.InTxRetry(ctx, func(tx *Tx) error {
		updates := map[string]any{"status": status, "last_error": truncate(reason, 500), "claimed_by": ""}
		if status == OutboxFailed {
			updates["due_at"] = tx.Now()
		}
		res := claimedBy(tx.db, m, by).Updates(updates)
		if res.Error != nil {
			return translate(res.Error, "finish message")
		}
		if res.RowsAffected == 0 {
			return ErrLeaseLost
		}
		for _, next := range then {
			// A copy each run: a rolled-back run may have filled in the
			// id of a row that no longer exists.
			if _, err := tx.Enqueue(&next); err != nil {
				return err
			}
		}
		return nil
	})
}

// FailedMessages lists failed messages, the most recent failure first: at
// most limit of them from offset, and how many there are in all.
func (s *Store) FailedMessages(ctx context.Context, offset, limit int) ([]OutboxMessage, int64, error) {
	db := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("status = ?", OutboxFailed)
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err, "count failed messages")
	}
	var out []OutboxMessage
	err := db.Order("due_at DESC, id DESC").Offset(offset).Limit(limit).Find(&out).Error
	return out, total, translate(err, "list failed messages")
}

// RetryFailed puts failed messages back in the queue, due now, with their
// attempts reset: the ids given, or every failed message when ids is
// empty. It returns the messages it put back, as they were (their error
// included), for the caller's audit entries; ids that are not failed
// messages are left alone and not returned.
func (tx *Tx) RetryFailed(ids ...int64) ([]OutboxMessage, error) {
	q := tx.forUpdate().Where("status = ?", OutboxFailed)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	var rows []OutboxMessage
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "read failed messages")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	found := make([]int64, len(rows))
	for i, m := range rows {
		found[i] = m.ID
	}
	err := tx.db.Model(&OutboxMessage{}).Where("id IN ? AND status = ?", found, OutboxFailed).Updates(map[string]any{
		"status": OutboxPending, "due_at": tx.Now(), "attempts": 0, "last_error": "", "claimed_by": "", "claimed_until": nil,
	}).Error
	return rows, translate(err, "put failed messages back")
}

// OutboxCounts counts messages by status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, translate(err, "count outbox")
}

// OutboxBacklog is the queue as the metrics show it.
type OutboxBacklog struct {
	// Due is what should have gone out already: due messages, and
	// messages put back to be retried (after a 5xx or a 429, or waiting
	// for the message they belong to) in the next RetryHorizon.
	Due     int64
	Sending int64 // claimed by a replica
	// OldestDue is how long the oldest due message has been waiting.
	OldestDue time.Duration
}

// RetryHorizon bounds how far ahead OutboxBacklog looks for messages put
// back for a retry, so that it reads a few index entries, not every
// reminder planned for the coming weeks.
const RetryHorizon = 10 * time.Minute

// BacklogCap is the most OutboxBacklog counts.
const BacklogCap = 10000

// OutboxBacklog reads the undelivered part of the queue; its three
// queries are range scans of idx_outbox_due.
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	now := s.Now()
	var b OutboxBacklog
	// Each count reads idx_outbox_due in order under a LIMIT, which caps
	// it (a backlog that large is an alarm anyway) and, as important,
	// keeps PostgreSQL on that index: taking status and due_at for
	// independent, the planner expects the sent history to match
	// "due_at <= now" and would otherwise scan the table.
	db := s.db.WithContext(ctx)
	due := db.Model(&OutboxMessage{}).Select("due_at, last_error").
		Where("status = ? AND due_at <= ?", OutboxPending, now.Add(RetryHorizon)).Order("due_at").Limit(BacklogCap)
	err := db.Table("(?) AS backlog", due).
		Select(`COALESCE(SUM(CASE WHEN due_at <= ? OR last_error <> '' THEN 1 ELSE 0 END), 0)`, now).Scan(&b.Due).Error
	if err != nil {
		return b, translate(err, "read outbox backlog")
	}
	sending := db.Model(&OutboxMessage{}).Select("id").Where("status = ?", OutboxSending).Order("due_at").Limit(BacklogCap)
	if err := db.Table("(?) AS sending", sending).Count(&b.Sending).Error; err != nil {
		return b, translate(err, "read outbox backlog")
	}
	var oldest []time.Time
	err = db.Model(&OutboxMessage{}).Where("status = ? AND due_at <= ?", OutboxPending, now).
		Order("due_at").Limit(1).Pluck("due_at", &oldest).Error
	if len(oldest) == 1 {
		b.OldestDue = now.Sub(oldest[0])
	}
	return b, translate(err, "read oldest due message")
}

// OutboxMessages lists messages by kind (and release, when non-zero), for
// tests and the audit view.
func (s *Store) OutboxMessages(ctx context.Context, releaseID int64, kinds ...string) ([]OutboxMessage, error) {
	q := s.db.WithContext(ctx).Order("id")
	if releaseID != 0 {
		q = q.Where("release_id = ?", releaseID)
	}
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	var out []OutboxMessage
	return out, translate(q.Find(&out).Error, "list outbox")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
