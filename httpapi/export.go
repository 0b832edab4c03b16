package httpapi

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// Exporter reads what the CSV endpoints stream.
type Exporter interface {
	EachRelease(ctx context.Context, f storage.ExportFilter, fn func(*storage.Release) error) error
	EachAuditEntry(ctx context.Context, f storage.ExportFilter, fn func(*storage.AuditEntry) error) error
}

// Exports are GET /api/v1/releases.csv and /api/v1/audit.csv.
type Exports struct{ Store Exporter }

// Register adds the endpoints to s.
func (e *Exports) Register(s *Server) {
	s.Handle(http.MethodGet, "releases.csv", e.releases)
	s.Handle(http.MethodGet, "audit.csv", e.audit)
}

var releaseColumns = []string{"id", "service", "version", "environment", "type", "risk", "status", "title", "owner",
	"start_at", "end_at", "started_at", "finished_at", "downtime_minutes", "fixes", "created_at"}

func (e *Exports) releases(ctx context.Context, c *Call) Answer {
	f, bad := exportFilter(c)
	if bad != nil {
		return *bad
	}
	return csvAnswer(releaseColumns, func(put func([]string) error) error {
		return e.Store.EachRelease(ctx, f, func(r *storage.Release) error {
			fixes := ""
			if r.FixesID != nil {
				fixes = fmt.Sprintf("R-%d", *r.FixesID)
			}
			return put([]string{fmt.Sprintf("R-%d", r.ID), r.Service, r.Version, r.Environment, r.Type, r.Risk, r.Status, r.Title, r.OwnerID,
				stamp(&r.StartAt), stamp(&r.EndAt), stamp(r.StartedAt), stamp(r.FinishedAt), strconv.Itoa(r.DowntimeMinutes), fixes, stamp(&r.CreatedAt)})
		})
	})
}

func (e *Exports) audit(ctx context.Context, c *Call) Answer {
	f, bad := exportFilter(c)
	if bad != nil {
		return *bad
	}
	return csvAnswer([]string{"id", "at", "actor", "action", "release", "details"}, func(put func([]string) error) error {
		return e.Store.EachAuditEntry(ctx, f, func(a *storage.AuditEntry) error {
			rel := ""
			if a.ReleaseID != nil {
				rel = fmt.Sprintf("R-%d", *a.ReleaseID)
			}
			return put([]string{strconv.FormatInt(a.ID, 10), stamp(&a.At), a.Actor, a.Action, rel, a.Details})
		})
	})
}

// exportFilter reads from= and to= (RFC 3339 or YYYY-MM-DD in UTC, both
// optional) and the token's services.
func exportFilter(c *Call) (storage.ExportFilter, *Answer) {
	var f storage.ExportFilter
	fields := map[string]string{}
	q := c.Req.URL.Query()
	for name, into := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			fields[name] = "an RFC 3339 time like 2026-12-03T10:00:00Z or a date like 2026-12-03"
		}
		*into = t
	}
	if len(fields) > 0 {
		return f, &Answer{http.StatusBadRequest, fieldsBody(fields)}
	}
	if c.Token.Services != "" {
		f.Services = strings.Split(c.Token.Services, ",")
	}
	return f, nil
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvAnswer streams an RFC 4180 CSV: a header line, then the rows rows
// puts, each flushed in small batches.
func csvAnswer(header []string, rows func(put func([]string) error) error) Answer {
	return Answer{http.StatusOK, Raw{ContentType: "text/csv; charset=utf-8", Stream: func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		if err := cw.Write(header); err != nil {
			return err
		}
		err := rows(func(cells []string) error {
			for i, v := range cells {
				cells[i] = SafeCell(v)
			}
			return cw.Write(cells)
		})
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	}}}
}

// SafeCell keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with = + - @, a tab or a carriage return gets a leading
// single quote (OWASP's advice on CSV injection).
func SafeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
