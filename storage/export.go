package storage

import (
	"context"
	"database/sql"
	"time"
)

// ExportFilter bounds an export: [From, To) (zero: unbounded) and, for a
// token limited to some services, those services.
type ExportFilter struct {
	From, To time.Time
	Services []string
}

// EachRelease calls fn for every release that starts in the filter's
// span, by id, reading row by row: an export of any size holds one
// release in memory at a time.
func (s *Store) EachRelease(ctx context.Context, f ExportFilter, fn func(*Release) error) error {
	q := s.db.WithContext(ctx).Model(&Release{}).Order("id")
	if !f.From.IsZero() {
		q = q.Where("start_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("start_at < ?", f.To.UTC())
	}
	if len(f.Services) > 0 {
		q = q.Where("service IN ?", f.Services)
	}
	rows, err := q.Rows()
	if err != nil {
		return translate(err, "export releases")
	}
	return s.eachRow(rows, "export releases", func() error {
		var r Release
		if err := s.db.ScanRows(rows, &r); err != nil {
			return err
		}
		return fn(&r)
	})
}

// EachAuditEntry calls fn for every audit entry in the filter's span, by
// id, row by row; a token limited to services sees only their releases'.
func (s *Store) EachAuditEntry(ctx context.Context, f ExportFilter, fn func(*AuditEntry) error) error {
	q := s.db.WithContext(ctx).Model(&AuditEntry{}).Order("id")
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if len(f.Services) > 0 {
		q = q.Where("release_id IN (SELECT id FROM releases WHERE service IN ?)", f.Services)
	}
	rows, err := q.Rows()
	if err != nil {
		return translate(err, "export audit entries")
	}
	return s.eachRow(rows, "export audit entries", func() error {
		var e AuditEntry
		if err := s.db.ScanRows(rows, &e); err != nil {
			return err
		}
		return fn(&e)
	})
}

func (s *Store) eachRow(rows *sql.Rows, what string, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return translate(err, what)
		}
	}
	return translate(rows.Err(), what)
}
