package storage

import (
	"gorm.io/gorm/clause"
)

// A change writes its audit entries and outbox rows as it goes, but they
// reach the database together when the change is done: one multi-row
// INSERT per table and kind of insert instead of one per row. That keeps
// the guarantee (they commit with the change or not at all) and cuts the
// round trips of a planned release from eight inserts to three.
//
// Rows are written in the order they were added: outbox ids order a
// release's notifications and thread lines. A read in the same
// transaction of the tables concerned (AuditTrail, DropPending…) writes
// what is waiting first, so the transaction always sees its own writes.

// maxBatchRows bounds one INSERT: a survey of thousands of people queues
// thousands of rows, and PostgreSQL takes at most 65,535 parameters in
// one statement.
const maxBatchRows = 500

// batchMode is how a waiting outbox row is inserted.
type batchMode int

const (
	batchEnqueue batchMode = iota // a duplicate key is skipped
	batchReplan                   // a dropped reminder comes back (Replan)
)

// batch is what a transaction has yet to write.
type batch struct {
	audit  []AuditEntry
	outbox []*OutboxMessage
	mode   batchMode
	keys   map[string]bool
}

// addOutbox queues m; rows of the other mode are written first, so that
// the ids keep the order of the calls.
func (tx *Tx) addOutbox(m *OutboxMessage, mode batchMode) error {
	if len(tx.pending.outbox) > 0 && tx.pending.mode != mode {
		if err := tx.flushOutbox(); err != nil {
			return err
		}
	}
	if tx.pending.keys == nil {
		tx.pending.keys = map[string]bool{}
	}
	// A key queued twice in one change was added by the first call; the
	// database would refuse the second in the same statement.
	if tx.pending.keys[m.Key] {
		return nil
	}
	tx.pending.keys[m.Key] = true
	tx.pending.mode = mode
	// A copy: a caller may reuse its message for the next call.
	row := *m
	tx.pending.outbox = append(tx.pending.outbox, &row)
	return nil
}

// flush writes everything the transaction has queued.
func (tx *Tx) flush() error {
	if err := tx.flushAudit(); err != nil {
		return err
	}
	return tx.flushOutbox()
}

func (tx *Tx) flushAudit() error {
	if len(tx.pending.audit) == 0 {
		return nil
	}
	entries := tx.pending.audit
	tx.pending.audit = nil
	return translate(tx.db.CreateInBatches(&entries, maxBatchRows).Error, "append audit entries")
}

func (tx *Tx) flushOutbox() error {
	rows := tx.pending.outbox
	if len(rows) == 0 {
		return nil
	}
	tx.pending.outbox, tx.pending.keys = nil, nil
	conflict := clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}
	what := "enqueue " + rows[0].Kind
	if tx.pending.mode == batchReplan {
		conflict = replanConflict()
		what = "plan " + rows[0].Kind
	}
	return translate(tx.db.Clauses(conflict).CreateInBatches(&rows, maxBatchRows).Error, what)
}

// replanConflict revives a row DropPending superseded with the new row's
// time, destination and content; any other existing row stays as it is.
func replanConflict() clause.OnConflict {
	set := clause.AssignmentColumns([]string{"due_at", "channel", "op", "payload"})
	set = append(set, clause.Assignments(map[string]any{
		"status": OutboxPending, "attempts": 0, "last_error": "", "claimed_by": "", "claimed_until": nil,
	})...)
	return clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: set,
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{
			SQL: "outbox_messages.status = ? AND outbox_messages.last_error = ?", Vars: []any{OutboxDropped, Superseded},
		}}},
	}
}
